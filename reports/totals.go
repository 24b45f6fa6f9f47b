package reports

import (
	"strconv"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// IsFinding reports whether the scenario passed as a pinned finding: it
// asserts a behaviour of the gateway worth knowing but not wanted. It
// counts as passed; one that failed is a failure like any other.
func (s *Scenario) IsFinding() bool { return s.State == Passed && s.Finding != "" }

// kind is how a report shows the scenario: its state, or "finding".
func (s *Scenario) kind() string {
	if s.IsFinding() {
		return "finding"
	}
	return string(s.State)
}

// totals are a run's scenarios counted by how they ended; findings are
// counted among the passed too.
type totals struct {
	scenarios, passed, findings, failed, errors, skipped, interrupted int
}

func count(results []*Scenario) totals {
	t := totals{scenarios: len(results)}
	for _, s := range results {
		switch s.State {
		case Passed:
			t.passed++
			if s.IsFinding() {
				t.findings++
			}
		case Failed:
			t.failed++
		case Errored:
			t.errors++
		case Skipped:
			t.skipped++
		case Interrupted:
			t.interrupted++
		}
	}
	return t
}

// String is the totals in one line, as the console's summary: "5
// scenarios: 3 passed (1 finding), 1 failed, 0 errors, 1 skipped, 0
// interrupted".
func (t totals) String() string {
	return harness.Plural(t.scenarios, "scenario") + ": " + t.states()
}

// states is the count of each state: "3 passed (1 finding), 1 failed, 0
// errors, 1 skipped, 0 interrupted".
func (t totals) states() string {
	parts := []string{strconv.Itoa(t.passed) + " passed"}
	if t.findings > 0 {
		parts[0] += " (" + harness.Plural(t.findings, "finding") + ")"
	}
	parts = append(parts, strconv.Itoa(t.failed)+" failed", harness.Plural(t.errors, "error"),
		strconv.Itoa(t.skipped)+" skipped", strconv.Itoa(t.interrupted)+" interrupted")
	return strings.Join(parts, ", ")
}

// verdict is the run's in one word: interrupted when anything was,
// failed when a scenario failed or could not run, passed otherwise.
func (t totals) verdict() string {
	switch {
	case t.interrupted > 0:
		return "interrupted"
	case t.failed+t.errors > 0:
		return "failed"
	}
	return "passed"
}
