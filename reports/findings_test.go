package reports_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	gojunit "github.com/joshdk/go-junit"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/reports"
)

// withFindings are results() with the passing scenario pinned as a
// finding, and the failing one pinned too (a finding that fails is a
// failure like any other).
func withFindings() []*reports.Scenario {
	rs := results()
	rs[0].Finding = "nginx relays garbage as HTTP/0.9"
	rs[1].Finding = "nginx sends <b>502</b> | slowly"
	return rs
}

var _ = Describe("a finding", func() {
	It("counts as passed, with the findings said, and a failing one as failed", func() {
		var b bytes.Buffer
		reports.Summary(&b, withFindings(), false)
		Expect(b.String()).To(Equal("\n5 scenarios: 1 passed (1 finding), 1 failed, 1 error, 1 skipped, 1 interrupted\n"))
	})

	It("is said under its console line, and a failing one where it fails", func() {
		var b bytes.Buffer
		for _, r := range withFindings()[:2] {
			reports.Console(&b, r, false)
		}
		Expect(b.String()).To(HavePrefix("PASS  a / passes  [refused]  expected status 502 | observed status 502 in 3ms  (1s)\n" +
			"      finding: nginx relays garbage as HTTP/0.9\n" +
			"FAIL  a / fails"))
		Expect(b.String()).To(ContainSubstring("      at a.yaml:9\n      pinned as a finding: nginx sends <b>502</b> | slowly\n"))
	})

	It("has its own icon and a list in Markdown, never the pass's tick", func() {
		md := string(reports.Markdown(withFindings()))
		Expect(md).To(HavePrefix("## ❌ gatecrash: 5 scenarios, 1 passed (1 finding), 1 failed, 1 error, 1 skipped, 1 interrupted\n"))
		Expect(md).To(ContainSubstring("| 🔶 finding | a | passes | `refused` |"))
		Expect(md).NotTo(ContainSubstring("✅"))
		Expect(md).To(ContainSubstring("| ❌ failed | a | fails"), "a failing finding is a failure")
		Expect(md).To(ContainSubstring("Pinned as a finding: nginx sends &lt;b&gt;502&lt;/b&gt; | slowly\n"))
		_, findings, ok := strings.Cut(md, "\n### Findings\n")
		Expect(ok).To(BeTrue())
		Expect(findings).To(ContainSubstring("- 🔶 **a / passes**: nginx relays garbage as HTTP/0.9 (`a.yaml:3`; observed status 502 in 3ms)\n"))
		Expect(findings).NotTo(ContainSubstring("fails"), "only passing findings are listed")
		Expect(strings.Index(md, "### Failures")).To(BeNumerically("<", strings.Index(md, "### Findings")))
	})

	It("is a finding key in the JSON, and counted in its summary", func() {
		data, err := reports.JSON(withFindings())
		Expect(err).NotTo(HaveOccurred())
		var r struct {
			Summary   map[string]int
			Scenarios []map[string]any
		}
		Expect(json.Unmarshal(data, &r)).To(Succeed())
		Expect(r.Summary).To(HaveKeyWithValue("passed", 1))
		Expect(r.Summary).To(HaveKeyWithValue("findings", 1))
		Expect(r.Summary).To(HaveKeyWithValue("failed", 1))
		Expect(r.Scenarios[0]).To(HaveKeyWithValue("finding", "nginx relays garbage as HTTP/0.9"))
		Expect(r.Scenarios[2]).NotTo(HaveKey("finding"))
	})

	It("is a finding property in JUnit (on the testsuite, as junit-10.xsd allows) and in the testcase's system-out, and validates", func() {
		data, err := reports.JUnit(withFindings())
		Expect(err).NotTo(HaveOccurred())
		suites, err := gojunit.Ingest(data)
		Expect(err).NotTo(HaveOccurred())
		Expect(suites[0].Properties).To(HaveKeyWithValue("passes: finding", "nginx relays garbage as HTTP/0.9"))
		Expect(suites[0].Tests[0].Status).To(Equal(gojunit.StatusPassed))
		Expect(suites[0].Tests[0].SystemOut).To(ContainSubstring("finding: nginx relays garbage as HTTP/0.9\n"))
		Expect(suites[0].Tests[1].Status).To(Equal(gojunit.StatusFailed))
		Expect(suites[0].Properties).NotTo(HaveKey("passed: finding"))

		if _, err := exec.LookPath("xmllint"); err != nil {
			if strings.Contains(os.Getenv("GATECRASH_REQUIRE"), "xmllint") {
				Fail("xmllint is required (GATECRASH_REQUIRE) but not installed")
			}
			Skip("xmllint is not installed")
		}
		path := filepath.Join(GinkgoT().TempDir(), "junit.xml")
		Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
		out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit-10.xsd", path).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	})
})

var _ = Describe("the Markdown summary's code spans", func() {
	It("render on GitHub: nothing backslashed inside, a longer fence around backticks, pipes escaped in a cell", func() {
		rs := results()[:2]
		rs[0].Fault = "closed_on_accept"
		rs[1].Fault = "`odd|name*`"
		rs[1].File = "dir_with`tick.yaml"
		md := string(reports.Markdown(rs))
		Expect(md).To(ContainSubstring("| `closed_on_accept` |"))
		Expect(md).NotTo(ContainSubstring(`closed\_on`))
		Expect(md).To(ContainSubstring("| `` `odd\\|name*` `` |"))
		Expect(md).To(ContainSubstring("(``dir_with`tick.yaml:9``, failed)"))
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") {
				Expect(strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")).To(Equal(8), line)
			}
		}
	})

	It("fences a message or log with more backticks than it holds", func() {
		rs := results()[:2]
		rs[1].Failure = "the body was\n```\nnot json\n```"
		rs[1].GatewayLog = "a ```` run\n"
		md := string(reports.Markdown(rs))
		Expect(md).To(ContainSubstring("````\nthe body was\n```\nnot json\n```\n````\n"))
		Expect(md).To(ContainSubstring("`````\na ```` run\n`````\n</details>"))
	})
})
