package reports

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/gatecrash/gatecrash/harness"
)

// Colors reports whether the console lines written to w are coloured: only
// when w is a terminal, and never when the NO_COLOR environment variable is
// set to anything but "" (https://no-color.org) or TERM is dumb.
func Colors(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// ANSI colours of the verdicts.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

var verdictColor = map[State]string{Passed: green, Failed: red, Errored: red + bold, Skipped: yellow, Interrupted: yellow}

// paint wraps s in colour when on.
func paint(on bool, color, s string) string {
	if !on || color == "" {
		return s
	}
	return color + s + reset
}

// PaintVerdict colours the verdict that starts a console line written
// without colour (by a worker of -p, whose output is a pipe), when on.
// Other lines are returned as they are.
func PaintVerdict(on bool, line string) string {
	if !on {
		return line
	}
	for state, word := range verdictWord {
		if rest, ok := strings.CutPrefix(line, word+"  "); ok {
			return paint(true, verdictColor[state], word) + "  " + rest
		}
	}
	return line
}

var verdictWord = map[State]string{Passed: "PASS", Failed: "FAIL", Skipped: "SKIP", Interrupted: "INTR", Errored: "ERR "}

// logLines is how much of the gateway's log a failure shows.
const logLines = 20

// Console writes one line for a finished scenario: verdict, name, fault,
// expected against observed; a failure adds what was not met and the
// gateway's log lines from the scenario's window.
//
// The verdict is coloured when Colors(w) says so.
func Console(w io.Writer, s *Scenario) {
	verdict := verdictWord[s.State]
	verdict = paint(Colors(w), verdictColor[s.State], verdict)
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

// Summary writes the totals at the end of a run, green when nothing failed
// and red otherwise, when Colors(w) says so.
func Summary(w io.Writer, results []*Scenario) {
	counts := map[State]int{}
	for _, r := range results {
		counts[r.State]++
	}
	line := fmt.Sprintf("%d scenarios: %d passed, %d failed, %d errors, %d skipped, %d interrupted",
		len(results), counts[Passed], counts[Failed], counts[Errored], counts[Skipped], counts[Interrupted])
	color := green
	if counts[Failed]+counts[Errored]+counts[Interrupted] > 0 {
		color = red
	}
	fmt.Fprintf(w, "\n%s\n", paint(Colors(w), color, line))
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
