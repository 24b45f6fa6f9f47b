package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("gatecrash run in CI", func() {
	// runIn runs a suite with one wrong expectation and the environment
	// GitHub Actions gives a step.
	runIn := func(tmp string, env []string, args ...string) *gexec.Session {
		suite := withChange(builtinSuite, tmp, "status: 502\n      within: 500ms", "status: 503\n      within: 500ms")
		cmd := exec.Command(bin, append(append([]string{"run", "--focus", "origin down|NXDOMAIN"}, args...), suite)...)
		cmd.Env = append(os.Environ(), append([]string{"TMPDIR=" + tmp, "GITHUB_ACTIONS=", "GITHUB_STEP_SUMMARY="}, env...)...)
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(1))
		return s
	}

	It("writes a Markdown summary with --markdown, and appends it to $GITHUB_STEP_SUMMARY", func() {
		tmp := GinkgoT().TempDir()
		step := filepath.Join(tmp, "step-summary.md")
		Expect(os.WriteFile(step, []byte("earlier step\n"), 0o644)).To(Succeed())
		md := filepath.Join(tmp, "out", "summary.md")
		s := runIn(tmp, []string{"GITHUB_STEP_SUMMARY=" + step}, "--markdown", md)
		Expect(string(s.Out.Contents())).NotTo(ContainSubstring("::error"), "no annotations outside GitHub Actions")

		data, err := os.ReadFile(md)
		Expect(err).NotTo(HaveOccurred())
		summary := string(data)
		Expect(summary).To(HavePrefix("## ❌ gatecrash: "))
		Expect(summary).To(ContainSubstring("1 passed, 1 failed"))
		Expect(summary).To(ContainSubstring("| ❌ failed | builtin reference gateway | origin down answers 502 fast | `refused` | status 503, within 500ms"))
		Expect(summary).To(ContainSubstring("| ✅ passed | builtin reference gateway | NXDOMAIN for the origin answers 502 | `nxdomain` |"))
		Expect(summary).To(ContainSubstring("expected status 503, observed status 502"))

		data, err = os.ReadFile(step)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(Equal("earlier step\n" + summary))
	})

	It("warns, and keeps the run's exit code, when $GITHUB_STEP_SUMMARY cannot be written", func() {
		tmp := GinkgoT().TempDir()
		s := runIn(tmp, []string{"GITHUB_STEP_SUMMARY=" + tmp}) // a directory: exit 1 all the same
		Expect(string(s.Out.Contents())).To(ContainSubstring("gatecrash: warning: $GITHUB_STEP_SUMMARY: "))
	})

	It("writes the HTML report with --html: a table and a timeline per scenario", func() {
		tmp := GinkgoT().TempDir()
		page := filepath.Join(tmp, "report.html")
		runIn(tmp, nil, "--html", page)
		data, err := os.ReadFile(page)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(">origin down answers 502 fast</a>"))
		Expect(strings.Count(string(data), `<svg class="timeline"`)).To(Equal(2))
		Expect(string(data)).To(ContainSubstring(`class="fault"`))
	})

	It("annotates the failed scenario at its file and line when GITHUB_ACTIONS is true", func() {
		tmp := GinkgoT().TempDir()
		s := runIn(tmp, []string{"GITHUB_ACTIONS=true"})
		suite := filepath.Join(tmp, "builtin.yaml")
		Expect(string(s.Out.Contents())).To(MatchRegexp(
			`(?m)^::error file=` + suite + `,line=18,title=gatecrash%3A builtin reference gateway / origin down answers 502 fast::.*expected status 503, observed status 502`))
		Expect(string(s.Out.Contents())).NotTo(ContainSubstring("::error file=" + suite + ",line=3"))
	})
})
