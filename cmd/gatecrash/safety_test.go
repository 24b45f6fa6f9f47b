package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// controlSuite writes a suite of n scenarios that inject nothing against
// the builtin gateway: as quick as a scenario gets.
func controlSuite(tmp string, n int) string {
	var b strings.Builder
	b.WriteString("suite: many\nscenarios:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: control %d, fault: none, expect: {status: 200}}\n", i+1)
	}
	return writeSuite(tmp, "many.yaml", b.String())
}

// jsonSummary reads a JSON report's totals and each scenario's state and
// failure; the report must parse whole.
func jsonSummary(path string) (map[string]int, []map[string]any) {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var r struct {
		Summary   map[string]int   `json:"summary"`
		Scenarios []map[string]any `json:"scenarios"`
	}
	Expect(json.Unmarshal(data, &r)).To(Succeed(), "a complete JSON report")
	return r.Summary, r.Scenarios
}

// tempLeftovers lists what gatecrash left in tmp beside what the test put
// there: temporary report files and work dirs.
func tempLeftovers(tmp string) []string {
	var left []string
	for _, pattern := range []string{"*.tmp", ".*.tmp", "gatecrash-*"} {
		m, _ := filepath.Glob(filepath.Join(tmp, pattern))
		left = append(left, m...)
	}
	return left
}

var _ = Describe("an interrupt", func() {
	var tmp string
	BeforeEach(func() { tmp = GinkgoT().TempDir() })

	// A large JSON report takes a while to write: the signal comes while
	// it is written, or while the environment is torn down.
	for sig, n := range map[syscall.Signal]int{syscall.SIGINT: 1000, syscall.SIGTERM: 300} {
		It(fmt.Sprintf("(%s) right after the last of %d scenarios is exit 130 with complete reports", sig, n), func() {
			suite := controlSuite(tmp, n)
			jsonPath, junit := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "junit.xml")
			s := gatecrash(tmp, "run", "--json", jsonPath, "--junit", junit, suite)
			// Near the end at an easy pace, then the last line at once:
			// each poll scans only what is new.
			Eventually(s.Out, 3*time.Minute, 50*time.Millisecond).Should(gbytes.Say(fmt.Sprintf(`PASS  many / control %d `, n-10)))
			Eventually(s.Out, time.Minute, time.Millisecond).Should(gbytes.Say(fmt.Sprintf(`PASS  many / control %d `, n)))
			s.Signal(sig)
			Eventually(s, time.Minute).Should(gexec.Exit(130))
			summary, scenarios := jsonSummary(jsonPath)
			Expect(summary).To(HaveKeyWithValue("scenarios", n))
			// Every scenario ran (one may fail on a machine too busy to
			// answer in time: not what this is about).
			var notPassed []any
			for _, sc := range scenarios {
				if sc["state"] != "passed" {
					notPassed = append(notPassed, sc["name"], sc["state"], sc["failure"])
				}
			}
			Expect(summary).To(HaveKeyWithValue("interrupted", 0), "not passed: %v", notPassed)
			if len(notPassed) > 0 {
				AddReportEntry("scenarios that did not pass", notPassed)
			}
			Expect(readJUnit(junit).Tests).To(Equal(n))
			Expect(tempLeftovers(tmp)).To(BeEmpty(), "no temporary report file nor work dir")
		})
	}

	It("marks the scenarios it kept from running interrupted, not skipped", func() {
		suite := controlSuite(tmp, 300)
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, suite)
		Eventually(s.Out, 2*time.Minute, 10*time.Millisecond).Should(gbytes.Say(`PASS  many / control 20 `))
		s.Interrupt()
		Eventually(s, time.Minute).Should(gexec.Exit(130))
		Expect(s.Out).To(gbytes.Say(`INTR  many / control \d+ \(not run: the run was interrupted\)`))
		summary, scenarios := jsonSummary(jsonPath)
		Expect(summary["passed"] + summary["interrupted"]).To(Equal(300))
		Expect(summary["interrupted"]).To(BeNumerically(">", 200))
		for _, sc := range scenarios[summary["passed"]+1:] {
			Expect(sc).To(HaveKeyWithValue("state", "interrupted"))
			Expect(sc).To(HaveKeyWithValue("failure", "not run: the run was interrupted"))
		}
		Expect(tempLeftovers(tmp)).To(BeEmpty())
	})
})

var _ = Describe("a gateway slow to stop", func() {
	var proxy, tmp string
	BeforeEach(func() {
		var err error
		proxy, err = gexec.Build("github.com/gatecrash/gatecrash/cmd/gatecrash/testdata/faultyproxy")
		Expect(err).NotTo(HaveOccurred())
		tmp = GinkgoT().TempDir()
	})

	// slowSuite is a working gateway behind a shell that ignores SIGTERM
	// and SIGINT (the signals its supervisor passes on), with this stop
	// grace: its supervisor kills the group when the grace is over.
	slowSuite := func(grace string) string {
		return writeSuite(tmp, "slow.yaml", `suite: slow
gateway:
  name: slow to stop
  command: [sh, -c, "trap '' TERM INT; `+proxy+` -mode relay-raw -listen {{.Listen}} -origin {{.Origin}} & wait"]
  stop_grace: `+grace+`
scenarios:
  - {name: first, fault: none, expect: {status: 200}}
  - {name: last, fault: none, deadline: 2s, expect: {status: 200}}
`)
	}

	It("is not charged to the last scenario's deadline", func() {
		s := gatecrash(tmp, "run", slowSuite("4s"))
		groups := gatewayGroups(s)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(ContainSubstring("PASS  slow / last "))
		for _, g := range groups {
			Expect(processesInGroup(g)).To(BeEmpty(), "process group %d is gone", g)
		}
		Expect(tempLeftovers(tmp)).To(BeEmpty(), "no work dir left")
	})

	It("is stopped at once by an interrupt during its stop, and its work dir removed", func() {
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, slowSuite("60s"))
		groups := gatewayGroups(s)
		Eventually(s.Out, time.Minute).Should(gbytes.Say(`(PASS|FAIL)  slow / last `))
		time.Sleep(300 * time.Millisecond) // into the 60s stop grace
		s.Interrupt()
		Eventually(s, 20*time.Second).Should(gexec.Exit(130))
		Expect(string(s.Out.Contents())).To(ContainSubstring("PASS  slow / last "))
		summary, _ := jsonSummary(jsonPath)
		Expect(summary).To(HaveKeyWithValue("passed", 2))
		for _, g := range groups {
			Eventually(func() []int { return processesInGroup(g) }, 10*time.Second, 100*time.Millisecond).Should(BeEmpty())
		}
		Expect(tempLeftovers(tmp)).To(BeEmpty(), "no work dir left")
	})
})

var _ = Describe("an interrupt of -p", func() {
	It("after its workers have finished, while it writes the reports, is exit 130 with complete reports", func() {
		tmp := GinkgoT().TempDir()
		const n = 1200
		suite := controlSuite(tmp, n)
		jsonPath, html := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "report.html")
		s := gatecrash(tmp, "run", "-p", "2", "--json", jsonPath, "--html", html, "--junit", filepath.Join(tmp, "junit.xml"), suite)
		// The workers are goroutines of one process: once the last of
		// the n verdict lines is out, it writes the reports.
		verdicts := func() int { return bytes.Count(s.Out.Contents(), []byte("PASS  many / control ")) }
		Eventually(verdicts, 3*time.Minute, 50*time.Millisecond).Should(BeNumerically(">=", n-20))
		Eventually(verdicts, time.Minute, time.Millisecond).Should(Equal(n))
		s.Interrupt()
		Eventually(s, time.Minute).Should(gexec.Exit(130))
		summary, _ := jsonSummary(jsonPath)
		Expect(summary).To(HaveKeyWithValue("scenarios", n))
		Expect(summary).To(HaveKeyWithValue("interrupted", 0))
		Expect(html).To(BeAnExistingFile())
		Expect(tempLeftovers(tmp)).To(BeEmpty())
	})
})
