package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildGatecrash builds the binary without -race, as users run it.
func buildGatecrash(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "gatecrash")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runSuite runs gatecrash and returns its wall time, peak memory (RSS, in
// MiB) and JSON report.
func runSuite(b *testing.B, bin string, args ...string) (time.Duration, float64, map[string]any) {
	report := filepath.Join(b.TempDir(), "report.json")
	cmd := exec.Command(bin, append([]string{"run", "--json", report}, args...)...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("gatecrash %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	took := time.Since(start)
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	data, err := os.ReadFile(report)
	if err != nil {
		b.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(data, &r); err != nil {
		b.Fatal(err)
	}
	return took, rss, r
}

// BenchmarkParallelSuite runs the 16-scenario parallel example with one
// worker, eight and sixteen, against its baselines: the sum of its
// scenarios' times (what one worker cannot beat), and the longest scenario
// times the waves the workers need, ceil(16/N) (what N workers cannot beat:
// eight workers run two scenarios each, one after the other).
func BenchmarkParallelSuite(b *testing.B) {
	bin := buildGatecrash(b)
	suite := "../../scenarios/examples/parallel.yaml"
	for b.Loop() {
		one, _, r := runSuite(b, bin, "-p", "1", suite)
		eight, _, _ := runSuite(b, bin, "-p", "8", suite)
		sixteen, _, _ := runSuite(b, bin, "-p", "16", suite)
		var sum, longest time.Duration
		scenarios := r["scenarios"].([]any)
		for _, s := range scenarios {
			d := time.Duration(s.(map[string]any)["duration_ns"].(float64))
			sum += d
			longest = max(longest, d)
		}
		waves := func(workers int) float64 { return float64((len(scenarios) + workers - 1) / workers) }
		b.ReportMetric(one.Seconds(), "p1-s")
		b.ReportMetric(eight.Seconds(), "p8-s")
		b.ReportMetric(sixteen.Seconds(), "p16-s")
		b.ReportMetric(one.Seconds()/sum.Seconds(), "p1/sum")
		b.ReportMetric(eight.Seconds()/longest.Seconds(), "p8/longest")
		b.ReportMetric(eight.Seconds()/(waves(8)*longest.Seconds()), "p8/(2×longest)")
		b.ReportMetric(sixteen.Seconds()/longest.Seconds(), "p16/longest")
	}
}

// BenchmarkThousandScenarios runs a trivial 1,000-scenario suite and
// reports gatecrash's peak memory against a one-scenario suite's.
func BenchmarkThousandScenarios(b *testing.B) {
	bin := buildGatecrash(b)
	write := func(n int) string {
		var sb strings.Builder
		sb.WriteString("suite: trivial\nscenarios:\n")
		for i := range n {
			fmt.Fprintf(&sb, "  - {name: origin error %04d is passed on, fault: {origin_error: {status: 503}}, expect: {status: 503}}\n", i)
		}
		path := filepath.Join(b.TempDir(), fmt.Sprintf("trivial-%d.yaml", n))
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		return path
	}
	one, thousand := write(1), write(1000)
	for b.Loop() {
		_, base, _ := runSuite(b, bin, one)
		took, peak, _ := runSuite(b, bin, thousand)
		b.ReportMetric(base, "1-scenario-MiB")
		b.ReportMetric(peak, "1000-scenarios-MiB")
		b.ReportMetric(peak/base, "x-of-1-scenario")
		b.ReportMetric(took.Seconds(), "1000-scenarios-s")
	}
}
