package runner_test

import (
	"os"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

// TestMain lets this test binary act as the supervisor of a managed
// gateway: a suite with gateway.command re-executes the running program,
// here this binary, to supervise it.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	os.Exit(m.Run())
}
