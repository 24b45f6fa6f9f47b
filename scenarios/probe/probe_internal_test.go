package probe

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
)

func TestVaried(t *testing.T) {
	ok := harness.Observation{Status: 200, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyIntact}}
	slow := ok
	slow.Total = 250e6 // the time alone is no variation
	noAnswer := harness.Observation{ErrorKind: harness.ErrEmptyReply, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyNoAnswer}}
	reset := noAnswer
	reset.ErrorKind = harness.ErrReset // pinned alike: no valid HTTP
	cut := harness.Observation{Status: 200, ErrorKind: harness.ErrTruncated, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyTruncated}}
	altered := cut
	altered.Integrity = &harness.Integrity{Verdict: harness.BodyAltered} // pinned alike: body_intact false
	wrapped := ok
	wrapped.Integrity = &harness.Integrity{Verdict: harness.BodyReframed} // the origin's bytes under the gateway's head
	replaced := ok
	replaced.Integrity = &harness.Integrity{Verdict: harness.BodyReplaced} // the gateway's own: not judged
	retried := ok
	retried.Attempts = 2
	uncounted := ok
	uncounted.Uncounted = "nothing accepts those connects"
	for _, c := range []struct {
		name    string
		samples []harness.Observation
		wired   []bool
		want    []string
	}{
		{"one sample", []harness.Observation{noAnswer}, nil, nil},
		{"all alike", []harness.Observation{ok, slow, ok}, nil, nil},
		{"what a baseline cannot tell apart", []harness.Observation{noAnswer, reset, noAnswer}, nil, nil},
		{"cut or changed", []harness.Observation{cut, altered}, nil, nil},
		{"status and body", []harness.Observation{noAnswer, ok, noAnswer}, nil, []string{
			"no status, not valid HTTP, 1 attempt ×2",
			"status 200, valid HTTP, body intact, 1 attempt ×1",
		}},
		{"reframed or not", []harness.Observation{ok, wrapped, replaced}, nil, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body cut or changed, 1 attempt ×1",
			"status 200, valid HTTP, 1 attempt ×1",
		}},
		{"cut or not", []harness.Observation{ok, cut}, nil, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, not valid HTTP, body cut or changed, 1 attempt ×1",
		}},
		{"attempts", []harness.Observation{ok, retried, retried}, nil, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body intact, 2 attempts ×2",
		}},
		{"counted or not", []harness.Observation{ok, uncounted}, nil, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body intact ×1",
		}},
		{"cross-wired in one sample of three", []harness.Observation{ok, ok, ok}, []bool{false, true, false}, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×2",
			"status 200, valid HTTP, body intact, 1 attempt, cross-wired ×1",
		}},
		{"cross-wired in every sample", []harness.Observation{ok, ok}, []bool{true, true}, nil},
	} {
		if got := varied(c.samples, c.wired); !slices.Equal(got, c.want) {
			t.Errorf("%s: varied = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestProbeSetupAsksAsTheSuiteDoes(t *testing.T) {
	s, err := scenarios.Parse("suite.yaml", []byte(`suite: s
gateway: {builtin: {}}
origin:
  instances: 2
  routes:
    - {path: /, status: 200}
    - {path: /tls/, status: 200}
    - {path: /balanced/, status: 200}
scenarios:
  - {name: skipped, fault: refused, request: {path: /skipped/}, skip: not here, expect: {status: 502}}
  - {name: refused, fault: refused, request: {path: /x/, method: POST, body: hi}, expect: {status: 502}}
  - {name: tls, fault: tls_expired, request: {path: /tls/, headers: {Host: origin.gatecrash.test}}, expect: {status: 502}}
  - {name: second tls, fault: tls_expired, request: {path: /other/}, expect: {status: 502}}
  - {name: balanced, fault: {one_origin_down: {instance: 2}}, request: {path: /balanced/}, expect: {status: 200}}
  - {name: no path, fault: hang, request: {headers: {X-Team: a}}, expect: {status: 504}}
  - {name: masked, fault: nxdomain, request: {path: /cached/}, expect: {status: 200, fault_met: false}}
  - {name: expired, fault: nxdomain, request: {path: /fresh/, after: 2500ms}, expect: {status: 502, fault_met: true}}
  - {name: masked only, fault: servfail, request: {path: /cached/}, expect: {status: 200, fault_met: false}}
  - {name: no DNS here, fault: slow_dns, skip: cannot use the fake DNS, expect: {status: 200}}
  - {name: no DNS here either, fault: slow_dns, skip: not this one, expect: {status: 200}}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fault string
		want  harness.Request
		after time.Duration
	}{
		{"refused", harness.Request{Method: "POST", Path: "/x/", Body: "hi"}, 0},
		{"tls_expired", harness.Request{Path: "/tls/", Headers: map[string]string{"Host": "origin.gatecrash.test"}}, 0},
		{"one_origin_down", harness.Request{Path: "/balanced/"}, 0},
		{"hang", harness.Request{Path: "/", Headers: map[string]string{"X-Team": "a"}}, 0},
		{"tls_wrong_host", harness.Request{Path: "/tls/"}, 0},
		{"garbage", harness.Request{Path: "/"}, 0},
		{"nxdomain", harness.Request{Path: "/fresh/"}, 2500 * time.Millisecond},
		{"servfail", harness.Request{Path: "/"}, 0},
	} {
		def, ok := faults.Lookup(c.fault)
		if !ok {
			t.Fatalf("no fault %s", c.fault)
		}
		got, after, reason := probeSetup(s, def)
		if reason != "" {
			t.Errorf("%s: left out: %s", c.fault, reason)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || after != c.after {
			t.Errorf("%s: request %+v after %s, want %+v after %s", c.fault, got, after, c.want, c.after)
		}
	}
	def, _ := faults.Lookup("slow_dns")
	if _, _, reason := probeSetup(s, def); reason != "the suite skips every scenario of it: cannot use the fake DNS" {
		t.Errorf("slow_dns, every scenario skipped: left out %q", reason)
	}
}

func TestBaselineRequest(t *testing.T) {
	for _, c := range []struct {
		req   harness.Request
		after time.Duration
		want  string
	}{
		{harness.Request{Path: "/", Timeout: 10 * time.Second}, 0, `{path: "/", timeout: 10s}`},
		{harness.Request{Path: "/tls/", Timeout: time.Second, Headers: map[string]string{"Host": "o.test", "A": `q"`}}, 2 * time.Second,
			`{path: "/tls/", headers: {"A": "q\"", "Host": "o.test"}, timeout: 1s, after: 2s}`},
		{harness.Request{Method: "POST", Path: "/x", Body: "a\nb", Timeout: time.Second}, 0, `{method: "POST", path: "/x", body: "a\nb", timeout: 1s}`},
		{harness.Request{Path: "/h2c/", H2C: true, Timeout: time.Second}, 0, `{path: "/h2c/", h2c: true, timeout: 1s}`},
		{harness.Request{GRPC: &harness.GRPCRequest{Method: "/a.B/C", Message: "ping", Timeout: time.Second}, Timeout: 5 * time.Second}, 0,
			`{grpc: {method: "/a.B/C", message: "ping", timeout: 1s}, timeout: 5s}`},
		{harness.Request{GRPC: &harness.GRPCRequest{}, Timeout: 5 * time.Second}, 0, `{grpc: {}, timeout: 5s}`},
		{harness.Request{Path: "/ws/", Stream: &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: 2, ReadFor: 1500 * time.Millisecond}, Timeout: 5 * time.Second}, 0,
			`{path: "/ws/", websocket: {messages: 2, read_for: 1.5s}, timeout: 5s}`},
		{harness.Request{Path: "/ws/", Stream: &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: 0}, Timeout: 5 * time.Second}, 0,
			`{path: "/ws/", websocket: {messages: 0}, timeout: 5s}`},
		{harness.Request{Path: "/sse/", Stream: &harness.StreamRequest{Kind: harness.StreamSSE}, Timeout: 5 * time.Second}, 0,
			`{path: "/sse/", sse: {}, timeout: 5s}`},
	} {
		got := baselineRequest(c.req, c.after)
		if got != c.want {
			t.Errorf("baselineRequest(%+v) = %s, want %s", c.req, got, c.want)
		}
		// A baseline asks as the probe did.
		s, err := scenarios.Parse("baseline.yaml", []byte("suite: b\ngateway: {builtin: {}}\nscenarios:\n  - {name: a, fault: refused, request: "+got+", expect: {status: 502}}\n"))
		if err != nil {
			t.Errorf("%s does not load: %v", got, err)
			continue
		}
		if sc := s.Scenarios[0]; !reflect.DeepEqual(sc.Request.Harness(), c.req) || sc.Request.After.D() != c.after {
			t.Errorf("%s loads as %+v after %s", got, sc.Request.Harness(), sc.Request.After.D())
		}
	}
}

// TestProbeSetupSendsTheKindAFaultNeeds: a stream or gRPC fault is asked
// with the request of the suite's own scenario of it, else with that of
// another scenario of the kind it needs, else left out; never as a plain
// GET.
func TestProbeSetupSendsTheKindAFaultNeeds(t *testing.T) {
	s, err := scenarios.Parse("suite.yaml", []byte(`suite: s
gateway: {builtin: {}}
origin: {h2c: true, routes: [{path: /, status: 200}, {path: /h2c/, status: 200}]}
scenarios:
  - {name: skipped, fault: none, request: {path: /sse/, sse: {}}, skip: not here, expect: {status: 200}}
  - {name: echo, fault: none, request: {path: /chat/, websocket: {messages: 2, read_for: 1s}}, expect: {status: 101}}
  - {name: stall, fault: ws_stall, request: {path: /ws/, websocket: {messages: 1}}, expect: {status: 101}}
  - {name: call, fault: none, request: {grpc: {message: hi}}, expect: {grpc_status: OK}}
`))
	if err != nil {
		t.Fatal(err)
	}
	ws := func(path string, messages int, readFor time.Duration) harness.Request {
		return harness.Request{Path: path, Stream: &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: messages, ReadFor: readFor}}
	}
	for _, c := range []struct {
		fault  string
		want   harness.Request
		reason string
	}{
		{"ws_stall", ws("/ws/", 1, 0), ""},
		{"ws_no_switch", ws("/chat/", 2, time.Second), ""},
		{"grpc_status", harness.Request{Path: "/", GRPC: &harness.GRPCRequest{Message: "hi"}}, ""},
		{"sse_stall", harness.Request{}, "needs a server-sent events request: probe --suite a suite whose scenarios send one (request.sse)"},
		{"refused", harness.Request{Path: "/"}, ""},
	} {
		def, _ := faults.Lookup(c.fault)
		got, _, reason := probeSetup(s, def)
		if reason != c.reason || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: request %+v, left out %q; want %+v, %q", c.fault, got, reason, c.want, c.reason)
		}
	}
}
