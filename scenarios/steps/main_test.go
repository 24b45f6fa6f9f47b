package steps_test

import (
	"os"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

// TestMain lets this test binary act as the supervisor of a managed
// gateway, should a suite here name a gateway command.
func TestMain(m *testing.M) {
	harness.RunSupervisorIfAsked()
	os.Exit(m.Run())
}
