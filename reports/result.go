// Package reports owns every output of a run: the console lines, the JUnit
// XML that CI systems read (valid against the junit-10.xsd Jenkins uses),
// and the records they are made from.
package reports

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// State is how a scenario ended.
type State string

// The states a scenario can end in.
const (
	Passed      State = "passed"
	Failed      State = "failed"
	Skipped     State = "skipped"
	Interrupted State = "interrupted"
	// Errored means gatecrash could not run the scenario (the environment
	// did not start, a fault could not be injected): not a verdict on the
	// gateway.
	Errored State = "error"
)

// Scenario is everything known about one scenario's run. The JSON report
// writes it as jsonScenario.
type Scenario struct {
	// Order is the scenario's place in the run, in file order.
	Order   int
	Suite   string
	File    string
	Line    int
	Name    string
	Labels  []string
	Gateway string
	// Fault is the fault's name, Params its parameters, Method how it was
	// made when there is more than one way.
	Fault  string
	Params any
	Method string
	// Finding is what the scenario pins as a finding (its finding: in
	// YAML): a passing scenario with one is shown as a finding.
	Finding string
	// Expected is the scenario's expectations in one line.
	Expected string
	// Request is what the client sent (secret headers redacted).
	Request *Request
	// Steady is the request before the fault, Observed the one during it.
	Steady   *harness.Observation
	Observed *harness.Observation
	// FollowUps are the requests sent after Observed, while the fault was
	// still in effect, to catch a cross-wired answer (a desync fault's).
	FollowUps []*harness.Observation
	// FaultStart and FaultEnd are when the fault was injected and cleared
	// (zero when it was not).
	FaultStart time.Time
	FaultEnd   time.Time
	// Load is what a load scenario observed instead of one request.
	Load     *harness.LoadResult
	Checks   []Check
	Recovery *Recovery
	// GatewayAlive is whether the gateway still ran at the scenario's end.
	GatewayAlive *bool
	// GatewayLog is what the gateway wrote while the scenario ran.
	GatewayLog string

	State    State
	Failure  string
	Start    time.Time
	Duration time.Duration
	// NotRun is a scenario that never started: its State and Failure say
	// why (skipped, an interrupt, the run's timeout, an environment that
	// did not start, a worker that crashed before it). The console gives it one
	// line, as it does a skipped one.
	NotRun bool

	// secrets are the values Redact replaces in the text (Secret).
	secrets []string
}

// Check is one assertion: what was expected, what was observed.
type Check struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Passed   bool   `json:"passed"`
}

// Recovery is what happened after the fault cleared.
type Recovery struct {
	Expected  string        `json:"expected"`
	Recovered bool          `json:"recovered"`
	After     time.Duration `json:"after_ns"`
	// Polls is how many requests it took.
	Polls int    `json:"polls"`
	Last  string `json:"last"`
}

// ObservedLine sums up the observation in one line, as the console shows it.
func (s *Scenario) ObservedLine() string {
	var line string
	switch {
	case s.Load != nil:
		line = "load " + s.Load.String()
		if m := s.Load.FaultMet; m != nil && m.Verdict != harness.FaultWasMet {
			line += ", fault " + strings.ReplaceAll(string(m.Verdict), "_", " ")
		}
	case s.Observed != nil:
		line = s.Observed.String()
		if m := s.Observed.FaultMet; m != nil && m.Verdict != harness.FaultWasMet {
			line += ", fault " + strings.ReplaceAll(string(m.Verdict), "_", " ")
		}
		if g := s.Observed.GRPC; g != nil {
			line += ", " + grpcBrief(g)
		}
		if s.checked("attempts") {
			line += ", " + harness.Plural(s.Observed.Attempts, "attempt")
			if s.Observed.Uncounted != "" {
				line += " or more (not all observable)"
			}
		}
		if s.checked("body_intact") && s.Observed.Integrity != nil {
			line += ", body " + string(s.Observed.Integrity.Verdict)
		}
		if st := s.Observed.Stream; st != nil {
			line += " (" + st.String() + ")"
		}
		if s.Observed.CrossWired != nil {
			line += ", cross-wired"
		}
		if len(s.FollowUps) > 0 {
			line += ", then " + s.followUpsLine()
		}
	default:
		return "nothing"
	}
	if s.Recovery != nil {
		if s.Recovery.Recovered {
			line += fmt.Sprintf(", recovered after %s", harness.Round(s.Recovery.After))
		} else {
			line += fmt.Sprintf(", not recovered after %s (last: %s)", harness.Round(s.Recovery.After), s.Recovery.Last)
		}
	}
	if s.GatewayAlive != nil && !*s.GatewayAlive {
		line += ", gateway no longer running"
	}
	return line
}

// followUpsLine sums up the follow-up requests: "3 follow-ups: 200, 200
// cross-wired, 502".
func (s *Scenario) followUpsLine() string {
	var parts []string
	for _, o := range s.FollowUps {
		part := "no status"
		if o.Status != 0 {
			part = strconv.Itoa(o.Status)
		}
		if o.CrossWired != nil {
			part += " cross-wired"
		}
		parts = append(parts, part)
	}
	return harness.Plural(len(s.FollowUps), "follow-up") + ": " + strings.Join(parts, ", ")
}

// checked reports whether the scenario has a check named name.
func (s *Scenario) checked(name string) bool {
	for _, c := range s.Checks {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Properties are the scenario's fault, parameters, expectations and every
// observed value as name/value pairs, for JUnit. The names are stable; the
// README lists them.
func (s *Scenario) Properties() [][2]string {
	props := [][2]string{{"fault", s.Fault}}
	add := func(name string, value any) { props = append(props, [2]string{name, fmt.Sprint(value)}) }
	if s.Finding != "" {
		add("finding", s.Finding)
	}
	addMet := func(prefix string, m *harness.FaultMet) {
		if m == nil {
			return
		}
		add(prefix+".fault_met", m.Verdict)
		add(prefix+".fault_met_evidence", m.Evidence)
		if m.Share != nil {
			add(prefix+".fault_met_share", fmt.Sprintf("%.4f", *m.Share))
		}
	}
	addJSON := func(name string, value any) {
		if data, err := json.Marshal(value); err == nil {
			add(name, string(data))
		}
	}
	if params, err := json.Marshal(s.Params); err == nil && s.Params != nil && string(params) != "{}" {
		add("fault.params", string(params))
	}
	if s.Method != "" {
		add("fault.method", s.Method)
	}
	add("gateway", s.Gateway)
	add("expected", s.Expected)
	if o := s.Steady; o != nil {
		add("steady.status", o.Status)
		add("steady.seconds", seconds4(o.Total))
	}
	if o := s.Observed; o != nil {
		add("observed.status", o.Status)
		add("observed.seconds", seconds4(o.Total))
		add("observed.ttfb_seconds", seconds4(o.TTFB))
		add("observed.valid_http", o.ValidHTTP())
		if o.ErrorKind != "" {
			add("observed.error", string(o.ErrorKind)+": "+o.Error)
		}
		if o.ID != "" {
			add("observed.request_id", o.ID)
		}
		add("observed.attempts", o.Attempts)
		add("observed.attempts_exact", o.Uncounted == "")
		if o.Uncounted != "" {
			add("observed.attempts_uncounted", o.Uncounted)
		}
		add("observed.connections", o.Connections)
		if o.Unaccepted > 0 {
			add("observed.unaccepted_connects", o.Unaccepted)
		}
		if len(o.Upstream) > 0 {
			addJSON("observed.upstream", attemptsToJSON(o.Upstream))
		}
		if len(o.Header) > 0 {
			addJSON("observed.headers", o.Header)
		}
		add("observed.body_bytes", o.BodyBytes)
		if o.BodySHA256 != "" {
			add("observed.body_sha256", o.BodySHA256)
		}
		if len(o.Body) > 0 {
			add("observed.body_excerpt", excerpt(o.Body))
		}
		if in := o.Integrity; in != nil {
			add("observed.body_integrity", in.Verdict)
			add("observed.body_integrity_detail", in.Detail)
		}
		addMet("observed", o.FaultMet)
		if g := o.GRPC; g != nil {
			add("observed.grpc", g.String())
		}
		if o.CrossWired != nil {
			add("observed.cross_wired", o.CrossWired.Detail)
		}
	}
	for i, o := range s.FollowUps {
		prefix := fmt.Sprintf("follow_up.%d", i+1)
		add(prefix+".status", o.Status)
		if o.ID != "" {
			add(prefix+".request_id", o.ID)
		}
		if o.CrossWired != nil {
			add(prefix+".cross_wired", o.CrossWired.Detail)
		}
	}
	if l := s.Load; l != nil {
		add("load.rate", l.Rate)
		add("load.duration_seconds", seconds4(l.Duration))
		add("load.planned", l.Planned)
		add("load.requests", l.Requests)
		add("load.answered", l.Answered)
		add("load.success_ratio", fmt.Sprintf("%.4f", l.SuccessRatio))
		addJSON("load.statuses", l.Statuses)
		if len(l.Errors) > 0 {
			addJSON("load.errors", l.Errors)
		}
		for _, p := range []string{"min", "mean", "p50", "p90", "p95", "p99", "max"} {
			d, _ := l.Latency.Percentile(p)
			add("load.latency."+p+"_seconds", fmt.Sprintf("%.6f", d.Seconds()))
		}
		add("load.wall_seconds", seconds4(l.Wall))
		add("load.origin_requests", l.OriginRequests)
		add("load.origin_connections", l.OriginConnections)
		addMet("load", l.FaultMet)
	}
	if r := s.Recovery; r != nil {
		add("recovery.recovered", r.Recovered)
		add("recovery.seconds", seconds4(r.After))
		add("recovery.polls", r.Polls)
		add("recovery.last", r.Last)
	}
	if s.GatewayAlive != nil {
		add("gateway.alive", *s.GatewayAlive)
	}
	if s.GatewayLog != "" {
		add("gateway.log_lines", strings.Count(strings.TrimRight(s.GatewayLog, "\n"), "\n")+1)
	}
	for _, c := range s.Checks {
		add("check."+c.Name, fmt.Sprintf("expected %s, observed %s", c.Expected, c.Observed))
	}
	return props
}

func seconds4(d time.Duration) string { return fmt.Sprintf("%.4f", d.Seconds()) }

// excerpt is the start of a body as text, for a property.
func excerpt(b []byte) string {
	const n = 200
	if len(b) > n {
		return strings.ToValidUTF8(string(b[:n]), "\uFFFD") + "..."
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Timeline is what happened during the scenario, a line per event in the
// order it happened, each at its time from the scenario's start: the
// steady-state request, the fault injected, the request during it (or the
// load, slice by slice), the fault cleared, and the recovery. It is empty
// for a scenario that did not run.
func (s *Scenario) Timeline() string {
	if s.Start.IsZero() {
		return ""
	}
	type event struct {
		at   time.Duration
		text string
	}
	var events []event
	add := func(t time.Time, format string, args ...any) {
		if !t.IsZero() {
			events = append(events, event{t.Sub(s.Start), fmt.Sprintf(format, args...)})
		}
	}
	if o := s.Steady; o != nil {
		add(o.Start, "steady state: %s", o)
	}
	add(s.FaultStart, "fault %s injected", s.Fault)
	if o := s.Observed; o != nil {
		add(o.Start, "during the fault: %s", o)
	}
	if l := s.Load; l != nil && !l.Started.IsZero() {
		add(l.Started, "load started: %d/s for %s", l.Rate, l.Duration)
		for _, sl := range l.Series {
			add(l.Started.Add(sl.At), "  load: %s", sliceLine(sl))
		}
		add(l.Started.Add(l.Wall), "load ended: %s", l)
	}
	add(s.FaultEnd, "fault %s cleared", s.Fault)
	if r := s.Recovery; r != nil && !s.FaultEnd.IsZero() {
		if r.Recovered {
			add(s.FaultEnd.Add(r.After), "recovered: %s after %s, %s", r.Expected, harness.Round(r.After), harness.Plural(r.Polls, "poll"))
		} else {
			add(s.FaultEnd.Add(r.After), "not recovered: %s, gave up after %s and %s, last %s", r.Expected, harness.Round(r.After), harness.Plural(r.Polls, "poll"), r.Last)
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%+9.3fs  %s\n", e.at.Seconds(), e.text)
	}
	return b.String()
}

// sliceLine is a load's slice in words, with its latency when it has
// one: "2xx: 9, none: 1; p50 2ms, p99 900ms (1 timed out)", or "none
// sent".
func sliceLine(sl harness.LoadSlice) string {
	var parts []string
	for _, p := range []struct {
		class string
		n     int
	}{{"2xx", sl.S2xx}, {"3xx", sl.S3xx}, {"4xx", sl.S4xx}, {"5xx", sl.S5xx}, {"none", sl.None}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", p.class, p.n))
		}
	}
	line := strings.Join(parts, ", ")
	if line == "" {
		return "none sent"
	}
	if l := sl.Latency; l.Count > 0 {
		line += fmt.Sprintf("; p50 %s, p99 %s", harness.Round(l.P50), harness.Round(l.P99))
		if l.TimedOut > 0 {
			line += fmt.Sprintf(" (%d timed out)", l.TimedOut)
		}
	}
	return line
}
