package faults_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

func TestFaults(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Faults")
}

// startEnv starts an environment with the builtin gateway for one spec and
// closes it after: what every wire test stands on.
func startEnv(ctx context.Context) *harness.Environment {
	return startEnvWith(ctx, harness.Config{})
}

// startEnvWith is startEnv with cfg: other routes, more origins.
func startEnvWith(ctx context.Context, cfg harness.Config) *harness.Environment {
	env, err := harness.Start(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Close)
	return env
}
