package reports_test

import (
	"bytes"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/reports"
)

var _ = Describe("console colours", func() {
	// Whether to colour is the caller's to say: gatecrash decides it from
	// its stdout and environment (cmd/gatecrash), not the console.
	It("colours the verdicts and the summary when asked to", func() {
		var buf bytes.Buffer
		for _, s := range results() {
			reports.Console(&buf, s, true)
		}
		reports.Summary(&buf, results(), true)
		Expect(buf.String()).To(HavePrefix("\x1b[32mPASS\x1b[0m  a / passes  [refused]"))
		Expect(buf.String()).To(ContainSubstring("\x1b[31mFAIL\x1b[0m  a / fails"))
		Expect(buf.String()).To(MatchRegexp(`\n\x1b\[31m\d+ scenarios: `))
	})

	It("never colours otherwise", func() {
		var buf bytes.Buffer
		for _, s := range results() {
			reports.Console(&buf, s, false)
		}
		reports.Summary(&buf, results(), false)
		Expect(buf.String()).To(ContainSubstring("PASS  a / passes  [refused]"))
		Expect(buf.String()).NotTo(ContainSubstring("\x1b["))
	})

	It("colours the verdict at the start of a line written without colour, and nothing else", func() {
		var plain bytes.Buffer
		for _, r := range results() {
			reports.Console(&plain, r, false)
		}
		lines := strings.SplitAfter(plain.String(), "\n")
		Expect(reports.PaintVerdict(true, lines[0])).To(HavePrefix("\x1b[32mPASS\x1b[0m  a / passes  [refused]"))
		Expect(reports.PaintVerdict(true, lines[1])).To(HavePrefix("\x1b[31mFAIL\x1b[0m  a / fails"))
		var painted []string
		for _, l := range lines {
			painted = append(painted, reports.PaintVerdict(true, l))
			Expect(reports.PaintVerdict(false, l)).To(Equal(l))
			if strings.HasPrefix(l, " ") {
				Expect(reports.PaintVerdict(true, l)).To(Equal(l), "an indented line is left alone")
			}
		}
		Expect(strings.Join(painted, "")).To(ContainSubstring("\x1b[31m\x1b[1mERR \x1b[0m  b / errored"))
	})
})

var _ = Describe("console lines and annotations", func() {
	It("escape control characters from names, failures and gateway logs instead of sending them to the terminal", func() {
		rec := &reports.Scenario{
			Suite: "s\x1b]0;owned\x07", File: "s.yaml", Line: 3, Name: "clear\x1b[2J\rname\u202e", Fault: "refused", State: reports.Failed,
			Gateway:    "builtin",
			Failure:    "expected status 502\x1b[8m, observed\u009b status 200\nsecond line\x00",
			GatewayLog: "\x1b[31merror\x1b[0m\tupstream \xff\n",
		}
		var console, annotations bytes.Buffer
		reports.Console(&console, rec, false)
		reports.Annotations(&annotations, []*reports.Scenario{rec})
		for _, out := range []string{console.String(), annotations.String()} {
			Expect(out).NotTo(ContainSubstring("\x1b"))
			Expect(out).NotTo(ContainSubstring("\r"))
			Expect(out).NotTo(ContainSubstring("\x07"))
			Expect(out).NotTo(ContainSubstring("\x00"))
			Expect(out).NotTo(ContainSubstring("\u202e"))
			Expect(out).NotTo(ContainSubstring("\u009b"))
		}
		Expect(console.String()).To(ContainSubstring(`FAIL  s\x1b]0;owned\x07 / clear\x1b[2J\x0dname\u202e  [refused]`))
		Expect(console.String()).To(ContainSubstring(`      expected status 502\x1b[8m, observed\u009b status 200` + "\n      second line\\x00\n"))
		Expect(console.String()).To(ContainSubstring(`        \x1b[31merror\x1b[0m` + "\t" + `upstream \xff` + "\n"))
		Expect(annotations.String()).To(HavePrefix(`::error file=s.yaml,line=3,title=gatecrash%3A s\x1b]0;owned\x07 / clear\x1b[2J\x0dname\u202e::expected status 502\x1b[8m`))
	})
})
