package main_test

import (
	"flag"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	"github.com/gatecrash/gatecrash/harness"
)

// These specs run the gatecrash binary as a user would, built with -race:
// those that need a process of its own (signals, SIGKILL, the process
// groups of its gateways, a real terminal). The rest call run in-process
// (the *_internal_test.go files), side by side.

// parallel is how many tests run at once unless -parallel says: all of
// them, in effect. The in-process runs and probes wait for one of a few
// lanes (inprocess_internal_test.go); a test waiting for one must not hold
// back the others, as go test's default (the cores) would.
const parallel = 64

// TestMain lets this test binary act as the supervisor of a managed
// gateway: the tests that call run in-process start managed gateways,
// which re-execute the running program, here this binary.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		// Not flag.Set: Ginkgo refuses to run when -parallel was given.
		flag.Lookup("test.parallel").Value.Set(strconv.Itoa(parallel))
	}
	os.Exit(m.Run())
}

// TestGatecrash runs the specs, one at a time, beside the in-process tests.
func TestGatecrash(t *testing.T) {
	t.Parallel()
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
