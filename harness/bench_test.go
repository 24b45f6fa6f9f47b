package harness_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// The benchmarks report each figure next to its baseline, measured in the
// same run, so the ratios hold on a busy machine where seconds do not.

// percentile is the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p/100))]
}

// BenchmarkEnvironmentUpDown is one environment (origin, DNS, proxy,
// builtin gateway) brought up and torn down; its baseline is the 10ms
// budget a scenario can afford for it.
func BenchmarkEnvironmentUpDown(b *testing.B) {
	ctx := context.Background()
	var cycles []time.Duration
	for b.Loop() {
		start := time.Now()
		env, err := harness.Start(ctx, harness.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if err := env.Close(); err != nil {
			b.Fatal(err)
		}
		cycles = append(cycles, time.Since(start))
	}
	slices.Sort(cycles)
	median := percentile(cycles, 50)
	b.ReportMetric(float64(median.Microseconds())/1000, "median-ms")
	b.ReportMetric(100*float64(median)/float64(10*time.Millisecond), "%-of-10ms-budget")
}

// BenchmarkProxyPath sends requests over keep-alive connections to the
// origin directly (the baseline) and through the toxic proxy with no
// toxic, alternating, and reports requests/s and latency percentiles of
// both, and the proxy's share of the direct rate.
func BenchmarkProxyPath(b *testing.B) {
	env, err := harness.Start(context.Background(), harness.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	get := func(url string) time.Duration {
		start := time.Now()
		r, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		return time.Since(start)
	}
	direct, proxied := "http://"+env.Origin.Addr()+"/", "http://"+env.Proxy.Addr()+"/"
	var d, p []time.Duration
	for b.Loop() {
		d = append(d, get(direct))
		p = append(p, get(proxied))
	}
	sum := func(ds []time.Duration) (t time.Duration) {
		for _, x := range ds {
			t += x
		}
		return t
	}
	directRate, proxyRate := float64(len(d))/sum(d).Seconds(), float64(len(p))/sum(p).Seconds()
	slices.Sort(d)
	slices.Sort(p)
	b.ReportMetric(directRate, "direct-req/s")
	b.ReportMetric(proxyRate, "proxy-req/s")
	b.ReportMetric(100*proxyRate/directRate, "%-of-direct")
	b.ReportMetric(float64(percentile(d, 50).Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(percentile(p, 50).Microseconds()), "proxy-p50-µs")
	b.ReportMetric(float64(percentile(d, 99).Microseconds()), "direct-p99-µs")
	b.ReportMetric(float64(percentile(p, 99).Microseconds()), "proxy-p99-µs")
}

// BenchmarkInjectedDelay injects delayed_headers of 200ms and measures how
// far the time to first byte the client sees is from 200ms plus the same
// request's time without the fault (the baseline, measured alongside).
func BenchmarkInjectedDelay(b *testing.B) {
	const delay = 200 * time.Millisecond
	ctx := context.Background()
	env, err := harness.Start(ctx, harness.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	url := "http://" + env.Proxy.Addr()
	var base, errs []time.Duration
	for b.Loop() {
		plain := harness.Do(ctx, url, harness.Request{})
		in, err := faults.Inject(ctx, env, &faults.DelayedHeaders{Delay: delay}, faults.Options{})
		if err != nil {
			b.Fatal(err)
		}
		slow := harness.Do(ctx, url, harness.Request{})
		if err := in.Clear(); err != nil {
			b.Fatal(err)
		}
		if plain.Status != 200 || slow.Status != 200 {
			b.Fatalf("unexpected answers: %s, %s", plain, slow)
		}
		base = append(base, plain.TTFB)
		e := slow.TTFB - delay - plain.TTFB
		errs = append(errs, max(e, -e))
	}
	slices.Sort(base)
	slices.Sort(errs)
	b.ReportMetric(float64(percentile(base, 50).Microseconds()), "baseline-ttfb-p50-µs")
	b.ReportMetric(float64(percentile(errs, 50).Microseconds())/1000, "error-p50-ms")
	b.ReportMetric(float64(percentile(errs, 99).Microseconds())/1000, "error-p99-ms")
}

// BenchmarkLoad sends a load of 1000 requests a second for a second to an
// origin on loopback (no gateway: the client is what it measures) and
// reports the share of the planned requests sent on schedule, the
// latency percentiles, and the CPU the process spent per 1000 requests,
// the origin's serving included (the baseline a change to the load's
// bookkeeping is measured against).
func BenchmarkLoad(b *testing.B) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello from origin\n")
	}))
	defer origin.Close()
	l := harness.Load{Rate: 1000, Duration: time.Second, Request: harness.Request{Path: "/"}}
	var sent, planned int
	var p50, p99 time.Duration
	var cpu time.Duration
	for b.Loop() {
		before := cpuTime(b)
		res, err := harness.RunLoad(context.Background(), origin.URL, l, nil)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - before
		sent += res.Requests
		planned += res.Planned
		p50, p99 = max(p50, res.Latency.P50), max(p99, res.Latency.P99)
	}
	b.ReportMetric(100*float64(sent)/float64(planned), "%-sent")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(sent)*1000, "cpu-ms/1000req")
	b.ReportMetric(float64(p50.Microseconds()), "worst-p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "worst-p99-µs")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
