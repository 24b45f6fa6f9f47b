package reports

import (
	"fmt"
	"github.com/gatecrash/gatecrash/harness"
	"io"
	"strings"
)

// logLines is how much of the gateway's log a failure shows.
const logLines = 20

// Console writes one line for a finished scenario: verdict, name, fault,
// expected against observed; a failure adds what was not met and the
// gateway's log lines from the scenario's window.
func Console(w io.Writer, s *Scenario) {
	verdict := map[State]string{Passed: "PASS", Failed: "FAIL", Skipped: "SKIP", Interrupted: "INTR", Errored: "ERR "}[s.State]
	if s.State == Skipped {
		fmt.Fprintf(w, "%s  %s / %s (%s)\n", verdict, s.Suite, s.Name, firstLine(s.Failure))
		return
	}
	fmt.Fprintf(w, "%s  %s / %s  [%s]  expected %s | observed %s  (%s)\n",
		verdict, s.Suite, s.Name, s.Fault, orNone(s.Expected), s.ObservedLine(), harness.Round(s.Duration))
	if s.State == Passed {
		return
	}
	fmt.Fprintf(w, "      at %s:%d\n", s.File, s.Line)
	for _, line := range strings.Split(strings.TrimSpace(s.Failure), "\n") {
		fmt.Fprintf(w, "      %s\n", line)
	}
	if log := tail(s.GatewayLog, logLines); log != "" {
		fmt.Fprintf(w, "      gateway log (%s):\n", s.Gateway)
		for _, line := range strings.Split(log, "\n") {
			fmt.Fprintf(w, "        %s\n", line)
		}
	}
}

// Summary writes the totals at the end of a run.
func Summary(w io.Writer, results []*Scenario) {
	counts := map[State]int{}
	for _, r := range results {
		counts[r.State]++
	}
	fmt.Fprintf(w, "\n%d scenarios: %d passed, %d failed, %d errors, %d skipped, %d interrupted\n",
		len(results), counts[Passed], counts[Failed], counts[Errored], counts[Skipped], counts[Interrupted])
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
