package reports_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

func results() []*reports.Scenario {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	obs := &harness.Observation{Status: 502, Total: 3 * time.Millisecond}
	garbage := &harness.Observation{Total: time.Millisecond, ErrorKind: harness.ErrInvalidHTTP, Error: `malformed HTTP status code "is"`}
	return []*reports.Scenario{
		{Suite: "a", File: "a.yaml", Line: 3, Name: "passes", Gateway: "nginx", Fault: "refused", Expected: "status 502",
			Observed: obs, State: reports.Passed, Start: start, Duration: time.Second},
		{Suite: "a", File: "a.yaml", Line: 9, Name: "fails <&\"> with markup", Gateway: "nginx", Fault: "garbage",
			Params: map[string]string{"bytes": "\x00\x01 not xml"}, Expected: "status 502", Observed: garbage,
			Checks: []reports.Check{{Name: "status", Expected: "status 502", Observed: garbage.String()}},
			State:  reports.Failed, Failure: "expected status 502, observed no status\nsecond line", GatewayLog: "[error] upstream sent no valid HTTP/1.0 header\n",
			Start: start, Duration: 2 * time.Second},
		{Suite: "b", File: "b.yaml", Line: 3, Name: "skipped", Fault: "hang", State: reports.Skipped, Failure: "not selected"},
		{Suite: "b", File: "b.yaml", Line: 5, Name: "interrupted", Fault: "hang", State: reports.Interrupted, Failure: "interrupted: Interrupted by User"},
		{Suite: "b", File: "b.yaml", Line: 7, Name: "errored", Fault: "blackhole", State: reports.Errored, Failure: "inject blackhole: port taken"},
	}
}

type junit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name    string `xml:"name,attr"`
		Tests   int    `xml:"tests,attr"`
		Skipped int    `xml:"skipped,attr"`
		Cases   []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemErr string `xml:"system-err"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

var _ = Describe("JUnit", func() {
	It("has one testsuite per suite file and one testcase per scenario, and reads back", func() {
		data, err := reports.JUnit(results())
		Expect(err).NotTo(HaveOccurred())
		var r junit
		Expect(xml.Unmarshal(data, &r)).To(Succeed())
		Expect(r.Tests).To(Equal(5))
		Expect(r.Failures).To(Equal(1))
		Expect(r.Errors).To(Equal(2), "interrupted and errored")
		Expect(r.Suites).To(HaveLen(2))
		Expect(r.Suites[0].Name).To(Equal("a"))
		Expect(r.Suites[1].Skipped).To(Equal(1))
		failed := r.Suites[0].Cases[1]
		Expect(failed.Name).To(Equal(`fails <&"> with markup`))
		Expect(failed.Failure.Message).To(Equal("expected status 502, observed no status"))
		Expect(failed.Failure.Text).To(ContainSubstring("second line"))
		Expect(failed.SystemErr).To(ContainSubstring("upstream sent no valid HTTP/1.0 header"))
		Expect(string(data)).To(ContainSubstring(`name="passes: observed.status" value="502"`))
	})

	It("validates against Jenkins' junit-10.xsd, control characters and all", func() {
		if _, err := exec.LookPath("xmllint"); err != nil {
			if strings.Contains(os.Getenv("GATECRASH_REQUIRE"), "xmllint") {
				Fail("xmllint is required (GATECRASH_REQUIRE) but not installed")
			}
			Skip("xmllint is not installed")
		}
		path := filepath.Join(GinkgoT().TempDir(), "junit.xml")
		Expect(reports.WriteJUnit(path, results())).To(Succeed())
		out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit-10.xsd", path).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	})
})

var _ = Describe("the console", func() {
	It("prints a line per scenario, and for a failure where it is, what was not met and the gateway's log", func() {
		var b bytes.Buffer
		for _, r := range results() {
			reports.Console(&b, r)
		}
		reports.Summary(&b, results())
		Expect(b.String()).To(Equal(`PASS  a / passes  [refused]  expected status 502 | observed status 502 in 3ms  (1s)
FAIL  a / fails <&"> with markup  [garbage]  expected status 502 | observed no status in 1ms (invalid_http: malformed HTTP status code "is")  (2s)
      at a.yaml:9
      expected status 502, observed no status
      second line
      gateway log (nginx):
        [error] upstream sent no valid HTTP/1.0 header
SKIP  b / skipped (not selected)
INTR  b / interrupted  [hang]  expected nothing | observed nothing  (0s)
      at b.yaml:5
      interrupted: Interrupted by User
ERR   b / errored  [blackhole]  expected nothing | observed nothing  (0s)
      at b.yaml:7
      inject blackhole: port taken

5 scenarios: 1 passed, 1 failed, 1 errors, 1 skipped, 1 interrupted
`))
	})
})
