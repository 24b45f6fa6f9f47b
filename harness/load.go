package harness

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Load is a constant arrival rate of one request through the gateway for a
// duration, sent with vegeta's attacker: requests go out on schedule
// whether or not earlier ones were answered, as real traffic does.
type Load struct {
	// Rate is how many requests start each second, 1 to MaxLoadRate.
	Rate int
	// Duration is how long requests keep starting, up to MaxLoadDuration.
	Duration time.Duration
	// Request is what each request sends; its Timeout bounds each one
	// (default DefaultRequestTimeout).
	Request Request
}

// The bounds of a load: gatecrash loads a gateway on this machine to see
// how it fails, not to benchmark it.
const (
	MaxLoadRate     = 1000
	MaxLoadDuration = time.Minute
	// maxLoadWorkers bounds the requests in flight at once; past it the
	// schedule slips and the result says fewer were sent than planned.
	maxLoadWorkers = 1000
	// maxLoadErrors bounds how many distinct errors a result lists.
	maxLoadErrors = 10
)

// Validate checks the load's bounds.
func (l Load) Validate() error {
	if l.Rate < 1 || l.Rate > MaxLoadRate {
		return fmt.Errorf("rate: expected 1 to %d requests per second; got %d", MaxLoadRate, l.Rate)
	}
	if l.Duration <= 0 || l.Duration > MaxLoadDuration {
		return fmt.Errorf("duration: expected a duration above 0 and at most %s; got %s", MaxLoadDuration, l.Duration)
	}
	if l.Request.Timeout < 0 || l.Request.Timeout > DefaultRequestTimeout {
		return fmt.Errorf("timeout: expected at most %s per request under load; got %s", DefaultRequestTimeout, l.Request.Timeout)
	}
	return nil
}

// LoadResult is what a load observed: how many requests went out and how
// they were answered.
type LoadResult struct {
	// Rate and Duration are the load asked for; Planned is Rate × Duration.
	Rate     int
	Duration time.Duration
	Planned  int
	// Requests is how many were sent, Answered how many got a valid answer
	// with a status.
	Requests int
	Answered int
	// SuccessRatio is the share of the requests sent answered 2xx or 3xx.
	SuccessRatio float64
	// Statuses counts the answers by status code; "none" counts the
	// requests that got no valid answer.
	Statuses map[string]int
	// Errors counts the requests without a valid answer by what went wrong
	// (at most 10 kinds, the rest under "other").
	Errors map[string]int
	// Latency is the time from each request's start to its outcome.
	Latency Latency
	// Wall is the time from the first request's start to the last outcome.
	Wall time.Duration
	// OriginRequests and OriginConnections are what reached the origins
	// during the load: requests read, connections accepted.
	OriginRequests    int
	OriginConnections int
	// Started is when the first request was sent; Series counts the
	// answers over time, and their latency, by when their request was
	// sent, for a timeline.
	Started time.Time
	Series  []LoadSlice
	// FaultMet says whether the load's requests met the fault in effect,
	// and what share of its upstream attempts (or DNS queries) did; nil
	// when no fault was (Environment.Load judges it).
	FaultMet *FaultMet

	latencies []time.Duration // every request's, sorted
	timeouts  int             // requests abandoned at their timeout
}

// LoadSlice counts the requests of a load sent in one slice of time, by
// the class of their answer's status; None counts those without a valid
// answer. Latency is how long the same requests took.
type LoadSlice struct {
	// At is the slice's start from the load's start; each slice is as wide
	// as the next one's At minus its own (the last: Wall's remainder).
	At      time.Duration
	S2xx    int
	S3xx    int
	S4xx    int
	S5xx    int
	None    int
	Latency SliceLatency
}

// SliceLatency is the latency of the requests of a load sent in one slice
// of time, by when they were sent (as the slice's counts): a request sent
// during a fault counts where the fault is drawn, however late its
// outcome. Every request sent in the slice counts, with the time from its
// start to its outcome, as in LoadResult.Latency: an answer, a failure
// (a refused connect counts with the time it took to fail), or being
// abandoned at its timeout, which counts as that timeout: a lower bound
// of what it would have taken, which TimedOut flags. The percentiles are
// exact (nearest rank), not estimates: a load keeps every request's
// latency anyway, at most MaxLoadRate × MaxLoadDuration of them.
type SliceLatency struct {
	// Count is how many requests the percentiles are of: every one the
	// slice counts.
	Count int
	P50   time.Duration
	P99   time.Duration
	// TimedOut is how many of them were abandoned at their timeout.
	TimedOut int
}

// AtTimeout reports whether the slice's p-th percentile (0 to 100) is the
// latency of a request abandoned at its timeout, and so a lower bound:
// those are the slowest of the slice's, since every other one ended
// before its timeout.
func (s SliceLatency) AtTimeout(p int) bool {
	rank := (p*s.Count + 99) / 100 // as nearestRank
	return s.TimedOut > 0 && rank > s.Count-s.TimedOut
}

// nearestRank is the p-th percentile (0 to 100) of sorted durations, one
// of them: the smallest that at least p% of them are at most.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(i-1, 0)]
}

// Total is how many requests the slice counts.
func (s LoadSlice) Total() int { return s.S2xx + s.S3xx + s.S4xx + s.S5xx + s.None }

// add counts one answer with status (0: none).
func (s *LoadSlice) add(status int) {
	switch status / 100 {
	case 2:
		s.S2xx++
	case 3:
		s.S3xx++
	case 4:
		s.S4xx++
	case 5:
		s.S5xx++
	default:
		s.None++
	}
}

// maxLoadSlices bounds a load's series.
const maxLoadSlices = 60

// sliceWidth is the width of a series' slices for a load of duration d:
// the narrowest of 10ms, 20ms, 50ms, 100ms, 200ms, … that keeps them to
// maxLoadSlices.
func sliceWidth(d time.Duration) time.Duration {
	for w := 10 * time.Millisecond; ; w *= 10 {
		for _, f := range []time.Duration{1, 2, 5} {
			if d <= f*w*maxLoadSlices {
				return f * w
			}
		}
	}
}

// Latency are latency percentiles (vegeta's t-digest estimates) with the
// exact minimum, mean and maximum.
type Latency struct {
	Min  time.Duration
	Mean time.Duration
	P50  time.Duration
	P90  time.Duration
	P95  time.Duration
	P99  time.Duration
	Max  time.Duration
}

// Percentile is the latency at p ("p50", "p90", "p95", "p99", "max", "mean").
func (l Latency) Percentile(p string) (time.Duration, bool) {
	switch p {
	case "min":
		return l.Min, true
	case "mean":
		return l.Mean, true
	case "p50":
		return l.P50, true
	case "p90":
		return l.P90, true
	case "p95":
		return l.P95, true
	case "p99":
		return l.P99, true
	case "max":
		return l.Max, true
	}
	return 0, false
}

// Unanswered counts the requests that had no outcome (an answer or a
// failure) within d of their start, those abandoned at their timeout
// included.
func (r LoadResult) Unanswered(d time.Duration) int {
	i := sort.Search(len(r.latencies), func(i int) bool { return r.latencies[i] > d })
	return max(len(r.latencies)-i, r.timeouts)
}

// StatusShare is the share of the requests sent whose status satisfies ok.
func (r LoadResult) StatusShare(ok func(status int) bool) float64 {
	if r.Requests == 0 {
		return 0
	}
	n := 0
	for code, count := range r.Statuses {
		if s, err := strconv.Atoi(code); err == nil && ok(s) {
			n += count
		}
	}
	return float64(n) / float64(r.Requests)
}

// StatusLine lists the statuses as "200: 520, 502: 480, none: 3", in order.
func (r LoadResult) StatusLine() string {
	codes := make([]string, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes) // "none" after the digits
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s: %d", c, r.Statuses[c])
	}
	return strings.Join(parts, ", ")
}

// String sums the load up in one line.
func (r LoadResult) String() string {
	return fmt.Sprintf("%d/s for %s: %d of %s sent, %.1f%% success (%s), p50 %s, p99 %s, max %s",
		r.Rate, r.Duration, r.Requests, Plural(r.Planned, "request"), 100*r.SuccessRatio, r.StatusLine(),
		Round(r.Latency.P50), Round(r.Latency.P99), Round(r.Latency.Max))
}

// RunLoad sends l to the gateway at baseURL (a loopback address), each
// request tagged with an id from nextID (nil: none), and collects every
// outcome. It stops early, with what it has, when ctx ends.
func RunLoad(ctx context.Context, baseURL string, l Load, nextID func() string) (LoadResult, error) {
	if err := l.Validate(); err != nil {
		return LoadResult{}, err
	}
	if err := CheckLoopbackURL(baseURL); err != nil {
		return LoadResult{}, err
	}
	timeout := l.Request.Timeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	method := cmp.Or(l.Request.Method, http.MethodGet)
	target := strings.TrimSuffix(baseURL, "/") + cmp.Or(l.Request.Path, "/")
	header := http.Header{"User-Agent": {"gatecrash"}}
	for k, v := range l.Request.Headers {
		header.Set(k, v)
	}
	body := []byte(l.Request.Body)
	targeter := func(t *vegeta.Target) error {
		t.Method, t.URL, t.Body = method, target, body
		t.Header = header.Clone()
		if nextID != nil {
			t.Header.Set(RequestIDHeader, nextID())
		}
		return nil
	}
	dialer := &net.Dialer{Timeout: timeout, Control: loopbackOnly}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: maxLoadWorkers,
		DisableCompression:  true, // the answer as the gateway sent it
	}
	client := &http.Client{
		Timeout: timeout,
		// Requests in flight end with ctx too, not only new ones.
		Transport: withContext{ctx, transport},
		// A redirect is the gateway's answer, not a step to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer transport.CloseIdleConnections()
	attacker := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(uint64(min(l.Rate, 50))),
		vegeta.MaxWorkers(maxLoadWorkers),
		vegeta.MaxBody(0), // bodies are read and counted, not kept
	)
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()

	tally := newLoadTally(l)
	pacer := vegeta.ConstantPacer{Freq: l.Rate, Per: time.Second}
	for r := range attacker.Attack(targeter, pacer, l.Duration, "gatecrash") {
		tally.add(r)
	}
	return tally.result(), nil
}

// loadTally collects a load's outcomes as they arrive, then sums them up.
type loadTally struct {
	width    time.Duration // of the series' slices
	res      LoadResult
	metrics  vegeta.Metrics
	errs     map[string]int
	outcomes []loadOutcome
}

func newLoadTally(l Load) *loadTally {
	return &loadTally{
		width: sliceWidth(l.Duration),
		res: LoadResult{Rate: l.Rate, Duration: l.Duration, Planned: int(float64(l.Rate) * l.Duration.Seconds()),
			Statuses: map[string]int{}},
		errs: map[string]int{},
	}
}

// add counts one request's outcome.
func (t *loadTally) add(r *vegeta.Result) {
	res := &t.res
	t.metrics.Add(r)
	o := loadOutcome{at: r.Timestamp, code: int(r.Code), latency: r.Latency}
	if r.Code == 0 {
		res.Statuses["none"]++
		kind := loadErrorKind(r.Error)
		if o.timedOut = kind == ErrTimeout; o.timedOut {
			res.timeouts++
		}
		t.errs[string(kind)]++
	} else {
		res.Answered++
		res.Statuses[strconv.Itoa(int(r.Code))]++
	}
	t.outcomes = append(t.outcomes, o)
}

// result sums up the outcomes added.
func (t *loadTally) result() LoadResult {
	res, metrics := t.res, &t.metrics
	metrics.Close()
	res.Requests = int(metrics.Requests)
	res.SuccessRatio = metrics.Success
	res.Latency = Latency{Min: metrics.Latencies.Min, Mean: metrics.Latencies.Mean, P50: metrics.Latencies.P50,
		P90: metrics.Latencies.P90, P95: metrics.Latencies.P95, P99: metrics.Latencies.P99, Max: metrics.Latencies.Max}
	if !metrics.Earliest.IsZero() {
		res.Wall = metrics.End.Sub(metrics.Earliest)
	}
	res.latencies = make([]time.Duration, len(t.outcomes))
	for i, o := range t.outcomes {
		res.latencies[i] = o.latency
	}
	slices.Sort(res.latencies)
	res.Errors = topErrors(t.errs)
	res.Started = metrics.Earliest
	res.Series = series(metrics.Earliest, t.width, t.outcomes)
	return res
}

// loadOutcome is when a request of a load was sent, its status (0: no
// valid answer), how long it took and whether it was abandoned at its
// timeout.
type loadOutcome struct {
	at       time.Time
	code     int
	latency  time.Duration
	timedOut bool
}

// series counts outcomes by when they were sent, in slices of width from
// start, leaving out no slice between the first and the last, with the
// latency percentiles of each slice's.
func series(start time.Time, width time.Duration, outcomes []loadOutcome) []LoadSlice {
	if start.IsZero() {
		return nil
	}
	slice := func(o loadOutcome) int { return max(int(o.at.Sub(start)/width), 0) }
	var out []LoadSlice
	for _, o := range outcomes {
		i := slice(o)
		for len(out) <= i {
			out = append(out, LoadSlice{At: time.Duration(len(out)) * width})
		}
		out[i].add(o.code)
		if o.timedOut {
			out[i].Latency.TimedOut++
		}
	}
	// Every slice's latencies in one array, slice after slice, each
	// sorted in its place: one allocation for the whole load.
	next := make([]int, len(out)) // where slice i's next latency goes
	n := 0
	for i := range out {
		next[i] = n
		n += out[i].Total()
	}
	latencies := make([]time.Duration, n)
	for _, o := range outcomes {
		i := slice(o)
		latencies[next[i]] = o.latency
		next[i]++
	}
	from := 0
	for i := range out {
		l := latencies[from:next[i]] // next[i] is now where slice i ends
		from = next[i]
		slices.Sort(l)
		out[i].Latency.Count = len(l)
		out[i].Latency.P50, out[i].Latency.P99 = nearestRank(l, 50), nearestRank(l, 99)
	}
	return out
}

// Load sends l through the gateway, each request tagged with an id of this
// environment, and adds what reached the origins meanwhile. While it runs,
// untagged upstream attempts are not attributed to any request.
func (e *Environment) Load(ctx context.Context, l Load) (LoadResult, error) {
	e.awaitPoolSettled(ctx)
	inFlight := e.clients.begin(2)
	res, err := RunLoad(ctx, e.Gateway.URL(), l, e.NewRequestID)
	e.clients.end(inFlight)
	var attempts []Attempt
	for i, o := range e.Origins {
		reqs, conns := o.journal.counts(inFlight.start, inFlight.end)
		res.OriginRequests += reqs
		res.OriginConnections += conns
		attempts = append(attempts, o.journal.window(i+1, inFlight.start, inFlight.end)...)
	}
	if e.faultOn.Load() {
		// Connects nothing accepted, where the SYNs can be seen.
		for range e.unacceptedBetween(inFlight.start, inFlight.end, false) {
			attempts = append(attempts, Attempt{Endpoint: "unaccepted", Faulted: true})
		}
		met := e.judgeMet(attempts, inFlight.start, inFlight.end, e.syns != nil, "")
		var share float64
		switch {
		case met.DNSQueries > 0 && met.Faulted+met.Served == 0 || met.DNSFaulted > 0:
			share = float64(met.DNSFaulted) / float64(met.DNSQueries)
		case met.Faulted+met.Served > 0:
			share = float64(met.Faulted) / float64(met.Faulted+met.Served)
		}
		met.Share = &share
		if met.Verdict == FaultWasMet {
			met.Evidence = fmt.Sprintf("%.0f%% met: %d of the load's %s got the fault, %d %s served normally", 100*share, met.Faulted, Plural(met.Faulted+met.Served, "upstream attempt"), met.Served, wasWere(met.Served))
			if met.DNSFaulted > 0 {
				met.Evidence = fmt.Sprintf("%.0f%% met: %d of %s for %s %s answered with the fault", 100*share, met.DNSFaulted, Plural(met.DNSQueries, "DNS query"), e.addrs.OriginName, wasWere(met.DNSFaulted))
			}
		}
		res.FaultMet = met
	}
	return res, err
}

// withContext sends each request with ctx, so that ending ctx ends the
// requests in flight as well.
type withContext struct {
	ctx  context.Context
	next http.RoundTripper
}

func (w withContext) RoundTrip(r *http.Request) (*http.Response, error) {
	return w.next.RoundTrip(r.WithContext(w.ctx))
}

// loopbackOnly refuses to connect anywhere but loopback. Every dialer that
// reaches the gateway (a load, a single request, the readiness probe, the
// liveness check) has it as its Control hook, which runs on the address
// actually dialled, after name resolution and before the connect: a name
// such as localhost mapped off the machine is refused, not trusted.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address; gatecrash only sends to gateways on this machine", address)
	}
	return nil
}

// loadErrorKind names what went wrong with a request of a load, from the
// error text vegeta keeps.
func loadErrorKind(text string) ErrorKind {
	switch t := strings.ToLower(text); {
	case strings.Contains(t, "timeout"), strings.Contains(t, "deadline exceeded"):
		return ErrTimeout
	case strings.Contains(t, "connection refused"):
		return ErrRefused
	case strings.Contains(t, "connection reset"), strings.Contains(t, "broken pipe"):
		return ErrReset
	case strings.Contains(t, "unexpected eof") && !strings.Contains(t, "server closed"):
		return ErrTruncated
	case strings.Contains(t, "eof"), strings.Contains(t, "server closed"):
		return ErrEmptyReply
	case strings.Contains(t, "malformed"), strings.Contains(t, "invalid"), strings.Contains(t, "bad "):
		return ErrInvalidHTTP
	case strings.Contains(t, "context canceled"):
		return ErrInterrupted
	}
	return ErrConnect
}

// topErrors keeps the most frequent error kinds, the rest as "other".
func topErrors(errs map[string]int) map[string]int {
	if len(errs) == 0 {
		return nil
	}
	kinds := make([]string, 0, len(errs))
	for k := range errs {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int { return errs[b] - errs[a] })
	out := map[string]int{}
	for i, k := range kinds {
		if i < maxLoadErrors {
			out[k] = errs[k]
		} else {
			out["other"] += errs[k]
		}
	}
	return out
}
