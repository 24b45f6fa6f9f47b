package reports

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/gatecrash/gatecrash/harness"
)

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

// Progress shows, on a terminal, which scenario is running: a RUN line
// that the scenario's verdict line then replaces, so a long scenario (a
// timeout, a load) is not a silent wait. Elsewhere (a CI log, a pipe, a
// worker of -p) it writes nothing, and the log has a line per scenario.
// It writes no escape sequences, only carriage returns and spaces, so it
// holds under NO_COLOR and TERM=dumb too.
type Progress struct {
	w       io.Writer
	columns func() int // the terminal's width; nil: not a terminal
	shown   int        // the columns of the RUN line on the screen
}

// NewProgress is a Progress for w. It is active when w is a terminal, which
// the caller knows (the console does not look at the process it runs in):
// columns is then set, and gives the terminal's width as it is now (0 when
// the terminal does not say). With columns nil it writes nothing.
func NewProgress(w io.Writer, columns func() int) *Progress {
	return &Progress{w: w, columns: columns}
}

// minColumns is the narrowest terminal that gets a RUN line.
const minColumns = 20

// Start shows that s is running, cut to the terminal's width as it is now,
// with room to spare, so that one carriage return takes it back.
func (p *Progress) Start(s *Scenario) {
	if p.columns == nil {
		return
	}
	p.Clear()
	columns := p.columns()
	if columns <= 0 {
		columns = 80 // what a terminal that does not say is taken to have
	}
	if columns < minColumns {
		return
	}
	line, used := cut(fmt.Sprintf("RUN   %s / %s  [%s] …", printable(s.Suite), printable(s.Name), printable(s.Fault)), columns-3)
	fmt.Fprint(p.w, line)
	p.shown = used
}

// Clear takes the RUN line off the screen, before the verdict line.
func (p *Progress) Clear() {
	if p.shown == 0 {
		return
	}
	fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.shown)+"\r")
	p.shown = 0
}

// cut is s cut to at most max terminal columns, ending in … when cut,
// and the columns it takes.
func cut(s string, max int) (string, int) {
	total := 0
	for _, r := range s {
		total += columnsOf(r)
	}
	if total <= max {
		return s, total
	}
	used := 0
	for i, r := range s {
		if used+columnsOf(r) > max-1 {
			return s[:i] + "…", used + 1
		}
		used += columnsOf(r)
	}
	return s, used
}

// columnsOf is how many terminal columns r takes: two when East Asian wide.
func columnsOf(r rune) int {
	if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
		return 2
	}
	return 1
}

// printable is s with what a terminal would act on instead of showing
// escaped as Go does in a string literal: control characters (ESC starts
// the sequences that move the cursor, clear the screen or set the title;
// a carriage return overwrites the line; a newline forges one), the bidi
// controls that reorder what is shown, and bytes that are not UTF-8. A
// tab is left as it is. Names and logs come from suites and gateways;
// none of it reaches the terminal raw.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteRune(r)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// logLines is how much of the gateway's log a failure shows.
const logLines = 20

// Console writes one line for a finished scenario: verdict, name, fault,
// expected against observed; a finding adds what it pins, and a failure
// what was not met and the gateway's log lines from the scenario's window.
//
// The verdict is coloured when color is set: the caller knows whether w is
// a terminal and whether the user wants colour (--no-color, NO_COLOR).
func Console(w io.Writer, s *Scenario, color bool) {
	verdict := verdictWord[s.State]
	verdict = paint(color, verdictColor[s.State], verdict)
	// A scenario that never ran (skipped, or kept from running by an
	// interrupt, the run's timeout, an environment that did not start or
	// a crashed worker) is a line with the reason.
	p := printable
	if s.State == Skipped || s.NotRun {
		fmt.Fprintf(w, "%s  %s / %s (%s)\n", verdict, p(s.Suite), p(s.Name), p(firstLine(s.Failure)))
		return
	}
	fmt.Fprintf(w, "%s  %s / %s  [%s]  expected %s | observed %s  (%s)\n",
		verdict, p(s.Suite), p(s.Name), p(s.Fault), p(orNone(s.Expected)), p(s.ObservedLine()), harness.Round(s.Duration))
	if s.State == Passed {
		if s.Finding != "" {
			fmt.Fprintf(w, "      finding: %s\n", p(s.Finding))
		}
		return
	}
	fmt.Fprintf(w, "      at %s:%d\n", p(s.File), s.Line)
	if s.Finding != "" {
		fmt.Fprintf(w, "      pinned as a finding: %s\n", p(s.Finding))
	}
	for _, line := range strings.Split(strings.TrimSpace(s.Failure), "\n") {
		fmt.Fprintf(w, "      %s\n", p(line))
	}
	if log := tail(s.GatewayLog, logLines); log != "" {
		fmt.Fprintf(w, "      gateway log (%s):\n", p(s.Gateway))
		for _, line := range strings.Split(log, "\n") {
			fmt.Fprintf(w, "        %s\n", p(line))
		}
	}
}

// Summary writes the totals at the end of a run ("40 scenarios: 40 passed
// (3 findings), 0 failed, ..."), green when nothing failed and red
// otherwise, when color is set.
func Summary(w io.Writer, results []*Scenario, color bool) {
	t := count(results)
	c := green
	if t.verdict() != "passed" {
		c = red
	}
	fmt.Fprintf(w, "\n%s\n", paint(color, c, t.String()))
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

// ConsoleChecks writes, under a scenario's line (gatecrash run -v), each of
// its checks with expected against observed, met or not.
func ConsoleChecks(w io.Writer, s *Scenario) {
	p := printable
	for _, c := range s.Checks {
		mark := "ok     "
		if !c.Passed {
			mark = "not met"
		}
		fmt.Fprintf(w, "      %s %s: expected %s, observed %s\n", mark, p(c.Name), p(c.Expected), p(c.Observed))
	}
}
