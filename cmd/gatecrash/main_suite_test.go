package main_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/gatecrash/gatecrash/harness"
)

// These specs run the gatecrash binary as a user would, built with -race.

// TestMain lets this test binary act as the supervisor of a managed
// gateway: the specs that call run in-process start managed
// gateways, which re-execute the running program, here this binary.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	os.Exit(m.Run())
}

func TestGatecrash(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gatecrash command")
}

var bin string

var _ = BeforeSuite(func() {
	var err error
	bin, err = gexec.Build("github.com/gatecrash/gatecrash/cmd/gatecrash", "-race")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gexec.CleanupBuildArtifacts)
})

// require skips a spec when a tool is not installed, unless the tool is
// listed in GATECRASH_REQUIRE (as CI does): then its absence fails.
func require(tool string) {
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	for _, t := range strings.Split(os.Getenv("GATECRASH_REQUIRE"), ",") {
		if t == tool {
			Fail(tool + " is required (GATECRASH_REQUIRE) but not installed")
		}
	}
	Skip(tool + " is not installed")
}
