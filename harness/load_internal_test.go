package harness

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// syntheticLoad is the outcomes of the largest load there can be
// (MaxLoadRate for MaxLoadDuration): mostly 200s of a few milliseconds,
// every tenth a 502, every fiftieth abandoned at its 2s timeout.
func syntheticLoad() (Load, []vegeta.Result) {
	l := Load{Rate: MaxLoadRate, Duration: MaxLoadDuration}
	start := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	n := int(float64(l.Rate) * l.Duration.Seconds())
	rs := make([]vegeta.Result, n)
	for i := range rs {
		r := vegeta.Result{Timestamp: start.Add(time.Duration(i) * time.Second / time.Duration(l.Rate)),
			Code: 200, Latency: time.Duration(1+i%7) * time.Millisecond}
		switch {
		case i%50 == 0:
			r.Code, r.Latency, r.Error = 0, 2*time.Second, "Get \"http://127.0.0.1/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
		case i%10 == 0:
			r.Code, r.Error = 502, "502 Bad Gateway"
		}
		rs[i] = r
	}
	return l, rs
}

// BenchmarkLoadTally is the bookkeeping of the largest load: each outcome
// counted as it arrives, then the result summed up (percentiles, errors,
// series). It reports the cost per request, which the load's client pays
// besides sending it.
func BenchmarkLoadTally(b *testing.B) {
	l, rs := syntheticLoad()
	b.ReportAllocs()
	for b.Loop() {
		t := newLoadTally(l)
		for i := range rs {
			t.add(&rs[i])
		}
		if res := t.result(); res.Requests != len(rs) {
			b.Fatalf("%d requests counted; want %d", res.Requests, len(rs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rs)), "ns/request")
}

// TestSeriesLatency checks each slice's latency: exact percentiles of the
// requests sent in it, whenever they ended, a request abandoned at its
// timeout counted as that timeout and flagged, an empty slice empty.
func TestSeriesLatency(t *testing.T) {
	start := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var outcomes []loadOutcome
	// Slice 0 (0-100ms): ten answers of 1ms to 10ms, sent in reverse
	// order of their latency; slice 2 (200-300ms): a fast one, one
	// abandoned at its 900ms timeout and a refused connect, interleaved
	// with slice 0's as their outcomes arrive.
	for i := range 10 {
		outcomes = append(outcomes, loadOutcome{at: start.Add(ms(i * 9)), code: 200, latency: ms(10 - i)})
		switch i {
		case 3:
			outcomes = append(outcomes, loadOutcome{at: start.Add(ms(210)), code: 200, latency: ms(2)})
		case 5:
			outcomes = append(outcomes, loadOutcome{at: start.Add(ms(250)), latency: ms(900), timedOut: true})
		case 7:
			outcomes = append(outcomes, loadOutcome{at: start.Add(ms(299)), latency: ms(7)})
		}
	}
	got := series(start, ms(100), outcomes)
	want := []LoadSlice{
		{At: 0, S2xx: 10, Latency: SliceLatency{Count: 10, P50: ms(5), P99: ms(10)}},
		{At: ms(100)},
		{At: ms(200), S2xx: 1, None: 2, Latency: SliceLatency{Count: 3, P50: ms(7), P99: ms(900), TimedOut: 1}},
	}
	if len(got) != len(want) {
		t.Fatalf("series = %+v; want %+v", got, want)
	}
	// Slice 2's p99 is its request abandoned at the timeout; its p50 and
	// slice 0's are answers.
	if !got[2].Latency.AtTimeout(99) || got[2].Latency.AtTimeout(50) || got[0].Latency.AtTimeout(99) {
		t.Errorf("AtTimeout: slice 2 p99 %v, p50 %v, slice 0 p99 %v; want true, false, false",
			got[2].Latency.AtTimeout(99), got[2].Latency.AtTimeout(50), got[0].Latency.AtTimeout(99))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("slice %d = %+v; want %+v", i, got[i], want[i])
		}
	}
}

// TestNearestRank checks the percentile a slice reports: one of its
// latencies, the smallest that p% of them are at most.
func TestNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      int
		want   time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{7}, 50, 7},
		{[]time.Duration{7}, 99, 7},
		{[]time.Duration{1, 2}, 50, 1},
		{[]time.Duration{1, 2}, 99, 2},
		{hundred, 50, 50},
		{hundred, 99, 99},
		{hundred, 100, 100},
		{hundred, 0, 1},
	} {
		if got := nearestRank(c.sorted, c.p); got != c.want {
			t.Errorf("nearestRank(%d values, p%d) = %d; want %d", len(c.sorted), c.p, got, c.want)
		}
	}
}

// TestTallySeriesLatency checks that the largest load's slices account
// for every request and every timeout, and that the overall figures are
// those of the same outcomes.
func TestTallySeriesLatency(t *testing.T) {
	l, rs := syntheticLoad()
	tally := newLoadTally(l)
	for i := range rs {
		tally.add(&rs[i])
	}
	res := tally.result()
	if len(res.Series) != maxLoadSlices {
		t.Fatalf("%d slices; want %d", len(res.Series), maxLoadSlices)
	}
	count, timedOut := 0, 0
	for _, sl := range res.Series {
		if sl.Latency.Count != sl.Total() {
			t.Errorf("slice at %s: latency of %d requests; it counts %d", sl.At, sl.Latency.Count, sl.Total())
		}
		// Each slice has every latency of the load: 1ms to 7ms and the
		// 2s timeouts, 2% of them.
		if sl.Latency.P50 != 4*time.Millisecond || sl.Latency.P99 != 2*time.Second {
			t.Errorf("slice at %s: p50 %s, p99 %s; want 4ms, 2s", sl.At, sl.Latency.P50, sl.Latency.P99)
		}
		count += sl.Latency.Count
		timedOut += sl.Latency.TimedOut
	}
	if count != res.Requests || timedOut != res.timeouts || res.timeouts != len(rs)/50 {
		t.Errorf("slices count %d requests, %d timed out; the load %d, %d", count, timedOut, res.Requests, res.timeouts)
	}
	if res.Unanswered(time.Second) != len(rs)/50 {
		t.Errorf("Unanswered(1s) = %d; want %d", res.Unanswered(time.Second), len(rs)/50)
	}
}
