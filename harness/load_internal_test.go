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
