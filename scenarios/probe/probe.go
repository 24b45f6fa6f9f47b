// Package probe characterises a gateway with no expectations: it injects
// every fault of the catalog into a suite's environment, records what the
// gateway answered (Run), and writes it as a matrix, a regression baseline
// (Baseline) or JSON; compare.go reads probes and run reports back for
// gatecrash compare and the gateway atlas.
package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/steps"
)

// DefaultSuite is the suite `gatecrash probe` takes its gateway and origin
// from when none is named: the builtin gateway with its default timeouts,
// an origin with a plain and a TLS route.
const DefaultSuite = `suite: gatecrash probe
gateway:
  builtin:
    connect_timeout: 1s
    response_timeout: 2s
origin:
  routes:
    - {path: /, status: 200, body: "hello from origin"}
    - {path: /tls/, status: 200, body: "hello from origin over TLS"}
scenarios:
  - {name: probe, fault: refused, expect: {status: 502}}
`

// Result is what the gateway did under one fault, with no
// expectations: its first answer, and Varied when later samples differed.
// Its JSON has exactly the keys fault, status, seconds, attempts,
// valid_http, body_intact and met, plus error when the answer was not
// valid HTTP, and cross_wired for a fault that sends follow-up requests.
// body_intact is null when the body was not judged: the answer was the
// gateway's own (a 502), or no HTTP at all. met is whether the request
// met the fault: met, not_met or unobserved (harness.FaultMet). Varied is
// in the matrix and the progress lines, not in the JSON.
type Result struct {
	Fault      string  `json:"fault"`
	Status     int     `json:"status"`
	Seconds    float64 `json:"seconds"`
	Attempts   int     `json:"attempts"`
	ValidHTTP  bool    `json:"valid_http"`
	BodyIntact *bool   `json:"body_intact"`
	Met        string  `json:"met"`
	Error      string  `json:"error,omitempty"`
	// CrossWired, for a fault whose scenarios send follow-up requests
	// (faults.Definition.FollowUps: the response-desync faults), is
	// whether an answer the client got in any sample, the request's or a
	// follow-up's, was another request's answer or an origin's leftover
	// (harness.CrossWire); nil for the other faults.
	CrossWired *bool `json:"cross_wired,omitempty"`
	// CrossWire says which answer was cross-wired first, and how.
	CrossWire string `json:"-"`
	// Wired is, for each sample (Observation alone when there are no
	// Samples), whether one of its answers was cross-wired; nil when no
	// follow-ups were sent.
	Wired []bool `json:"-"`
	// Varied, when the samples differed, is each distinct answer with how
	// many samples gave it, in the order first seen.
	Varied []string `json:"-"`
	// Shortfall, when set, says why fewer samples were taken than asked.
	Shortfall string `json:"-"`
	// Observation is the first observation, whole; Samples every one,
	// Observation first (none: Observation alone). Request is the request.
	Observation harness.Observation   `json:"-"`
	Samples     []harness.Observation `json:"-"`
	Request     harness.Request       `json:"-"`
	// After is how long after the fault's injection the request was sent.
	After time.Duration `json:"-"`
	// Method is how the fault was made, which instances it hit among them
	// ("all 2 instances"), when there is something to say.
	Method string `json:"-"`
	// Sent is how many requests were sent under the fault for one that
	// met it (a fault on one instance of several), Observation being the
	// first that did, or the last; 1 otherwise.
	Sent int `json:"-"`
}

// Skip is a fault the probe left out, and why.
type Skip struct {
	Fault, Reason string
}

// Options are the settings of a probe.
type Options struct {
	// RequestTimeout bounds each request (default 10s).
	RequestTimeout time.Duration
	// Samples is how many times a fault whose answer came fast (under
	// 300ms) is observed, each time injected anew (default 3); an answer
	// that took a timeout is observed once. A gateway that answers a fault
	// differently from one request to the next, by a race of its own, then
	// shows it rather than leaving a baseline that fails now and then.
	Samples int
	// Progress, when set, gets a line per fault as it is probed.
	Progress io.Writer
	// Faults, when set, are the only faults probed (catalog names, probed
	// in the catalog's order); default: the whole catalog.
	Faults []string
	// After delays each request this long after the fault is injected, so
	// that a gateway's cache (of DNS answers, of connections) has expired
	// and the fault is what it answers; default: at once.
	After time.Duration
	// TempDir is where the environment makes its work dir (default:
	// os.TempDir()).
	TempDir string
}

// DefaultSamples is Options.Samples's default.
const DefaultSamples = 3

// Run injects every fault of the catalog, with its default parameters,
// into the environment of suite s (its gateway, origin and DNS; its
// scenarios are not run) and records what the gateway answered. Faults the
// suite cannot host (several origin instances, a TLS route) are left out,
// with the reason. When ctx ends it returns the faults probed until then
// and ctx's error; the fault it was probing is in neither list.
func Run(ctx context.Context, s *scenarios.Suite, opts Options) ([]Result, []Skip, error) {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.Samples <= 0 {
		opts.Samples = DefaultSamples
	}
	cfg := s.Config()
	cfg.TempDir = opts.TempDir
	// An interrupt cuts a managed gateway's graceful stop short, as in run.
	cfg.Abort = ctx.Done()
	env, err := harness.Start(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("environment for %s did not start: %w", s.File, err)
	}
	defer env.Close()
	var results []Result
	var skipped []Skip
	for _, def := range faults.All() {
		if ctx.Err() != nil {
			return results, skipped, ctx.Err()
		}
		if len(opts.Faults) > 0 && !slices.Contains(opts.Faults, def.Name) {
			continue
		}
		req, after, reason := probeSetup(s, def)
		if reason == "" {
			var r Result
			req.Timeout = opts.RequestTimeout
			if opts.After > 0 {
				after = opts.After
			}
			r, reason = probeFault(ctx, s, env, def, req, after, opts.Samples)
			if ctx.Err() != nil {
				// What the interrupt cut short is not what the gateway did.
				return results, skipped, ctx.Err()
			}
			if reason == "" {
				results = append(results, r)
				if opts.Progress != nil {
					line := r.Observation.String()
					if r.Method != "" {
						line += " [" + r.Method + "]"
					}
					if r.Sent > 1 {
						line += fmt.Sprintf(" [request %d of the injection]", r.Sent)
					}
					if r.CrossWired != nil && *r.CrossWired {
						line += " [" + r.CrossWire + "]"
					}
					fmt.Fprintf(opts.Progress, "probed   %-27s %s\n", def.Name, line)
					if r.Varied != nil {
						fmt.Fprintf(opts.Progress, "         %-27s varied: %s\n", "", strings.Join(r.Varied, "; "))
					}
					if r.Shortfall != "" {
						fmt.Fprintf(opts.Progress, "         %-27s %s\n", "", r.Shortfall)
					}
				}
				continue
			}
		}
		skipped = append(skipped, Skip{def.Name, reason})
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "left out %-27s %s\n", def.Name, reason)
		}
	}
	return results, skipped, nil
}

// LeftOut is the faults of names (catalog names) that suite s cannot
// host, and why: Probe leaves them out without injecting them.
func LeftOut(s *scenarios.Suite, names []string) []Skip {
	var out []Skip
	for _, name := range names {
		if def, ok := faults.Lookup(name); ok {
			if _, _, reason := probeSetup(s, def); reason != "" {
				out = append(out, Skip{name, reason})
			}
		}
	}
	return out
}

// probeSetup is the request to send under fault def (without its
// timeout), or why the suite cannot host the fault: what def.Needs asks of
// a suite (several origin instances, a route to the origin's TLS endpoint)
// and s does not have.
//
// The suite's own first scenario that injects def and does not pin
// fault_met: false, when it has one, tells how its gateway is reached for
// that fault: its method, path, headers and body (a balanced path for
// one_origin_down, the Host header an origin's certificate names for the
// TLS faults) and its request's after (past a resolver's cache). Otherwise
// it is the request of the suite's first scenario of the kind the fault
// needs (def.Needs.Request: a WebSocket, server-sent events, a gRPC call),
// or, when none sends one, the fault is left out; a GET of the suite's TLS
// route for the TLS faults, of its h2c (or else h2tls) route for the HTTP/2
// faults, and of / for the rest, sent at once. A fault whose every scenario in the suite is
// skipped is left out, with the suite's reason (a gateway that cannot be
// pointed at gatecrash's DNS, say).
func probeSetup(s *scenarios.Suite, def faults.Definition) (req harness.Request, after time.Duration, reason string) {
	facts := s.Facts()
	if short := def.Needs.Unmet(facts); short != nil {
		if short.Fix != "" {
			return harness.Request{}, 0, short.Need + ": probe --suite " + short.Fix
		}
		return harness.Request{}, 0, short.Need
	}
	skip, unskipped := "", false
	for _, sc := range s.Scenarios {
		if sc.Fault.Name != def.Name {
			continue
		}
		if sc.Skip != "" {
			skip = cmp.Or(skip, sc.Skip)
			continue
		}
		unskipped = true
		// A scenario that pins fault_met: false shows how the gateway
		// gets around the fault (a cached name, say), not how it meets it.
		if sc.Expect.FaultMet == nil || *sc.Expect.FaultMet {
			req := sc.Request.Harness()
			req.Timeout = 0
			req.Path = cmp.Or(req.Path, "/")
			return req, sc.Request.After.D(), ""
		}
	}
	if skip != "" && !unskipped {
		return harness.Request{}, 0, "the suite skips every scenario of it: " + skip
	}
	if kind := def.Needs.Request; kind != "" {
		// Asked as the suite asks another fault of that kind, or not at
		// all: a plain GET says nothing of a fault in a WebSocket's
		// frames, an event stream or a gRPC call's trailers.
		for _, sc := range s.Scenarios {
			if sc.Skip == "" && requestKind(sc.Request) == kind {
				req := sc.Request.Harness()
				req.Timeout = 0
				req.Path = cmp.Or(req.Path, "/")
				return req, sc.Request.After.D(), ""
			}
		}
		return harness.Request{}, 0, fmt.Sprintf("needs a %s request: probe --suite a suite whose scenarios send one (request.%s)", kindName[kind], kind)
	}
	if def.Needs.TLSRoute {
		return harness.Request{Path: facts.TLSRoute()}, 0, ""
	}
	if def.Needs.H2C {
		return harness.Request{Path: facts.HTTP2Route()}, 0, ""
	}
	return harness.Request{Path: "/"}, 0, ""
}

// requestKind is the kind of request r sends, as faults.Needs.Request
// names it, or "" for a plain one.
func requestKind(r scenarios.RequestSpec) string {
	switch {
	case r.WebSocket != nil:
		return faults.RequestWebSocket
	case r.SSE != nil:
		return faults.RequestSSE
	case r.GRPC != nil:
		return faults.RequestGRPC
	}
	return ""
}

// kindName is a request kind in words.
var kindName = map[string]string{faults.RequestWebSocket: "WebSocket", faults.RequestSSE: "server-sent events", faults.RequestGRPC: "gRPC"}

// baselineRequest is req as a flow mapping of a suite's request: what the
// probe sent (a gRPC call, a WebSocket or an event stream, over h2c or
// not), so that the baseline asks the gateway the same way.
func baselineRequest(req harness.Request, after time.Duration) string {
	var fields []string
	if req.Method != "" {
		fields = append(fields, "method: "+strconv.Quote(req.Method))
	}
	if req.GRPC == nil { // a gRPC call's path is its method
		fields = append(fields, "path: "+strconv.Quote(req.Path))
	}
	if len(req.Headers) > 0 {
		var headers []string
		for _, name := range slices.Sorted(maps.Keys(req.Headers)) {
			headers = append(headers, strconv.Quote(name)+": "+strconv.Quote(req.Headers[name]))
		}
		fields = append(fields, "headers: {"+strings.Join(headers, ", ")+"}")
	}
	if req.Body != "" {
		fields = append(fields, "body: "+strconv.Quote(req.Body))
	}
	if req.H2C {
		fields = append(fields, "h2c: true")
	}
	if g := req.GRPC; g != nil {
		var call []string
		if g.Method != "" {
			call = append(call, "method: "+strconv.Quote(g.Method))
		}
		if g.Message != "" {
			call = append(call, "message: "+strconv.Quote(g.Message))
		}
		if g.Timeout > 0 {
			call = append(call, "timeout: "+g.Timeout.String())
		}
		fields = append(fields, "grpc: {"+strings.Join(call, ", ")+"}")
	}
	if st := req.Stream; st != nil {
		var opts []string
		if st.Kind == harness.StreamWebSocket {
			opts = append(opts, "messages: "+strconv.Itoa(st.Messages))
		}
		if st.ReadFor > 0 {
			opts = append(opts, "read_for: "+st.ReadFor.String())
		}
		fields = append(fields, st.Kind+": {"+strings.Join(opts, ", ")+"}")
	}
	fields = append(fields, "timeout: "+req.Timeout.String())
	if after > 0 {
		fields = append(fields, "after: "+after.String())
	}
	return "{" + strings.Join(fields, ", ") + "}"
}

// probeFault observes the gateway under def: once when the answer took
// 300ms or more, samples times when it came faster. An answer from 300ms
// to confirmBelow is looked at a second time first: when the second comes
// fast, the first was an outlier, and the fault is sampled as a fast one,
// from the second. A later sample that
// cannot be taken (the gateway did not recover) ends the sampling, with
// the reason in Shortfall.
func probeFault(ctx context.Context, s *scenarios.Suite, env *harness.Environment, def faults.Definition, req harness.Request, after time.Duration, samples int) (Result, string) {
	r, reason := probeOne(ctx, s, env, def, req, after)
	if reason == "" && r.Observation.Total >= slowAnswer && r.Observation.Total < confirmBelow && ctx.Err() == nil {
		// Slow, but short of any timeout a gateway is likely to have: a
		// hiccup of the machine, or of the gateway after the previous
		// fault, looks the same. A second look decides, so that a
		// baseline never pins a fast answer's outlier as its timing.
		if again, why := probeOne(ctx, s, env, def, req, after); why == "" && again.Observation.Total < slowAnswer {
			r = again
		}
	}
	if reason != "" || r.Observation.Total >= slowAnswer {
		return r, reason
	}
	r.Samples = []harness.Observation{r.Observation}
	for len(r.Samples) < samples && ctx.Err() == nil {
		again, why := probeOne(ctx, s, env, def, req, after)
		if why != "" {
			// What was observed stands; say why there is less of it.
			r.Shortfall = fmt.Sprintf("sampled %d of %d times: sample %d: %s", len(r.Samples), samples, len(r.Samples)+1, why)
			break
		}
		r.Samples = append(r.Samples, again.Observation)
		if again.Wired != nil {
			r.Wired = append(r.Wired, again.Wired...)
			r.CrossWire = cmp.Or(r.CrossWire, again.CrossWire)
		}
	}
	if r.Wired != nil {
		r.CrossWired = new(slices.Contains(r.Wired, true))
	}
	r.Varied = varied(r.Samples, r.Wired)
	return r, ""
}

// answerOf is what a baseline pins of o: status, validity, whether the
// body was intact or cut (when judged either way) and the attempts (when
// counted).
func answerOf(o harness.Observation) string {
	parts := []string{"no status", "valid HTTP"}
	if o.Status != 0 {
		parts[0] = "status " + strconv.Itoa(o.Status)
	}
	if !o.ValidHTTP() {
		parts[1] = "not valid HTTP"
	}
	switch bodyIntact(o) {
	case "true":
		parts = append(parts, "body intact")
	case "false":
		parts = append(parts, "body cut or changed")
	}
	if o.Uncounted == "" {
		parts = append(parts, harness.Plural(o.Attempts, "attempt"))
	}
	if m := metOf(o); m != "" {
		parts = append(parts, "fault "+strings.ReplaceAll(m, "_", " "))
	}
	return strings.Join(parts, ", ")
}

// varied is each distinct answer of samples with its count, in the order
// first seen, or nil when they all agree. wired, when not nil, says for
// each sample whether one of its answers was cross-wired.
func varied(samples []harness.Observation, wired []bool) []string {
	var answers []string
	count := map[string]int{}
	for i, o := range samples {
		a := answerOf(o)
		if i < len(wired) && wired[i] {
			a += ", cross-wired"
		}
		if count[a] == 0 {
			answers = append(answers, a)
		}
		count[a]++
	}
	if len(answers) < 2 {
		return nil
	}
	for i, a := range answers {
		answers[i] = fmt.Sprintf("%s ×%d", a, count[a])
	}
	return answers
}

// probeOne injects one fault and observes one request during it, sent
// after the given wait: a trial with no expectations, that polls for its
// steady state and settles after the fault clears.
func probeOne(ctx context.Context, s *scenarios.Suite, env *harness.Environment, def faults.Definition, req harness.Request, after time.Duration) (Result, string) {
	t := &steps.Trial{Env: env, Req: req, Fault: def.New(), After: after, PollSteady: true, Settle: true, FollowUps: def.FollowUps}
	if def.Needs.Instances > 1 {
		// A request the gateway balances to another instance gets around
		// the fault: send again, up to twice per instance, for one that
		// meets it.
		t.UntilMet = 2 * max(s.Origin.Instances, def.Needs.Instances)
	}
	res, err := t.Run(ctx)
	var se *steps.Error
	switch {
	case errors.As(err, &se) && se.Step == steps.StepSteady:
		return Result{}, "steady state: before injecting, expected a 2xx or 3xx answer, observed " + s.Redact(*res.Steady).String()
	case err != nil:
		return Result{}, err.Error()
	}
	obs := s.Redact(*res.Observed)
	r := Result{
		Fault:       def.Name,
		Status:      obs.Status,
		Seconds:     math.Round(obs.Total.Seconds()*1000) / 1000,
		Attempts:    obs.Attempts,
		ValidHTTP:   obs.ValidHTTP(),
		BodyIntact:  judged(bodyIntact(obs)),
		Met:         metOf(obs),
		Observation: obs,
		Request:     req,
		After:       after,
		Method:      res.Method,
		Sent:        res.Sent,
	}
	if !r.ValidHTTP {
		r.Error = string(obs.ErrorKind) + ": " + obs.Error
	}
	if def.FollowUps > 0 {
		if wired := scenarios.CrossWiredAnswers(append([]harness.Observation{*res.Observed}, res.FollowUps...)); wired != nil {
			r.CrossWire = wired[0]
		}
		r.Wired = []bool{r.CrossWire != ""}
		r.CrossWired = new(r.CrossWire != "")
	}
	return r, ""
}

// metOf is the verdict on meeting the fault of o, as the probe shows it.
func metOf(o harness.Observation) string {
	if o.FaultMet == nil {
		return ""
	}
	return string(o.FaultMet.Verdict)
}

// Matrix writes the results as a table: fault, status, seconds,
// attempts, valid HTTP, body intact (and the error of an answer that was
// not HTTP), then the faults left out and why.
func Matrix(w io.Writer, results []Result, skipped []Skip) {
	width := len("fault")
	for _, r := range results {
		width = max(width, len(r.Fault))
	}
	yes := map[bool]string{true: "yes", false: "no"}
	intact := func(v *bool) string {
		if v == nil {
			return "-" // not the origin's body, or none
		}
		return yes[*v]
	}
	fmt.Fprintf(w, "%-*s  %6s  %7s  %8s  %-10s  %-11s  %-10s  %s\n", width, "fault", "status", "seconds", "attempts", "valid HTTP", "body intact", "met", "error")
	for _, r := range results {
		status := "-"
		if r.Status != 0 {
			status = strconv.Itoa(r.Status)
		}
		met := map[string]string{"met": "yes", "not_met": "NO", "unobserved": "unobserved", "": "-"}[r.Met]
		fmt.Fprintf(w, "%-*s  %6s  %7.3f  %8d  %-10s  %-11s  %-10s  %s\n", width, r.Fault, status, r.Seconds, r.Attempts,
			yes[r.ValidHTTP], intact(r.BodyIntact), met, r.Error)
		if r.Met == string(harness.FaultNotMet) {
			fmt.Fprintf(w, "%-*s  %s\n", width, "", r.Observation.FaultMet.Evidence)
		}
		if r.CrossWired != nil && *r.CrossWired {
			fmt.Fprintf(w, "%-*s  %s\n", width, "", r.CrossWire)
		}
		if r.Varied != nil {
			fmt.Fprintf(w, "%-*s  varied over %s: %s\n", width, "", harness.Plural(max(len(r.Samples), 1), "sample"), strings.Join(r.Varied, "; "))
		}
		if r.Shortfall != "" {
			fmt.Fprintf(w, "%-*s  %s\n", width, "", r.Shortfall)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\nleft out:\n")
		for _, s := range skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.Fault, s.Reason)
		}
	}
}

// Baseline writes a suite whose expectations are what the probe
// observed, for a team to keep as a regression baseline: the gateway,
// origin and DNS sections of source (the suite file's text) as they were,
// and one scenario per fault probed. The status and validity are pinned as
// observed, the body's integrity when it was judged, the attempts when they
// were counted exactly, and the time with a tolerance derived from it: a
// fast answer within twice its time plus 500ms, a slow one (a timeout
// fired) between 75% of its time and 125% plus 500ms, so a changed timeout
// fails it; one that gatecrash's request timeout ended (no answer) at least
// 75% of its time. When a fault's samples varied, only what they all agreed on
// is pinned, and a comment says how they varied. Several samples (the
// first was fast) are bounded from above only, by the slowest's bound.
func Baseline(w io.Writer, source []byte, name string, results []Result, skipped []Skip) error {
	sections, err := scenarios.TopLevel(source, "gateway", "origin", "dns")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# Written by gatecrash probe: what the gateway did under each fault of the\n")
	fmt.Fprintf(w, "# catalog, with time tolerances derived from what was observed. Keep it\n")
	fmt.Fprintf(w, "# as a regression baseline; edit an expectation to what you want instead.\n")
	for _, s := range skipped {
		fmt.Fprintf(w, "# left out: %s: %s\n", s.Fault, s.Reason)
	}
	fmt.Fprintf(w, "suite: %s\n%s\nscenarios:\n", strconv.Quote(name), sections)
	for _, r := range results {
		samples := r.Samples
		if len(samples) == 0 {
			samples = []harness.Observation{r.Observation}
		}
		if r.Varied != nil {
			fmt.Fprintf(w, "  # The answers varied over %s; only what they agreed on is pinned:\n", harness.Plural(len(samples), "sample"))
			for _, v := range r.Varied {
				fmt.Fprintf(w, "  #   %s\n", v)
			}
		}
		if r.Shortfall != "" {
			fmt.Fprintf(w, "  # %s\n", strings.ReplaceAll(r.Shortfall, "\n", " "))
		}
		fmt.Fprintf(w, "  - name: %s\n    labels: [probe]\n    fault: %s\n", strconv.Quote(r.Fault+" as probed"), r.Fault)
		fmt.Fprintf(w, "    request: %s\n", baselineRequest(r.Request, r.After))
		fmt.Fprintf(w, "    expect:\n")
		if status, ok := agreed(samples, func(o harness.Observation) int { return o.Status }); ok && status != 0 {
			fmt.Fprintf(w, "      status: %d\n", status)
		}
		if valid, ok := agreed(samples, harness.Observation.ValidHTTP); ok {
			fmt.Fprintf(w, "      valid_http: %t\n", valid)
		}
		if intact, ok := agreed(samples, bodyIntact); ok && intact != "" {
			fmt.Fprintf(w, "      body_intact: %s\n", intact)
		}
		// A fault the gateway did not meet is pinned as such, on purpose
		// and said so: a baseline is never a wall of unmet answers.
		if met, ok := agreed(samples, metOf); ok && met == string(harness.FaultNotMet) {
			fmt.Fprintf(w, "      fault_met: false  # %s\n", strings.ReplaceAll(r.Observation.FaultMet.Evidence, "\n", " "))
		}
		if r.Wired != nil {
			switch {
			case !slices.Contains(r.Wired, true):
				fmt.Fprintf(w, "      cross_wired: false\n")
			case !slices.Contains(r.Wired, false):
				fmt.Fprintf(w, "      cross_wired: true  # %s\n", strings.ReplaceAll(r.CrossWire, "\n", " "))
			default:
				fmt.Fprintf(w, "      cross_wired: sometimes  # %d of %s cross-wired\n", count(r.Wired, true), harness.Plural(len(r.Wired), "sample"))
			}
		}
		if attempts, ok := agreed(samples, func(o harness.Observation) int {
			if o.Uncounted != "" {
				return -1
			}
			return o.Attempts
		}); ok && attempts >= 0 {
			if attempts > 1 && slices.ContainsFunc(samples, harness.Observation.TimedOut) {
				// Retried until gatecrash gave up: how many is a matter
				// of its request timeout, not of the gateway.
				fmt.Fprintf(w, "      attempts: {min: 2}  # %d until gatecrash's request timeout ended it\n", attempts)
			} else {
				fmt.Fprintf(w, "      attempts: %d\n", attempts)
			}
		}
		slowest := slices.MaxFunc(samples, func(a, b harness.Observation) int { return cmp.Compare(a.Total, b.Total) })
		lo, hi := tolerance(slowest.Total)
		if len(samples) > 1 {
			lo = 0 // the first sample was fast
		}
		switch {
		case slowest.TimedOut() && len(samples) > 1:
			// Fast, then held until gatecrash gave up: no time to pin.
		case slowest.TimedOut():
			// No answer came: what is known is how long the gateway held
			// the client, not when it would have answered.
			if lo > 0 {
				fmt.Fprintf(w, "      at_least: %s  # gatecrash's request timeout ended it: no answer within it\n", lo)
			}
		case lo > 0:
			fmt.Fprintf(w, "      between: [%s, %s]\n", lo, hi)
		default:
			fmt.Fprintf(w, "      within: %s\n", hi)
		}
	}
	return nil
}

// count is how many of vs are v.
func count[T comparable](vs []T, v T) int {
	n := 0
	for _, x := range vs {
		if x == v {
			n++
		}
	}
	return n
}

// agreed is f of every sample, and whether they all agree on it.
func agreed[T comparable](samples []harness.Observation, f func(harness.Observation) T) (T, bool) {
	first := f(samples[0])
	for _, o := range samples[1:] {
		if f(o) != first {
			return first, false
		}
	}
	return first, true
}

// judged is a bodyIntact verdict as a JSON value: nil when not judged.
func judged(intact string) *bool {
	if intact == "" {
		return nil
	}
	v := intact == "true"
	return &v
}

// bodyIntact is what a baseline pins of o's body: "true" when intact,
// "false" when cut or changed, in its bytes or its framing (reframed), ""
// when not judged either way (the gateway's own answer, or none).
func bodyIntact(o harness.Observation) string {
	if o.Integrity == nil {
		return ""
	}
	switch o.Integrity.Verdict {
	case harness.BodyIntact:
		return "true"
	case harness.BodyTruncated, harness.BodyAltered, harness.BodyReframed:
		return "false"
	}
	return ""
}

// slowAnswer is the time from which an answer is taken for a timeout that
// fired, and bounded from below too.
const slowAnswer = 300 * time.Millisecond

// confirmBelow bounds the slow answers the probe looks at twice (see
// probeFault): from slowAnswer to this, an answer may be a fast one's
// outlier; past it, a timeout fired.
const confirmBelow = time.Second

// tolerance bounds an observed time t: up to 2t+500ms when t is fast (lo
// 0), [0.75t, 1.25t+500ms] when a timeout fired; rounded out to 100ms.
func tolerance(t time.Duration) (lo, hi time.Duration) {
	const step = 100 * time.Millisecond
	if t < slowAnswer {
		return 0, (2*t + 500*time.Millisecond + step - 1).Truncate(step)
	}
	return (t * 3 / 4).Truncate(step), (t*5/4 + 500*time.Millisecond + step - 1).Truncate(step)
}

// ReadSource is the text of the suite file a probe takes its gateway
// from, or DefaultSuite for "".
func ReadSource(path string) ([]byte, error) {
	if path == "" {
		return []byte(DefaultSuite), nil
	}
	return scenarios.ReadSource(path)
}
