package main_test

import (
	"os"
	"os/exec"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// The console's colours and RUN line are tested in-process
// (console_internal_test.go); this checks that gatecrash sees a real
// terminal as one, and its width.
var _ = Describe("the console", func() {
	It("on a terminal 40 columns wide colours the verdict and the summary, and cuts the RUN line to it", func() {
		require("script")
		line := "stty cols 40; " + bin + " run --focus 'origin down answers 502 fast' " + builtinSuite
		cmd := exec.Command("script", "-qec", line, "/dev/null")
		cmd.Env = append(os.Environ(), "TMPDIR="+GinkgoT().TempDir(), "TERM=xterm", "NO_COLOR=")
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		out := string(s.Out.Contents())
		run := "RUN   builtin reference gateway / or…" // 37 columns: 40 less 3
		Expect(out).To(ContainSubstring(run + "\r" + strings.Repeat(" ", len([]rune(run))) + "\r" +
			"\x1b[32mPASS\x1b[0m  builtin reference gateway / origin down answers 502 fast"))
		Expect(out).To(MatchRegexp(`\x1b\[32m\d+ scenarios: 1 passed, 0 failed`))
	})
})
