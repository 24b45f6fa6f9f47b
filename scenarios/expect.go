package scenarios

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
	"github.com/gatecrash/gatecrash/reports"
)

// Expect is what the gateway must do while the fault is in effect. The
// first group judges the one request of a scenario, the second the
// requests of a load together, the last any scenario.
type Expect struct {
	// Status is the status code, a class like 5xx, or a list of them. A
	// code is any three digits from 100 to 999: a relayed 999 can be
	// pinned (it is not valid HTTP, which valid_http judges).
	Status StatusSet `yaml:"status" json:"status,omitempty"`
	// NotStatus: the status is none of these (an answer without a status
	// passes; add valid_http: true to require one).
	NotStatus StatusSet `yaml:"not_status" json:"not_status,omitempty"`
	// Within: the answer is complete within this time.
	Within Duration `yaml:"within" json:"within,omitempty"`
	// AtLeast: the answer takes at least this long (a timeout fired, not a shortcut).
	AtLeast Duration `yaml:"at_least" json:"at_least,omitempty"`
	// Between: the answer is complete between the two times.
	Between []Duration `yaml:"between" json:"between,omitempty"`
	// ValidHTTP: whether the client gets a complete, valid HTTP answer
	// (false records a gateway that relays garbage or drops the connection).
	ValidHTTP *bool `yaml:"valid_http" json:"valid_http,omitempty"`
	// Headers are assertions on the answer's headers.
	Headers *HeadersExpect `yaml:"headers" json:"headers,omitempty"`
	// Body are assertions on the answer's body.
	Body *BodyExpect `yaml:"body" json:"body,omitempty"`
	// BodyIntact: true, the client got the origin's whole body byte for
	// byte, under the origin's status, in an answer that ended cleanly;
	// false, the gateway relayed the origin's body cut short or changed,
	// or its bytes under a head it made (reframed): a finding to pin. The
	// gateway's own answer (its 502 page) passes neither.
	BodyIntact *bool `yaml:"body_intact" json:"body_intact,omitempty"`
	// Attempts bounds how many upstream attempts the origin saw for the
	// request: a number, or {min: N, max: M}.
	Attempts *AttemptsExpect `yaml:"attempts" json:"attempts,omitempty"`
	// GRPCStatus: the gRPC call's grpc-status (from its trailers, or a
	// trailers-only answer) is one of these: a name (UNAVAILABLE), a
	// number (14), none (no grpc-status came), or a list of them.
	GRPCStatus GRPCStatusSet `yaml:"grpc_status" json:"grpc_status,omitempty"`
	// GRPCMessage: the gRPC call's grpc-message (percent-decoded) is
	// exactly this, beside a grpc-status.
	GRPCMessage *string `yaml:"grpc_message" json:"grpc_message,omitempty"`
	// Stream are assertions on what a WebSocket or an event stream
	// (request.websocket, request.sse) gave the client (see stream.go).
	Stream *StreamExpect `yaml:"stream" json:"stream,omitempty"`

	// SuccessRatio: at least this share (0 to 1) of a load's requests are
	// answered 2xx or 3xx.
	SuccessRatio *float64 `yaml:"success_ratio" json:"success_ratio,omitempty"`
	// Statuses: every request of a load is answered with one of these.
	Statuses StatusSet `yaml:"statuses" json:"statuses,omitempty"`
	// StatusRatio bounds the share of a load's requests answered with a
	// status or class: {502: [0.2, 0.8]}.
	StatusRatio StatusRatios `yaml:"status_ratio" json:"status_ratio,omitempty"`
	// Latency bounds a load's latency percentiles.
	Latency *LatencyExpect `yaml:"latency" json:"latency,omitempty"`
	// UnansweredAfter: no request of a load is still without an answer (or
	// a failure) this long after it started.
	UnansweredAfter Duration `yaml:"unanswered_after" json:"unanswered_after,omitempty"`

	// LogMatches: the gateway's log since the scenario began has a line
	// matching each of these regular expressions.
	LogMatches Strings `yaml:"log_matches" json:"log_matches,omitempty"`
	// GatewayAlive: whether the gateway still runs at the end of the
	// scenario (a managed gateway's process, the builtin's server, an
	// attached gateway's address).
	GatewayAlive *bool `yaml:"gateway_alive" json:"gateway_alive,omitempty"`
	// Recovers: after the fault clears, the gateway answers this within a bound.
	Recovers *Recovery `yaml:"recovers" json:"recovers,omitempty"`
	// FaultMet: whether the request (or some of a load's) met the fault.
	// Unset, a scenario whose fault was not met fails, saying so; false
	// pins a masking on purpose (a cache or a pooled connection that hides
	// the fault), true requires evidence that it was met.
	FaultMet *bool `yaml:"fault_met" json:"fault_met,omitempty"`
	// CrossWired: whether an answer the client got (to the request, or to
	// the follow-ups a desync fault sends) was another request's answer or
	// an origin's leftover bytes (harness.CrossWire). Unset, a cross-wired
	// answer fails the scenario; true pins one as a finding (it requires
	// the evidence); false forbids one, as unset does; sometimes lets
	// either pass, for a gateway whose outcome is a race (the observation
	// is reported all the same).
	CrossWired *CrossWiredExpect `yaml:"cross_wired" json:"cross_wired,omitempty"`
}

// Recovery is the bound on getting healthy again after the fault clears.
type Recovery struct {
	// Status is what the gateway must answer again (default 200).
	Status StatusSet `yaml:"status" json:"status,omitempty"`
	// Within is how long it may take.
	Within Duration `yaml:"within" json:"within"`
	// GRPCStatus, for a gRPC call, is the grpc-status the gateway must
	// answer again too (OK, say): a gRPC failure comes under a 200.
	GRPCStatus GRPCStatusSet `yaml:"grpc_status" json:"grpc_status,omitempty"`
}

// String is what recovering means: "status 200 within 2s", or "status
// 200 and grpc-status OK within 2s".
func (r *Recovery) String() string {
	if len(r.GRPCStatus) > 0 {
		return fmt.Sprintf("status %s and grpc-status %s within %s", r.Status, r.GRPCStatus, r.Within)
	}
	return fmt.Sprintf("status %s within %s", r.Status, r.Within)
}

// HeadersExpect are assertions on the answer's headers. Names are matched
// case-insensitively; several fields of one name are joined with ", ".
type HeadersExpect struct {
	Present []string          `yaml:"present" json:"present,omitempty"`
	Absent  []string          `yaml:"absent" json:"absent,omitempty"`
	Equals  map[string]string `yaml:"equals" json:"equals,omitempty"`
	Matches map[string]string `yaml:"matches" json:"matches,omitempty"`
}

// BodyExpect are assertions on the answer's body (its first 16 MiB).
type BodyExpect struct {
	Contains    Strings `yaml:"contains" json:"contains,omitempty"`
	NotContains Strings `yaml:"not_contains" json:"not_contains,omitempty"`
	Matches     Strings `yaml:"matches" json:"matches,omitempty"`
	Equals      *string `yaml:"equals" json:"equals,omitempty"`
}

// LatencyExpect are upper bounds on a load's latency percentiles.
type LatencyExpect struct {
	P50  Duration `yaml:"p50" json:"p50,omitempty"`
	P90  Duration `yaml:"p90" json:"p90,omitempty"`
	P95  Duration `yaml:"p95" json:"p95,omitempty"`
	P99  Duration `yaml:"p99" json:"p99,omitempty"`
	Max  Duration `yaml:"max" json:"max,omitempty"`
	Mean Duration `yaml:"mean" json:"mean,omitempty"`
}

// bounds lists the set bounds as (percentile name, bound), in order.
func (l *LatencyExpect) bounds() [][2]any {
	var out [][2]any
	for _, b := range []struct {
		name string
		d    Duration
	}{{"p50", l.P50}, {"p90", l.P90}, {"p95", l.P95}, {"p99", l.P99}, {"max", l.Max}, {"mean", l.Mean}} {
		if b.d > 0 {
			out = append(out, [2]any{b.name, b.d})
		}
	}
	return out
}

// LoadSpec is a constant arrival rate of the scenario's request for a
// duration, sent during the fault.
type LoadSpec struct {
	// Rate is how many requests start each second, 1 to 1000.
	Rate int `yaml:"rate" json:"rate"`
	// Duration is how long requests keep starting, up to 1m.
	Duration Duration `yaml:"duration" json:"duration"`
}

// Harness is the load as the harness sends it, with req as each request.
func (l *LoadSpec) Harness(req RequestSpec) harness.Load {
	return harness.Load{Rate: l.Rate, Duration: l.Duration.D(), Request: req.Harness()}
}

// Strings is one string or a list of them.
type Strings []string

func (s *Strings) decodeNode(dec *decoder, node ast.Node, path string) {
	items := []ast.Node{node}
	if seq, ok := node.(*ast.SequenceNode); ok {
		items = seq.Values
	}
	for _, item := range items {
		scalar, ok := unwrap(item).(ast.ScalarNode)
		if !ok || isNull(item) {
			dec.fail(item, "%s: expected a string or a list of strings; got %s", path, describe(unwrap(item)))
			continue
		}
		*s = append(*s, textOf(scalar))
	}
}

// AttemptsExpect bounds the upstream attempts: Min to Max (Max -1: no
// upper bound).
type AttemptsExpect struct {
	Min, Max int
}

// String writes the bound as messages do: 3 attempts, at least 2 attempts.
func (a AttemptsExpect) String() string { return match.AttemptsText(a.Min, a.Max) }

// MarshalJSON writes {"min": N, "max": M}, without max when there is none.
func (a AttemptsExpect) MarshalJSON() ([]byte, error) {
	out := map[string]int{"min": a.Min}
	if a.Max >= 0 {
		out["max"] = a.Max
	}
	return json.Marshal(out)
}

const attemptsExpected = "expected a number of attempts such as 3, or {min: 1, max: 3}"

func (a *AttemptsExpect) decodeNode(dec *decoder, node ast.Node, path string) {
	switch n := node.(type) {
	case *ast.IntegerNode:
		var v int
		dec.decode(n, reflect.ValueOf(&v).Elem(), path)
		a.Min, a.Max = v, v
	case *ast.MappingNode:
		var b struct {
			Min *int `yaml:"min"`
			Max *int `yaml:"max"`
		}
		before := len(dec.problems)
		dec.decode(n, reflect.ValueOf(&b).Elem(), path)
		if len(dec.problems) > before {
			return
		}
		if b.Min == nil && b.Max == nil {
			dec.fail(node, "%s: %s; got neither min nor max", path, attemptsExpected)
			return
		}
		a.Min, a.Max = 0, -1
		if b.Min != nil {
			a.Min = *b.Min
		}
		if b.Max != nil {
			a.Max = *b.Max
		}
	default:
		dec.fail(node, "%s: %s; got %s", path, attemptsExpected, describe(node))
	}
}

// StatusRatios bound the shares of a load's answers by status.
type StatusRatios []StatusRatio

// StatusRatio bounds the share of a load's requests answered with Status
// (one code or class) to Min..Max (0 to 1).
type StatusRatio struct {
	Status   StatusSet
	Min, Max float64
}

// MarshalJSON writes the ratios as a suite does: {"502": [0.2, 0.8]}.
func (r StatusRatios) MarshalJSON() ([]byte, error) {
	out := map[string][2]float64{}
	for _, s := range r {
		out[s.Status.String()] = [2]float64{s.Min, s.Max}
	}
	return json.Marshal(out)
}

const ratioExpected = "expected a mapping of a status or class to the bounds of its share, such as {502: [0.2, 0.8]}"

func (r *StatusRatios) decodeNode(dec *decoder, node ast.Node, path string) {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		dec.fail(node, "%s: %s; got %s", path, ratioExpected, describe(node))
		return
	}
	for _, kv := range m.Values {
		at := path + "." + keyString(kv)
		var s StatusRatio
		before := len(dec.problems)
		s.Status.decodeNode(dec, unwrap(kv.Key), at)
		var bounds []float64
		dec.decode(kv.Value, reflect.ValueOf(&bounds).Elem(), at)
		if len(dec.problems) > before {
			continue
		}
		if len(bounds) != 2 || bounds[0] < 0 || bounds[0] > bounds[1] || bounds[1] > 1 {
			dec.fail(kv.Value, "%s: expected two shares from 0 to 1, the smaller first, such as [0.2, 0.8]", at)
			continue
		}
		s.Min, s.Max = bounds[0], bounds[1]
		*r = append(*r, s)
	}
}

// validateLoad checks the scenario's load against the harness's bounds.
func (sc *Scenario) validateLoad(d *decoder, at string) {
	if sc.Load == nil {
		return
	}
	if err := sc.Load.Harness(sc.Request).Validate(); err != nil {
		field := "load"
		if strings.HasPrefix(err.Error(), "timeout") {
			field = "request.timeout"
		}
		d.failPath(at+"."+field, "%s.%s: %v", at, field, err)
	}
}

// fieldsSet lists the yaml names of the fields of e set, among names.
func (e *Expect) fieldsSet(names ...string) []string {
	v := reflect.ValueOf(e).Elem()
	fields := structFields(v.Type())
	var set []string
	for _, n := range names {
		if !v.Field(fields[n]).IsZero() {
			set = append(set, n)
		}
	}
	return set
}

// The fields of Expect by what they judge.
var (
	requestFields = []string{"status", "not_status", "within", "at_least", "between", "valid_http", "headers", "body", "body_intact", "attempts", "grpc_status", "grpc_message", "stream", "cross_wired"}
	loadFields    = []string{"success_ratio", "statuses", "status_ratio", "latency", "unanswered_after"}
	anyFields     = []string{"log_matches", "gateway_alive", "recovers", "fault_met"}
)

func (e *Expect) validate(d *decoder, at string, load bool) {
	perRequest, perLoad := e.fieldsSet(requestFields...), e.fieldsSet(loadFields...)
	if len(perRequest)+len(perLoad)+len(e.fieldsSet(anyFields...)) == 0 {
		names := requestFields
		if load {
			names = loadFields
		}
		d.failPath(at, "%s: expected at least one assertion: %s", at, strings.Join(slices.Concat(names, anyFields), ", "))
	}
	if load {
		for _, f := range perRequest {
			d.failPath(at+"."+f, "%s.%s: a load scenario judges its requests together; expected %s", at, f, strings.Join(slices.Concat(loadFields, anyFields), ", "))
		}
	} else {
		for _, f := range perLoad {
			d.failPath(at+"."+f, "%s.%s: judges a load: add load: {rate: N, duration: D} to the scenario", at, f)
		}
	}
	if len(e.Between) != 0 && (len(e.Between) != 2 || e.Between[0] >= e.Between[1]) {
		d.failPath(at+".between", "%s.between: expected two durations, the shorter first, such as [1.9s, 2.5s]", at)
	}
	if e.Within != 0 && e.AtLeast != 0 && e.AtLeast >= e.Within {
		d.failPath(at+".at_least", "%s.at_least: expected less than within (%s); got %s", at, e.Within, e.AtLeast)
	}
	if a := e.Attempts; a != nil && (a.Min < 0 || a.Max >= 0 && a.Max < a.Min) {
		d.failPath(at+".attempts", "%s.attempts: %s, 0 or more, min not above max; got min %d, max %d", at, attemptsExpected, a.Min, a.Max)
	}
	if h := e.Headers; h != nil {
		for _, name := range slices.Concat(h.Present, h.Absent, keys(h.Equals), keys(h.Matches)) {
			if !validHeaderName(name) {
				d.failPath(at+".headers", "%s.headers: expected header names such as Cache-Control; got %q", at, name)
			}
		}
		for name, re := range h.Matches {
			checkRegexp(d, at+".headers.matches."+name, re)
		}
		for _, name := range keys(h.Equals) {
			if strings.ContainsFunc(h.Equals[name], func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
				d.failPath(at+".headers.equals."+name, "%s.headers.equals.%s: expected a header value without line breaks or control characters but tab (no answer has one); got %s", at, name, strconv.Quote(h.Equals[name]))
			}
		}
	}
	if b := e.Body; b != nil {
		for i, re := range b.Matches {
			checkRegexp(d, fmt.Sprintf("%s.body.matches[%d]", at, i), re)
		}
	}
	for i, re := range e.LogMatches {
		checkRegexp(d, fmt.Sprintf("%s.log_matches[%d]", at, i), re)
	}
	if r := e.SuccessRatio; r != nil && (*r < 0 || *r > 1) {
		d.failPath(at+".success_ratio", "%s.success_ratio: expected a share from 0 to 1, such as 0.95; got %v", at, *r)
	}
	if l := e.Latency; l != nil && len(l.bounds()) == 0 {
		d.failPath(at+".latency", "%s.latency: expected at least one bound of p50, p90, p95, p99, max or mean, such as {p99: 500ms}", at)
	}
	if r := e.Recovers; r != nil {
		if r.Within <= 0 {
			d.failPath(at+".recovers", "%s.recovers.within: expected how long recovery may take, such as 2s", at)
		}
		if len(r.Status) == 0 {
			r.Status = StatusSet{{Code: 200}}
		}
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// validHeaderName reports whether name is an HTTP field name (a token).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

func checkRegexp(d *decoder, at, re string) {
	if _, err := regexp.Compile(re); err != nil {
		d.failPath(at, "%s: expected a regular expression (Go RE2 syntax); %v", at, err)
	}
}

// Subject is what a check judges.
type Subject int

const (
	OnRequest Subject = iota // the scenario's request: a harness.Observation
	OnLoad                   // the scenario's load: a harness.LoadResult
	OnLog                    // the gateway's log window: a string
	OnGateway                // whether the gateway still runs: a bool
)

// Checks are a scenario's expectations as matchers, each on its subject.
type Checks []check

// Judge checks actual against the checks on subject on, records each in
// rec, and returns the failure messages of those not met.
func (cs Checks) Judge(on Subject, actual any, rec *reports.Scenario) []string {
	var failures []string
	g := gomega.NewGomega(func(message string, _ ...int) { failures = append(failures, message) })
	for _, c := range cs {
		if c.on == on {
			ok := g.Expect(actual).To(c.matcher)
			rec.Checks = append(rec.Checks, reports.Check{Name: c.name, Expected: c.expected, Observed: c.observed(actual), Passed: ok})
		}
	}
	return failures
}

// check is one expectation as a Gomega matcher.
type check struct {
	name, expected string
	on             Subject
	matcher        types.GomegaMatcher
	observed       func(any) string
}

// onObs adapts a description of an observation to any subject.
func onObs(f func(harness.Observation) string) func(any) string {
	return func(a any) string { return f(a.(harness.Observation)) }
}

func observedStatus(o harness.Observation) string { return o.String() }

func observedTime(o harness.Observation) string {
	if o.TimedOut() {
		return o.String() // no answer time: gatecrash gave up
	}
	return "answered in " + harness.Round(o.Total).String()
}

func observedValidity(o harness.Observation) string {
	if o.ValidHTTP() {
		return "a valid HTTP answer, " + o.String()
	}
	return o.String()
}

// mustCompile compiles a regular expression validated when the suite was
// loaded; one that does not compile matches nothing.
func mustCompile(re string) *regexp.Regexp {
	r, err := regexp.Compile(re)
	if err != nil {
		return regexp.MustCompile(`[^\x00-\x{10FFFF}]`)
	}
	return r
}

// Checks are the expectations in order, each with what it judges.
func (e *Expect) Checks() Checks {
	var cs []check
	add := func(name, expected string, on Subject, m types.GomegaMatcher, observed func(any) string) {
		cs = append(cs, check{name, expected, on, m, observed})
	}
	if len(e.Status) > 0 {
		add("status", "status "+e.Status.String(), OnRequest, match.HaveStatusMatching(e.Status.String(), e.Status.Matches), onObs(observedStatus))
	}
	if len(e.NotStatus) > 0 {
		add("not_status", "a status other than "+e.NotStatus.String(), OnRequest,
			match.NotHaveStatusMatching(e.NotStatus.String(), e.NotStatus.Matches), onObs(observedStatus))
	}
	if e.Within > 0 {
		add("within", "within "+e.Within.String(), OnRequest, match.AnswerWithin(e.Within.D()), onObs(observedTime))
	}
	if e.AtLeast > 0 {
		add("at_least", "at least "+e.AtLeast.String(), OnRequest, match.TakeAtLeast(e.AtLeast.D()), onObs(observedTime))
	}
	if len(e.Between) == 2 {
		add("between", fmt.Sprintf("between %s and %s", e.Between[0], e.Between[1]), OnRequest,
			match.AnswerBetween(e.Between[0].D(), e.Between[1].D()), onObs(observedTime))
	}
	if e.ValidHTTP != nil {
		m, expected := match.BeValidHTTP(), "a valid HTTP answer"
		if !*e.ValidHTTP {
			m, expected = gomega.Not(m), "no valid HTTP answer"
		}
		add("valid_http", expected, OnRequest, m, onObs(observedValidity))
	}
	if h := e.Headers; h != nil {
		header := func(name string) func(any) string {
			return onObs(func(o harness.Observation) string {
				if v, ok := o.Header[http.CanonicalHeaderKey(name)]; ok {
					return fmt.Sprintf("%s: %q", http.CanonicalHeaderKey(name), strings.Join(v, ", "))
				}
				return "no " + http.CanonicalHeaderKey(name) + " header, " + o.String()
			})
		}
		for _, n := range h.Present {
			add("headers.present", "a "+http.CanonicalHeaderKey(n)+" header", OnRequest, match.HaveHeader(n), header(n))
		}
		for _, n := range h.Absent {
			add("headers.absent", "no "+http.CanonicalHeaderKey(n)+" header", OnRequest, match.NotHaveHeader(n), header(n))
		}
		for _, n := range keys(h.Equals) {
			add("headers.equals", fmt.Sprintf("%s: %q", http.CanonicalHeaderKey(n), h.Equals[n]), OnRequest, match.HaveHeaderValue(n, h.Equals[n]), header(n))
		}
		for _, n := range keys(h.Matches) {
			add("headers.matches", fmt.Sprintf("%s matching %s", http.CanonicalHeaderKey(n), h.Matches[n]), OnRequest,
				match.HaveHeaderMatching(n, mustCompile(h.Matches[n])), header(n))
		}
	}
	if b := e.Body; b != nil {
		body := onObs(func(o harness.Observation) string {
			shown, more := o.Body, ""
			if len(shown) > 200 {
				shown, more = shown[:200], fmt.Sprintf("... (%d bytes)", o.BodyBytes)
			}
			return fmt.Sprintf("body %q%s", shown, more)
		})
		for _, s := range b.Contains {
			add("body.contains", fmt.Sprintf("a body containing %q", s), OnRequest, match.HaveBodyContaining(s), body)
		}
		for _, s := range b.NotContains {
			add("body.not_contains", fmt.Sprintf("a body without %q", s), OnRequest, match.NotHaveBodyContaining(s), body)
		}
		for _, re := range b.Matches {
			add("body.matches", "a body matching "+re, OnRequest, match.HaveBodyMatching(mustCompile(re)), body)
		}
		if b.Equals != nil {
			add("body.equals", fmt.Sprintf("the body %q", *b.Equals), OnRequest, match.HaveBody(*b.Equals), body)
		}
	}
	if e.BodyIntact != nil {
		m, expected := match.HaveIntactBody(), "the origin's body intact"
		if !*e.BodyIntact {
			m, expected = match.HaveDamagedBody(), "the origin's body relayed cut, changed or reframed"
		}
		add("body_intact", expected, OnRequest, m, onObs(func(o harness.Observation) string { return o.Integrity.String() }))
	}
	if a := e.Attempts; a != nil {
		add("attempts", a.String(), OnRequest, match.HaveAttemptsBetween(a.Min, a.Max), onObs(match.DescribeAttempts))
	}
	e.grpcChecks(add)
	e.streamChecks(add)
	e.loadChecks(add)
	for _, re := range e.LogMatches {
		r := mustCompile(re)
		add("log_matches", "a gateway log line matching "+re, OnLog, match.HaveLogLine(r), func(a any) string { return match.DescribeLog(a, r) })
	}
	if e.GatewayAlive != nil {
		expected := "the gateway still running"
		if !*e.GatewayAlive {
			expected = "the gateway no longer running"
		}
		add("gateway_alive", expected, OnGateway, match.BeRunning(*e.GatewayAlive), describeAlive)
	}
	return cs
}

// loadChecks adds the expectations on a load.
func (e *Expect) loadChecks(add func(name, expected string, on Subject, m types.GomegaMatcher, observed func(any) string)) {
	load := func(f func(harness.LoadResult) string) func(any) string {
		return func(a any) string { return f(a.(harness.LoadResult)) }
	}
	summary := load(harness.LoadResult.String)
	if r := e.SuccessRatio; r != nil {
		add("success_ratio", fmt.Sprintf("a success ratio of at least %.1f%%", 100**r), OnLoad, match.HaveSuccessRatio(*r), summary)
	}
	if len(e.Statuses) > 0 {
		add("statuses", "every answer with status "+e.Statuses.String(), OnLoad,
			match.HaveOnlyStatuses(e.Statuses.String(), e.Statuses.Matches), summary)
	}
	for _, s := range e.StatusRatio {
		add("status_ratio", fmt.Sprintf("%.1f%% to %.1f%% of the answers with status %s", 100*s.Min, 100*s.Max, s.Status), OnLoad,
			match.HaveStatusShare(s.Status.String(), s.Status.Matches, s.Min, s.Max), summary)
	}
	if l := e.Latency; l != nil {
		for _, b := range l.bounds() {
			p, d := b[0].(string), b[1].(Duration)
			add("latency."+p, fmt.Sprintf("a %s latency of at most %s", p, d), OnLoad, match.HaveLatencyAtMost(p, d.D()), summary)
		}
	}
	if e.UnansweredAfter > 0 {
		d := e.UnansweredAfter.D()
		add("unanswered_after", "no request unanswered after "+e.UnansweredAfter.String(), OnLoad, match.LeaveNoneUnansweredAfter(d),
			load(func(r harness.LoadResult) string {
				return fmt.Sprintf("%d of %s unanswered after %s (max %s)", r.Unanswered(d), harness.Plural(r.Requests, "request"), e.UnansweredAfter, harness.Round(r.Latency.Max))
			}))
	}
}

func describeAlive(a any) string {
	if alive, _ := a.(bool); alive {
		return "the gateway still running"
	}
	return "the gateway no longer running"
}

// String is the expectations in one line, as the console shows them.
func (e *Expect) String() string {
	var parts []string
	for _, c := range e.Checks() {
		parts = append(parts, c.expected)
	}
	if r := e.Recovers; r != nil {
		g := ""
		if len(r.GRPCStatus) > 0 {
			g = " and grpc-status " + r.GRPCStatus.String()
		}
		parts = append(parts, fmt.Sprintf("recovers %s%s within %s", r.Status, g, r.Within))
	}
	if e.FaultMet != nil {
		parts = append(parts, metExpected(*e.FaultMet))
	}
	if e.CrossWired != nil {
		parts = append(parts, e.CrossWired.expected())
	}
	return strings.Join(parts, ", ")
}

func metExpected(want bool) string {
	if want {
		return "the fault met"
	}
	return "the fault not met (masked)"
}

// JudgeMet checks the verdict on meeting the fault against the scenario's
// fault_met, or, when it has none, requires the fault met: a fault that
// was not met fails the scenario, one that could not be observed passes
// with its evidence on record. It returns the check, and ok false when it
// failed.
func (e *Expect) JudgeMet(met *harness.FaultMet) (c reports.Check, failure string) {
	observed := met.String()
	if e.FaultMet == nil {
		c = reports.Check{Name: "fault_met", Expected: "the fault met", Observed: observed, Passed: met.Verdict != harness.FaultNotMet}
		if !c.Passed {
			failure = met.Evidence
		}
		return c, failure
	}
	want := *e.FaultMet
	c = reports.Check{Name: "fault_met", Expected: metExpected(want), Observed: observed}
	c.Passed = want && met.Verdict == harness.FaultWasMet || !want && met.Verdict == harness.FaultNotMet
	if !c.Passed {
		failure = fmt.Sprintf("expected %s, observed %s", c.Expected, observed)
	}
	return c, failure
}

// CrossWiredExpect is a scenario's cross_wired: false (no answer
// cross-wired), true (one at least: a finding), or sometimes (either:
// the gateway races, so neither outcome is pinned).
type CrossWiredExpect uint8

const (
	// NoCrossWire forbids a cross-wired answer (cross_wired: false).
	NoCrossWire CrossWiredExpect = iota
	// CrossWire requires one (cross_wired: true).
	CrossWire
	// CrossWireSometimes passes either way (cross_wired: sometimes).
	CrossWireSometimes
)

// crossWiredWant is what a cross_wired may be.
const crossWiredWant = "expected true, false or sometimes (either passes: the gateway races)"

func (c *CrossWiredExpect) decodeNode(dec *decoder, node ast.Node, path string) {
	switch n := node.(type) {
	case *ast.BoolNode:
		*c = NoCrossWire
		if n.Value {
			*c = CrossWire
		}
		return
	case *ast.StringNode:
		if n.Value == "sometimes" {
			*c = CrossWireSometimes
			return
		}
		dec.fail(node, "%s: %s; got %q", path, crossWiredWant, n.Value)
		return
	}
	dec.fail(node, "%s: %s; got %s", path, crossWiredWant, describe(node))
}

// MarshalJSON writes it as a suite does: true, false or "sometimes".
func (c CrossWiredExpect) MarshalJSON() ([]byte, error) {
	switch c {
	case CrossWire:
		return []byte("true"), nil
	case CrossWireSometimes:
		return []byte(`"sometimes"`), nil
	}
	return []byte("false"), nil
}

// crossWiredSchema is the JSON Schema of a cross_wired.
func crossWiredSchema() map[string]any {
	return map[string]any{
		"description": "true (a cross-wired answer, a finding), false (none), or sometimes (either passes: the gateway races)",
		"anyOf": []any{
			map[string]any{"type": "boolean"},
			map[string]any{"type": "string", "enum": []string{"sometimes"}},
		},
	}
}

func (c CrossWiredExpect) expected() string {
	switch c {
	case CrossWire:
		return "a cross-wired answer"
	case CrossWireSometimes:
		return "a cross-wired answer or none (a race)"
	}
	return "no cross-wired answer"
}

// passes reports whether the canary's outcome meets it.
func (c CrossWiredExpect) passes(wired bool) bool {
	switch c {
	case CrossWire:
		return wired
	case CrossWireSometimes:
		return true
	}
	return !wired
}

// CrossWiredAnswers says, for each cross-wired answer among answers (the
// request's, then its follow-ups'), which it was and the canary's verdict:
// "follow-up 1 of 3 cross-wired: ...". None: nil.
func CrossWiredAnswers(answers []harness.Observation) []string {
	var wired []string
	for i, o := range answers {
		if o.CrossWired == nil {
			continue
		}
		which := "the request's answer"
		if i > 0 {
			which = fmt.Sprintf("follow-up %d of %d", i, len(answers)-1)
		}
		wired = append(wired, which+" "+o.CrossWired.String())
	}
	return wired
}

// JudgeCrossWired checks the canary's verdicts on the answers the client
// got under the fault (the request's, then its follow-ups') against the
// scenario's cross_wired, or, when it has none, forbids a cross-wired
// answer. It returns the check, the failure ("" when it passed), and
// whether the check is worth a line in the reports: when the scenario
// sets cross_wired, sent follow-ups, or got a cross-wired answer.
func (e *Expect) JudgeCrossWired(answers []harness.Observation, followUps int) (c reports.Check, failure string, shown bool) {
	wired := CrossWiredAnswers(answers)
	observed := "no cross-wired answer in " + harness.Plural(len(answers), "answer")
	if followUps > 0 {
		observed += fmt.Sprintf(" (the request's and %s)", harness.Plural(followUps, "follow-up"))
	}
	if len(wired) > 0 {
		observed = strings.Join(wired, "; ")
	}
	want := NoCrossWire
	if e.CrossWired != nil {
		want = *e.CrossWired
	}
	c = reports.Check{Name: "cross_wired", Expected: want.expected(), Observed: observed, Passed: want.passes(len(wired) > 0)}
	if !c.Passed {
		failure = fmt.Sprintf("expected %s, observed %s", c.Expected, observed)
	}
	return c, failure, e.CrossWired != nil || followUps > 0 || len(wired) > 0
}
