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

var _ = Describe("the Markdown summary", func() {
	It("has the totals, a row per scenario and each failure's message", func() {
		md := string(reports.Markdown(results()))
		Expect(md).To(HavePrefix("## ❌ gatecrash: 5 scenarios, 1 passed, 1 failed, 1 error, 1 skipped, 1 interrupted\n"))
		Expect(md).To(ContainSubstring("| ✅ passed | a | passes | `refused` | status 502 | status 502"))
		Expect(md).To(ContainSubstring("| ❌ failed | a | fails &lt;&amp;\"&gt; with markup | `garbage` |"))
		Expect(md).To(ContainSubstring("| ⏭️ skipped | b | skipped | `hang` | nothing | not selected |"))
		Expect(md).To(ContainSubstring("### Failures"))
		Expect(md).To(ContainSubstring("(`a.yaml:9`, failed)\n\n```\nexpected status 502, observed no status\nsecond line\n```"))
		Expect(md).To(ContainSubstring("<details><summary>gateway log (nginx)</summary>"))
		Expect(md).To(ContainSubstring("**b / errored** (`b.yaml:7`, error)"))
		// Every table row has the header's eight pipes.
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") {
				Expect(strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")).To(Equal(8), line)
			}
		}
	})

	It("keeps a name's *, _, ` and [ ] from being read as Markdown, in the table and the failure's heading", func() {
		r := results()[1]
		r.Suite, r.Name = "a_suite", "fails *loudly* with `code` and [a](link)\nand a newline | pipe"
		md := string(reports.Markdown([]*reports.Scenario{r}))
		name := `fails \*loudly\* with \` + "`" + `code\` + "`" + ` and \[a\](link) and a newline`
		Expect(md).To(ContainSubstring("| a\\_suite | " + name + ` \| pipe |`))
		Expect(md).To(ContainSubstring("**a\\_suite / " + name + " | pipe** (`a.yaml:9`, failed)"))
	})

	It("says all passed with a tick", func() {
		Expect(string(reports.Markdown(results()[:1]))).To(HavePrefix("## ✅ gatecrash: 1 scenario, 1 passed, 0 failed, 0 errors, 0 skipped, 0 interrupted\n"))
	})

	It("is written to a file, or appended to one (a step summary) without losing what was there", func() {
		dir := GinkgoT().TempDir()
		path := filepath.Join(dir, "out", "summary.md")
		Expect(reports.WriteMarkdown(path, results())).To(Succeed())
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(data).To(Equal(reports.Markdown(results())))

		step := filepath.Join(dir, "step.md")
		Expect(os.WriteFile(step, []byte("# an earlier step\n"), 0o644)).To(Succeed())
		Expect(reports.AppendMarkdown(step, results())).To(Succeed())
		data, err = os.ReadFile(step)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(Equal("# an earlier step\n" + string(reports.Markdown(results()))))
	})
})

var _ = Describe("GitHub Actions annotations", func() {
	It("annotate each failed, errored or interrupted scenario at its file and line, escaped", func() {
		var buf bytes.Buffer
		rs := results()
		rs[1].File = "dir,with:odd/a.yaml"
		reports.Annotations(&buf, rs)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		Expect(lines).To(Equal([]string{
			`::error file=dir%2Cwith%3Aodd/a.yaml,line=9,title=gatecrash%3A a / fails <&"> with markup::expected status 502, observed no status%0Asecond line`,
			`::error file=b.yaml,line=5,title=gatecrash%3A b / interrupted::interrupted: Interrupted by User`,
			`::error file=b.yaml,line=7,title=gatecrash%3A b / errored::inject blackhole: port taken`,
		}))
	})
})
