package reports

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// Markdown renders results as a Markdown summary for a CI job's page (a
// GitHub Actions step summary): the totals, a table of every scenario with
// expected against observed, each failure's message and gateway log, and
// the findings. A finding has its own icon, never the pass's tick.
func Markdown(results []*Scenario) []byte {
	t := count(results)
	var b strings.Builder
	fmt.Fprintf(&b, "## %s gatecrash: %s, %s\n\n", verdictIcon[t.verdict()], harness.Plural(t.scenarios, "scenario"), t.states())
	if len(results) == 0 {
		return []byte(b.String())
	}
	b.WriteString("| | suite | scenario | fault | expected | observed | time |\n|---|---|---|---|---|---|---|\n")
	for _, s := range results {
		observed := s.ObservedLine()
		if s.State == Skipped {
			observed = firstLine(s.Failure)
		}
		fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %s | %s |\n", kindIcon[s.kind()], s.kind(),
			mdCell(s.Suite), mdCell(s.Name), mdCellCode(s.Fault), mdCell(orNone(s.Expected)), mdCell(observed), harness.Round(s.Duration))
	}
	var failed, findings []*Scenario
	for _, s := range results {
		switch {
		case s.State == Failed || s.State == Errored || s.State == Interrupted:
			failed = append(failed, s)
		case s.IsFinding():
			findings = append(findings, s)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n### Failures\n")
		for _, s := range failed {
			fmt.Fprintf(&b, "\n%s **%s / %s** (%s, %s)\n\n", kindIcon[s.kind()], mdInline(s.Suite), mdInline(s.Name), mdCode(fmt.Sprintf("%s:%d", s.File, s.Line)), s.State)
			if s.Finding != "" {
				fmt.Fprintf(&b, "Pinned as a finding: %s\n\n", mdInline(s.Finding))
			}
			b.WriteString(mdFence(strings.TrimSpace(s.Failure)))
			if log := tail(s.GatewayLog, logLines); log != "" {
				fmt.Fprintf(&b, "\n<details><summary>gateway log (%s)</summary>\n\n%s</details>\n", mdText(s.Gateway), mdFence(log))
			}
		}
	}
	if len(findings) > 0 {
		b.WriteString("\n### Findings\n\nBehaviour the suite pins on purpose: passed, but worth knowing.\n\n")
		for _, s := range findings {
			fmt.Fprintf(&b, "- %s **%s / %s**: %s (%s; observed %s)\n", kindIcon["finding"], mdInline(s.Suite), mdInline(s.Name),
				mdInline(s.Finding), mdCode(fmt.Sprintf("%s:%d", s.File, s.Line)), mdInline(s.ObservedLine()))
		}
	}
	return []byte(b.String())
}

// kindIcon is the icon of each kind of scenario in the Markdown summary.
var kindIcon = map[string]string{"passed": "✅", "finding": "🔶", "failed": "❌", "error": "⚠️", "skipped": "⏭️", "interrupted": "⏹️"}

// verdictIcon is the icon of the run's verdict in the summary's heading.
var verdictIcon = map[string]string{"passed": "✅", "failed": "❌", "interrupted": "❌"}

// mdCell makes s safe in a table cell: inline text, pipes escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(mdInline(s), "|", `\|`)
}

// mdCellCode is s as a code span in a table cell. GitHub splits a row at
// every pipe not backslashed, inside code spans too, and takes the
// backslash away before reading the span, so a pipe is written \|. A
// backslash right before a pipe cannot be written that way (GitHub reads
// \\| as a backslash, then a cell's end): such text is plain text.
func mdCellCode(s string) string {
	if strings.Contains(s, `\|`) {
		return mdCell(s)
	}
	return strings.ReplaceAll(mdCode(s), "|", `\|`)
}

// mdCode is s as a CommonMark code span, shown exactly as it is: on one
// line, nothing escaped (a backslash in a code span is a backslash), in a
// run of backticks longer than any in s, and padded with a space on each
// side when s starts or ends with a backtick (which would join the fence)
// or with a space at both ends (a reader takes one off each side).
func mdCode(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdFence is s as a fenced code block: its fence of backticks longer than
// any run of backticks in s, and at least three.
func mdFence(s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "\n" + s + "\n" + fence + "\n"
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := range len(s) {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// mdInline makes s plain inline text: one line, markup read as HTML
// escaped, and the characters of emphasis, code and links backslashed.
func mdInline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return mdText(strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`).Replace(s))
}

// mdText keeps markup in s from being read as HTML.
func mdText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s)
}

// WriteMarkdown writes the Markdown summary to path.
func WriteMarkdown(path string, results []*Scenario) error {
	if err := writeFile(path, Markdown(results)); err != nil {
		return fmt.Errorf("markdown report: %w", err)
	}
	return nil
}

// AppendMarkdown appends the Markdown summary to path, as GitHub Actions
// wants its $GITHUB_STEP_SUMMARY file: other steps may have written to it.
func AppendMarkdown(path string, results []*Scenario) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("step summary: %w", err)
	}
	if _, err := f.Write(Markdown(results)); err != nil {
		f.Close()
		return fmt.Errorf("step summary: %w", err)
	}
	return f.Close()
}

// Annotations writes a GitHub Actions error annotation for each scenario
// that failed, errored or was interrupted, pointing at the scenario's file
// and line: `::error file=F,line=L,title=T::message`.
func Annotations(w io.Writer, results []*Scenario) {
	for _, s := range results {
		if s.State != Failed && s.State != Errored && s.State != Interrupted {
			continue
		}
		title := fmt.Sprintf("gatecrash: %s / %s", printable(s.Suite), printable(s.Name))
		msg := strings.TrimSpace(s.Failure)
		if msg == "" {
			msg = string(s.State)
		}
		lines := strings.Split(msg, "\n")
		for i := range lines {
			lines[i] = printable(lines[i])
		}
		msg = strings.Join(lines, "\n")
		fmt.Fprintf(w, "::error file=%s,line=%d,title=%s::%s\n", annotationProperty(s.File), s.Line, annotationProperty(title), annotationData(msg))
	}
}

// annotationData escapes a workflow command's message, as the Actions
// toolkit does.
func annotationData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// annotationProperty escapes a workflow command's property value.
func annotationProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
