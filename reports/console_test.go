package reports_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/reports"
)

var _ = Describe("console colours", func() {
	// A pseudo-terminal's master side is a terminal as isatty sees it.
	openTerminal := func() *os.File {
		f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
		if err != nil {
			Skip("no pseudo-terminal: " + err.Error())
		}
		DeferCleanup(f.Close)
		return f
	}
	BeforeEach(func() {
		GinkgoT().Setenv("NO_COLOR", "")
		GinkgoT().Setenv("TERM", "xterm")
	})

	It("colours the verdicts and the summary on a terminal", func() {
		Expect(reports.Colors(openTerminal())).To(BeTrue())
	})

	It("never colours with NO_COLOR set, even on a terminal", func() {
		GinkgoT().Setenv("NO_COLOR", "1")
		Expect(reports.Colors(openTerminal())).To(BeFalse())
	})

	It("never colours what is not a terminal: a buffer, a file, a pipe", func() {
		var buf bytes.Buffer
		Expect(reports.Colors(&buf)).To(BeFalse())
		f, err := os.Create(filepath.Join(GinkgoT().TempDir(), "out"))
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		Expect(reports.Colors(f)).To(BeFalse())
		r, w, err := os.Pipe()
		Expect(err).NotTo(HaveOccurred())
		defer r.Close()
		defer w.Close()
		Expect(reports.Colors(w)).To(BeFalse())

		for _, s := range results() {
			reports.Console(&buf, s)
		}
		reports.Summary(&buf, results())
		Expect(buf.String()).NotTo(ContainSubstring("\x1b["))
	})
	It("colours the verdict at the start of a line written without colour, and nothing else", func() {
		var plain bytes.Buffer
		for _, r := range results() {
			reports.Console(&plain, r)
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
