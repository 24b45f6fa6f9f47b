package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

const parallelSuite = "../../scenarios/examples/parallel.yaml"

// reportFiles is the file of each scenario of a JSON report, in the
// report's order, which must be the run's order (0, 1, 2, …).
func reportFiles(report string) []string {
	data, err := os.ReadFile(report)
	Expect(err).NotTo(HaveOccurred())
	var r struct {
		Scenarios []struct {
			Order int    `json:"order"`
			File  string `json:"file"`
		} `json:"scenarios"`
	}
	Expect(json.Unmarshal(data, &r)).To(Succeed())
	files := make([]string, len(r.Scenarios))
	for i, sc := range r.Scenarios {
		Expect(sc.Order).To(Equal(i), "the run's order")
		files[i] = sc.File
	}
	return files
}

var _ = Describe("parallel workers and shards", func() {
	var tmp string
	BeforeEach(func() { tmp = GinkgoT().TempDir() })

	It("-p 8 runs the 16 one-second scenarios side by side: whole lines, one merged report in file order", func() {
		junit := filepath.Join(tmp, "junit.xml")
		start := time.Now()
		s := gatecrash(tmp, "run", "-p", "8", "--junit", junit, parallelSuite)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		took := time.Since(start)
		out := string(s.Out.Contents())
		Expect(regexp.MustCompile(`(?m)^PASS  parallel example, 16 one-second scenarios / hung origin \d\d answers 504 after 1s  \[hang\] .*\)$`).FindAllString(out, -1)).To(HaveLen(16), "whole lines")
		Expect(out).To(ContainSubstring("16 scenarios: 16 passed, 0 failed"))
		// One worker takes 16s; eight, about 2s. A loaded machine gets slack.
		Expect(took).To(BeNumerically("<", 10*time.Second))
		validateJUnit(junit)
		r := readJUnit(junit)
		Expect(r.Suites).To(HaveLen(1))
		for i, c := range r.Suites[0].Cases {
			Expect(c.Name).To(Equal(fmt.Sprintf("hung origin %02d answers 504 after 1s", i+1)), "file order")
		}
	})

	It("--shard splits a run deterministically and gatecrash merge joins the shards' reports in file order", func() {
		var reports []string
		for i := 1; i <= 3; i++ {
			json := filepath.Join(tmp, fmt.Sprintf("shard-%d.json", i))
			s := gatecrash(tmp, "run", "--shard", fmt.Sprintf("%d/3", i), "--json", json, "--focus", "hung origin 0[1-6]", parallelSuite)
			Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
			Expect(string(s.Out.Contents())).To(MatchRegexp(`\d+ scenarios: \d+ passed`))
			reports = append(reports, json)
		}
		junit := filepath.Join(tmp, "merged.xml")
		md, page := filepath.Join(tmp, "merged.md"), filepath.Join(tmp, "merged.html")
		s := gatecrash(tmp, append([]string{"merge", "--junit", junit, "--markdown", md, "--html", page}, reports...)...)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		validateJUnit(junit)
		cases := readJUnit(junit).Suites[0].Cases
		Expect(cases).To(HaveLen(16), "every scenario once: those a shard did not select are skipped")
		for i, c := range cases {
			Expect(c.Name).To(Equal(fmt.Sprintf("hung origin %02d answers 504 after 1s", i+1)))
		}
		// The Markdown and HTML of the whole run, from the shards' JSON.
		summary, err := os.ReadFile(md)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(summary)).To(HavePrefix("## ✅ gatecrash: 16 scenarios, 6 passed, 0 failed, 0 errors, 10 skipped"))
		html, err := os.ReadFile(page)
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Count(string(html), `<svg class="timeline"`)).To(Equal(6), "a timeline for each scenario run")
	})

	It("-p 4 runs every builtin example as one worker does: each worker's origin, DNS, proxy and gateway are its own", func() {
		suites, err := filepath.Glob("../../scenarios/examples/builtin*.yaml")
		Expect(err).NotTo(HaveOccurred())
		want := 0
		for _, f := range suites {
			want += scenarioCount(f)
		}
		report := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, append([]string{"run", "-p", "4", "--json", report}, suites...)...)
		Eventually(s, 4*time.Minute).Should(gexec.Exit(0), func() string { return string(s.Out.Contents()) })
		// Faults held by one worker's environment (a hang, a blackhole, a
		// DNS timeout) would break the others' scenarios if they shared one.
		Expect(string(s.Out.Contents())).To(ContainSubstring(fmt.Sprintf("%d scenarios: %d passed, 0 failed, 0 errors", want, want)))
		Expect(reportFiles(report)).To(HaveLen(want), "every scenario, in file order")
	})

	It("one worker runs the files in the order given, and reports them in that order", func() {
		suites, err := filepath.Glob("../../scenarios/examples/builtin-*.yaml")
		Expect(err).NotTo(HaveOccurred())
		// instances, keepalive, retries: not the order of their suite names,
		// which Ginkgo would sort its containers by.
		report := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, append([]string{"run", "--json", report}, suites...)...)
		Eventually(s, 4*time.Minute).Should(gexec.Exit(0), func() string { return string(s.Out.Contents()) })
		var files []string
		for _, line := range strings.Split(string(s.Out.Contents()), "\n") {
			if strings.HasPrefix(line, "PASS  ") {
				files = append(files, strings.SplitN(strings.TrimPrefix(line, "PASS  "), " / ", 2)[0])
			}
		}
		Expect(slices.Compact(files)).To(HaveLen(len(suites)), "each suite's scenarios together, %v", files)
		Expect(slices.Compact(reportFiles(report))).To(Equal(suites), "the files in the order given")
	})

	It("-p gives every worker its own managed gateway", func() {
		require("nginx")
		s := gatecrash(tmp, "run", "-p", "3", "--label-filter", "origin-down", nginxSuite)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`\d+ scenarios: \d+ passed, 0 failed, 0 errors`))
	})
})
