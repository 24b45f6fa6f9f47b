package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("the console", func() {
	// onTerminalCols runs gatecrash run with flags under script(1), which
	// gives it a pseudo-terminal as its stdout, cols columns wide (0: as
	// script(1) makes it), with extra environment variables.
	onTerminalCols := func(cols int, flags string, env ...string) string {
		require("script")
		line := bin + " run " + flags + "--focus 'origin down answers 502 fast' " + builtinSuite
		if cols > 0 {
			line = fmt.Sprintf("stty cols %d; %s", cols, line)
		}
		cmd := exec.Command("script", "-qec", line, "/dev/null")
		cmd.Env = append(os.Environ(), "TMPDIR="+GinkgoT().TempDir(), "TERM=xterm", "NO_COLOR=")
		cmd.Env = append(cmd.Env, env...)
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		return string(s.Out.Contents())
	}
	onTerminalWith := func(flags string, env ...string) string { return onTerminalCols(0, flags, env...) }
	onTerminal := func(env ...string) string { return onTerminalWith("", env...) }

	It("colours the verdict and the summary on a terminal", func() {
		out := onTerminal()
		Expect(out).To(ContainSubstring("\x1b[32mPASS\x1b[0m  builtin reference gateway / origin down answers 502 fast"))
		Expect(out).To(MatchRegexp(`\x1b\[32m\d+ scenarios: 1 passed, 0 failed`))
	})

	It("shows the scenario that is running on a terminal, and replaces it with the verdict line", func() {
		out := onTerminal("NO_COLOR=1")
		run := "RUN   builtin reference gateway / origin down answers 502 fast  [refused] …"
		Expect(out).To(ContainSubstring(run + "\r" + strings.Repeat(" ", len([]rune(run))) + "\r" +
			"PASS  builtin reference gateway / origin down answers 502 fast"))
	})

	It("cuts the RUN line to a narrow terminal, and shows none on a very narrow one", func() {
		out := onTerminalCols(40, "", "NO_COLOR=1")
		run := "RUN   builtin reference gateway / or…" // 37 columns: 40 less 3
		Expect(out).To(ContainSubstring(run + "\r" + strings.Repeat(" ", len([]rune(run))) + "\r" + "PASS  "))
		out = onTerminalCols(5, "", "NO_COLOR=1")
		Expect(out).NotTo(ContainSubstring("RUN "))
		Expect(out).To(ContainSubstring("PASS  builtin reference gateway / origin down answers 502 fast"))
	})

	It("colours the verdicts a worker of -p passes on, as one worker's", func() {
		out := onTerminalWith("-p 2 ")
		Expect(out).To(ContainSubstring("\x1b[32mPASS\x1b[0m  builtin reference gateway / origin down answers 502 fast"))
		Expect(out).To(MatchRegexp(`\x1b\[32m\d+ scenarios: 1 passed, 0 failed`))
	})

	It("never colours with NO_COLOR set", func() {
		out := onTerminal("NO_COLOR=1")
		Expect(out).To(ContainSubstring("PASS  builtin reference gateway / origin down answers 502 fast"))
		Expect(out).NotTo(ContainSubstring("\x1b["))
	})

	It("never colours with --no-color", func() {
		out := onTerminalWith("--no-color ")
		Expect(out).To(ContainSubstring("PASS  builtin reference gateway / origin down answers 502 fast"))
		Expect(out).NotTo(ContainSubstring("\x1b["))
	})

	It("never colours when the output is not a terminal", func() {
		s := gatecrash(GinkgoT().TempDir(), "run", "--focus", "origin down answers 502 fast", builtinSuite)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		out := string(s.Out.Contents())
		Expect(out).To(ContainSubstring("PASS  builtin reference gateway / origin down answers 502 fast"))
		Expect(strings.Contains(out, "\x1b[")).To(BeFalse())
		Expect(out).NotTo(ContainSubstring("RUN "), "a log gets one line per scenario")
		Expect(out).NotTo(ContainSubstring("\r"))
	})
})
