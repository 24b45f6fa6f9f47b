package probe_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

// TestMain lets this test binary act as the supervisor of a managed
// gateway: a probe of a suite with gateway.command re-executes the running
// program, here this binary, to supervise it.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	os.Exit(m.Run())
}

func TestProbe(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Probe")
}
