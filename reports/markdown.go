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
// expected against observed, and each failure's message.
func Markdown(results []*Scenario) []byte {
	counts := map[State]int{}
	for _, r := range results {
		counts[r.State]++
	}
	var b strings.Builder
	icon := "✅"
	if counts[Failed]+counts[Errored]+counts[Interrupted] > 0 {
		icon = "❌"
	}
	fmt.Fprintf(&b, "## %s gatecrash: %d scenarios, %d passed, %d failed, %d errors, %d skipped, %d interrupted\n\n",
		icon, len(results), counts[Passed], counts[Failed], counts[Errored], counts[Skipped], counts[Interrupted])
	if len(results) == 0 {
		return []byte(b.String())
	}
	b.WriteString("| | suite | scenario | fault | expected | observed | time |\n|---|---|---|---|---|---|---|\n")
	for _, s := range results {
		observed := s.ObservedLine()
		if s.State == Skipped {
			observed = firstLine(s.Failure)
		}
		fmt.Fprintf(&b, "| %s %s | %s | %s | `%s` | %s | %s | %s |\n", stateIcon[s.State], s.State,
			mdCell(s.Suite), mdCell(s.Name), mdCell(s.Fault), mdCell(orNone(s.Expected)), mdCell(observed), harness.Round(s.Duration))
	}
	var failed []*Scenario
	for _, s := range results {
		if s.State == Failed || s.State == Errored || s.State == Interrupted {
			failed = append(failed, s)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n### Failures\n")
		for _, s := range failed {
			fmt.Fprintf(&b, "\n**%s / %s** (`%s:%d`, %s)\n\n```\n%s\n```\n",
				mdInline(s.Suite), mdInline(s.Name), s.File, s.Line, s.State, strings.ReplaceAll(strings.TrimSpace(s.Failure), "```", "'''"))
			if log := tail(s.GatewayLog, logLines); log != "" {
				fmt.Fprintf(&b, "\n<details><summary>gateway log (%s)</summary>\n\n```\n%s\n```\n</details>\n",
					mdText(s.Gateway), strings.ReplaceAll(log, "```", "'''"))
			}
		}
	}
	return []byte(b.String())
}

var stateIcon = map[State]string{Passed: "✅", Failed: "❌", Errored: "⚠️", Skipped: "⏭️", Interrupted: "⏹️"}

// mdCell makes s safe in a table cell: inline text, pipes escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(mdInline(s), "|", `\|`)
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
