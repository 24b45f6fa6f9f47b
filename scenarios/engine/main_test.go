package engine_test

import (
	"os"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

// TestMain lets this test binary act as the supervisor of a managed
// gateway, which Managed.Start re-executes the running program to be.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	os.Exit(m.Run())
}
