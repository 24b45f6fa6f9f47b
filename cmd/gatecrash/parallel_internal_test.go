package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// Parallel workers and shards, in-process.

const parallelSuite = "../../scenarios/examples/parallel.yaml"

// reportFiles is the file of each scenario of a JSON report, in the
// report's order, which must be the run's order (0, 1, 2, …).
func reportFiles(t testing.TB, path string) []string {
	t.Helper()
	r := readReport(t, path)
	files := make([]string, len(r.Scenarios))
	for i, sc := range r.Scenarios {
		if sc.Order != i {
			t.Fatalf("%s: scenario %d has order %d: not the run's order", path, i, sc.Order)
		}
		files[i] = sc.File
	}
	return files
}

func TestParallel(t *testing.T) {
	t.Parallel()

	t.Run("-p 8 runs the 16 one-second scenarios side by side: whole lines, one merged report in file order", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		junit := filepath.Join(t.TempDir(), "junit.xml")
		r := runFor(t, 3, nil, "run", "-p", "8", "--junit", junit, parallelSuite)
		took := r.took
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		g.Expect(regexp.MustCompile(`(?m)^PASS  parallel example, 16 one-second scenarios / hung origin \d\d answers 504 after 1s  \[hang\] .*\)$`).FindAllString(r.stdout, -1)).To(HaveLen(16), "whole lines")
		g.Expect(r.stdout).To(ContainSubstring("16 scenarios: 16 passed, 0 failed"))
		// One worker takes 16s; eight, about 2s. A loaded machine gets slack.
		g.Expect(took).To(BeNumerically("<", 10*time.Second))
		j := validJUnit(t, junit)
		g.Expect(j.Suites).To(HaveLen(1))
		for i, c := range j.Suites[0].Cases {
			g.Expect(c.Name).To(Equal(fmt.Sprintf("hung origin %02d answers 504 after 1s", i+1)), "file order")
		}
	})

	t.Run("--shard splits a run deterministically and gatecrash merge joins the shards' reports in file order", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		// The shards run side by side, as CI jobs do.
		reports := make([]string, 3)
		outs := make([]result, 3)
		done := make(chan int)
		for i := range 3 {
			reports[i] = filepath.Join(tmp, fmt.Sprintf("shard-%d.json", i+1))
			proc := testProcess(t)
			go func() {
				outs[i] = runFor(t, 2, proc, "run", "--shard", fmt.Sprintf("%d/3", i+1), "--json", reports[i], "--focus", "hung origin 0[1-6]", parallelSuite)
				done <- i
			}()
		}
		for range 3 {
			<-done
		}
		for _, r := range outs {
			g.Expect(r.code).To(Equal(0), "%s", r.stdout)
			g.Expect(r.stdout).To(MatchRegexp(`\d+ scenarios: \d+ passed`))
		}
		junit := filepath.Join(tmp, "merged.xml")
		md, page := filepath.Join(tmp, "merged.md"), filepath.Join(tmp, "merged.html")
		r := gatecrash(t, nil, append([]string{"merge", "--junit", junit, "--markdown", md, "--html", page}, reports...)...)
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		cases := validJUnit(t, junit).Suites[0].Cases
		g.Expect(cases).To(HaveLen(16), "every scenario once: those a shard did not select are skipped")
		for i, c := range cases {
			g.Expect(c.Name).To(Equal(fmt.Sprintf("hung origin %02d answers 504 after 1s", i+1)))
		}
		// The Markdown and HTML of the whole run, from the shards' JSON.
		summary, err := os.ReadFile(md)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(summary)).To(HavePrefix("## ✅ gatecrash: 16 scenarios, 6 passed, 0 failed, 0 errors, 10 skipped"))
		html, err := os.ReadFile(page)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(strings.Count(string(html), `<svg class="timeline"`)).To(Equal(6), "a timeline for each scenario run")
	})

	t.Run("-p 4 runs every builtin example as one worker does: each worker's origin, DNS, proxy and gateway are its own", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		suites, err := filepath.Glob("../../scenarios/examples/builtin*.yaml")
		g.Expect(err).NotTo(HaveOccurred())
		want, findings, skipped := 0, 0, 0
		for _, f := range suites {
			want += scenarioCount(t, f)
			findings += findingCount(t, f)
			skipped += skipCount(t, f)
		}
		report := filepath.Join(t.TempDir(), "report.json")
		r := runAlone(t, 10, lanes, nil, append([]string{"run", "-p", "4", "--json", report}, suites...)...) // four workers
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		// Faults held by one worker's environment (a hang, a blackhole, a
		// DNS timeout) would break the others' scenarios if they shared one.
		g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("%d scenarios: %s, 0 failed, 0 errors, %d skipped", want, passedText(want-skipped, findings), skipped)))
		g.Expect(reportFiles(t, report)).To(HaveLen(want), "every scenario, in file order")
	})

	t.Run("one worker runs the files in the order given, and reports them in that order", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		suites, err := filepath.Glob("../../scenarios/examples/builtin-*.yaml")
		g.Expect(err).NotTo(HaveOccurred())
		// instances, keepalive, retries: not the order of their suite names,
		// which Ginkgo would sort its containers by.
		report := filepath.Join(t.TempDir(), "report.json")
		r := runFor(t, 3, nil, append([]string{"run", "--json", report}, suites...)...)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		var files []string
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "PASS  ") {
				files = append(files, strings.SplitN(strings.TrimPrefix(line, "PASS  "), " / ", 2)[0])
			}
		}
		g.Expect(slices.Compact(files)).To(HaveLen(len(suites)), "each suite's scenarios together, %v", files)
		g.Expect(slices.Compact(reportFiles(t, report))).To(Equal(suites), "the files in the order given")
	})

	t.Run("-p gives every worker its own managed gateway", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "nginx")
		r := gatecrash(t, nil, "run", "-p", "3", "--label-filter", "origin-down", nginxSuite)
		g := NewWithT(t)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		g.Expect(r.stdout).To(MatchRegexp(`\d+ scenarios: ` + passedRE + `, 0 failed, 0 errors`))
	})
}
