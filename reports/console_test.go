package reports_test

import (
	"bytes"
	"os"
	"path/filepath"

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
})
