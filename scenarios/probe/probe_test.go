package probe_test

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/probe"
)

var _ = Describe("a probe baseline", func() {
	It("keeps the suite's gateway, origin and DNS as written, with their anchors, and loads", func() {
		source := `suite: mine
x-timeouts: &timeouts {connect_timeout: 1s, response_timeout: 2s}
origin:
  routes:
    - {path: /, status: 200, body: hello}
gateway:
  builtin: *timeouts
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`
		obs := harness.Observation{Status: 502, Total: 5 * time.Millisecond}
		results := []probe.Result{{Fault: "refused", Status: 502, Seconds: 0.005, ValidHTTP: true,
			Observation: obs, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}}
		skipped := []probe.Skip{{Fault: "one_origin_down", Reason: "needs several origin instances"}}
		var b strings.Builder
		Expect(probe.Baseline(&b, []byte(source), "probe baseline: builtin", results, skipped)).To(Succeed())
		out := b.String()
		Expect(out).To(ContainSubstring("# left out: one_origin_down: needs several origin instances"))
		Expect(strings.Index(out, "x-timeouts:")).To(BeNumerically("<", strings.Index(out, "gateway:")), "the anchor before its alias")

		s, err := scenarios.Parse("baseline.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(s.Name).To(Equal("probe baseline: builtin"))
		Expect(s.Gateway.Builtin.ResponseTimeout).To(Equal(scenarios.Duration(2 * time.Second)))
		Expect(s.Origin.Routes).To(HaveLen(1))
		Expect(s.Scenarios).To(HaveLen(1))
		sc := s.Scenarios[0]
		Expect(sc.Name).To(Equal("refused as probed"))
		Expect(sc.Expect.String()).To(Equal("status 502, within 600ms, a valid HTTP answer, 0 attempts at the origin"))
	})
})

var _ = Describe("a probe baseline of a request gatecrash gave up on", func() {
	It("pins how long the gateway held the client, never an answer's time", func() {
		source := "suite: mine\ngateway: {builtin: {}}\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n"
		gaveUp := harness.Observation{ErrorKind: harness.ErrTimeout, Total: 10 * time.Second, Timeout: 10 * time.Second, Attempts: 1,
			Error: "gatecrash gave up after its request timeout of 10s; the gateway had sent nothing"}
		results := []probe.Result{{Fault: "body_stall", Seconds: 10, Attempts: 1,
			Observation: gaveUp, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}}
		var b strings.Builder
		Expect(probe.Baseline(&b, []byte(source), "baseline", results, nil)).To(Succeed())
		out := b.String()
		Expect(out).To(ContainSubstring("      at_least: 7.5s  # gatecrash's request timeout ended it: no answer within it\n"))
		Expect(out).NotTo(ContainSubstring("between:"))
		Expect(out).NotTo(ContainSubstring("within:"))
		s, err := scenarios.Parse("baseline.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(s.Scenarios[0].Expect.String()).To(ContainSubstring("at least 7.5s"))
		Expect(out).To(ContainSubstring("      attempts: 1\n"), "one attempt, held: the gateway's doing")
	})

	It("pins a gateway that retried until then as retrying, not its count", func() {
		source := "suite: mine\ngateway: {builtin: {}}\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n"
		gaveUp := harness.Observation{ErrorKind: harness.ErrTimeout, Total: 10 * time.Second, Timeout: 10 * time.Second, Attempts: 26025,
			Error: "gatecrash gave up after its request timeout of 10s; the gateway had sent nothing"}
		results := []probe.Result{{Fault: "refused", Seconds: 10, Attempts: 26025,
			Observation: gaveUp, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}}
		var b strings.Builder
		Expect(probe.Baseline(&b, []byte(source), "baseline", results, nil)).To(Succeed())
		out := b.String()
		Expect(out).To(ContainSubstring("      attempts: {min: 2}  # 26025 until gatecrash's request timeout ended it\n"))
		_, err := scenarios.Parse("baseline.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred(), out)
	})
})

var _ = Describe("a probe whose samples varied", func() {
	source := `suite: mine
gateway: {builtin: {}}
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`
	noAnswer := harness.Observation{Total: 2 * time.Millisecond, ErrorKind: harness.ErrEmptyReply, Error: "unexpected EOF",
		Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyNoAnswer}}
	cut := harness.Observation{Status: 200, Total: 300 * time.Millisecond, ErrorKind: harness.ErrTruncated, Error: "unexpected EOF",
		Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyTruncated}}
	result := probe.Result{Fault: "invalid_chunk_size", Seconds: 0.002, Attempts: 1,
		Error:       "empty_reply: unexpected EOF",
		Varied:      []string{"no status, not valid HTTP, 1 attempt ×2", "status 200, not valid HTTP, body cut or changed, 1 attempt ×1"},
		Observation: noAnswer, Samples: []harness.Observation{noAnswer, cut, noAnswer},
		Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}

	It("pins in the baseline only what every sample agreed on, with the time of the slowest, and says how they varied", func() {
		var b strings.Builder
		Expect(probe.Baseline(&b, []byte(source), "baseline", []probe.Result{result}, nil)).To(Succeed())
		out := b.String()
		Expect(out).To(ContainSubstring("  # The answers varied over 3 samples; only what they agreed on is pinned:\n" +
			"  #   no status, not valid HTTP, 1 attempt ×2\n"))
		s, err := scenarios.Parse("baseline.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred(), out)
		// Not the status nor the body; no lower bound on the time, for the
		// fast samples, and the upper one of the 300ms sample.
		Expect(s.Scenarios[0].Expect.String()).To(Equal("within 900ms, no valid HTTP answer, 1 attempt at the origin"))
	})

	It("prints the variation under the fault's row; the JSON keeps exactly its keys", func() {
		var b strings.Builder
		probe.Matrix(&b, []probe.Result{result}, nil)
		Expect(b.String()).To(ContainSubstring("\n                    varied over 3 samples: no status, not valid HTTP, 1 attempt ×2; status 200, not valid HTTP, body cut or changed, 1 attempt ×1\n"))
		data, err := json.Marshal(result)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(MatchJSON(`{"fault": "invalid_chunk_size", "status": 0, "seconds": 0.002, "attempts": 1,
			"valid_http": false, "body_intact": null, "met": "", "error": "empty_reply: unexpected EOF"}`))
	})
})

var _ = Describe("a probe that took fewer samples than asked", func() {
	It("keeps what it observed, and says why in the matrix and the baseline", func() {
		obs := harness.Observation{Status: 502, Total: 3 * time.Millisecond, Attempts: 1}
		result := probe.Result{Fault: "refused", Status: 502, Seconds: 0.003, Attempts: 1, ValidHTTP: true,
			Shortfall:   "sampled 1 of 3 times: sample 2: steady state: before injecting, expected a 2xx or 3xx answer, observed status 502",
			Observation: obs, Samples: []harness.Observation{obs}, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}
		var b strings.Builder
		probe.Matrix(&b, []probe.Result{result}, nil)
		Expect(b.String()).To(ContainSubstring("\n         sampled 1 of 3 times: sample 2: steady state: "))
		b.Reset()
		Expect(probe.Baseline(&b, []byte("gateway: {builtin: {}}\n"), "baseline", []probe.Result{result}, nil)).To(Succeed())
		Expect(b.String()).To(ContainSubstring("  # sampled 1 of 3 times: sample 2: steady state: "))
		s, err := scenarios.Parse("baseline.yaml", []byte(b.String()))
		Expect(err).NotTo(HaveOccurred(), b.String())
		Expect(s.Scenarios[0].Expect.String()).To(Equal("status 502, within 600ms, a valid HTTP answer, 1 attempt at the origin"))
	})
})

var _ = Describe("a probe of a fault the gateway did not meet", func() {
	It("shows it in the matrix and pins it as masked in the baseline, with the evidence", func() {
		met := &harness.FaultMet{Verdict: harness.FaultNotMet, Evidence: "the fault was never met: no DNS query for origin.gatecrash.test was made during the fault: the gateway used an address it had cached"}
		obs := harness.Observation{Status: 200, Total: 3 * time.Millisecond, Attempts: 1, FaultMet: met}
		result := probe.Result{Fault: "nxdomain", Status: 200, Seconds: 0.003, Attempts: 1, ValidHTTP: true, Met: "not_met",
			Observation: obs, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}
		var b strings.Builder
		probe.Matrix(&b, []probe.Result{result}, nil)
		Expect(b.String()).To(ContainSubstring("met"))
		Expect(b.String()).To(MatchRegexp(`nxdomain\s+200\s+0\.003\s+1\s+yes\s+-\s+NO`))
		Expect(b.String()).To(ContainSubstring(met.Evidence))
		b.Reset()
		Expect(probe.Baseline(&b, []byte("gateway: {builtin: {}}\n"), "baseline", []probe.Result{result}, nil)).To(Succeed())
		Expect(b.String()).To(ContainSubstring("      fault_met: false  # the fault was never met: no DNS query"))
		s, err := scenarios.Parse("baseline.yaml", []byte(b.String()))
		Expect(err).NotTo(HaveOccurred(), b.String())
		Expect(*s.Scenarios[0].Expect.FaultMet).To(BeFalse())
	})
})

var _ = Describe("the faults a probe leaves out", func() {
	// Exactly those whose declared needs (faults.Definition.Needs) the
	// suite does not meet: probe knows no fault by name.
	leftOut := func(source string) []string {
		s, err := scenarios.Parse("p.yaml", []byte(source))
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, skip := range probe.LeftOut(s, faults.Names()) {
			Expect(skip.Reason).To(HavePrefix("needs "), skip.Fault)
			names = append(names, skip.Fault)
		}
		return names
	}
	needing := func(f func(faults.Needs) bool) []string {
		var names []string
		for _, name := range faults.Names() {
			if d, _ := faults.Lookup(name); f(d.Needs) {
				names = append(names, name)
			}
		}
		return names
	}

	It("are none for a suite with a TLS route, an h2c route, several origins, and scenarios that open a WebSocket, an event stream and a gRPC call", func() {
		Expect(leftOut(`origin:
  instances: 2
  h2c: true
  routes: [{path: /, status: 200}, {path: /tls/, status: 200}, {path: /h2c/, status: 200}]
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
  - {name: w, fault: none, request: {path: /ws/, websocket: {}}, expect: {status: 101}}
  - {name: e, fault: none, request: {path: /sse/, sse: {}}, expect: {status: 200}}
  - {name: g, fault: none, request: {grpc: {}}, expect: {grpc_status: OK}}
`)).To(BeEmpty())
	})

	It("are those needing a kind of request for a suite whose scenarios send none", func() {
		kinds := needing(func(n faults.Needs) bool { return n.Request != "" })
		Expect(kinds).NotTo(BeEmpty())
		Expect(leftOut(`origin:
  instances: 2
  h2c: true
  routes: [{path: /, status: 200}, {path: /tls/, status: 200}, {path: /h2c/, status: 200}]
scenarios: [{name: a, fault: refused, expect: {status: 502}}]
`)).To(ConsistOf(kinds))
	})

	It("are those needing the h2c endpoint for a suite without it, or without a route to it", func() {
		h2 := needing(func(n faults.Needs) bool { return n.H2C || n.Request != "" })
		Expect(h2).NotTo(BeEmpty())
		Expect(leftOut(`origin:
  instances: 2
  routes: [{path: /, status: 200}, {path: /tls/, status: 200}]
scenarios: [{name: a, fault: refused, expect: {status: 502}}]
`)).To(ConsistOf(h2))
		Expect(leftOut(`origin:
  instances: 2
  h2c: true
  routes: [{path: /, status: 200}, {path: /tls/, status: 200}]
scenarios: [{name: a, fault: refused, expect: {status: 502}}]
`)).To(ConsistOf(h2))
	})

	It("are those needing several origins for DefaultSuite, with how to probe them", func() {
		s, err := scenarios.Parse("p.yaml", []byte(probe.DefaultSuite))
		Expect(err).NotTo(HaveOccurred())
		skipped := probe.LeftOut(s, faults.Names())
		Expect(skipped).To(HaveLen(len(needing(func(n faults.Needs) bool { return n.Instances > 1 || n.H2C || n.Request != "" }))))
		Expect(skipped).To(ContainElement(probe.Skip{Fault: "one_origin_down",
			Reason: "needs several origin instances: probe --suite a suite with origin.instances: 2 or more"}))
	})

	It("are those needing a TLS route for a suite without one", func() {
		Expect(leftOut(`origin:
  instances: 2
  h2c: true
  routes: [{path: /, status: 200}, {path: /h2c/, status: 200}]
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
  - {name: w, fault: none, request: {path: /ws/, websocket: {}}, expect: {status: 101}}
  - {name: e, fault: none, request: {path: /sse/, sse: {}}, expect: {status: 200}}
  - {name: g, fault: none, request: {grpc: {}}, expect: {grpc_status: OK}}
`)).To(ConsistOf(needing(func(n faults.Needs) bool { return n.TLSRoute })))
	})
})

var _ = Describe("a probe of a fault that sends follow-up requests", func() {
	source := "suite: mine\ngateway: {builtin: {keepalive: true}}\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n"
	baseline := func(wired ...bool) (string, *scenarios.Scenario) {
		ok := harness.Observation{Status: 200, Total: 2 * time.Millisecond, Attempts: 1}
		samples := make([]harness.Observation, len(wired))
		for i := range samples {
			samples[i] = ok
		}
		results := []probe.Result{{Fault: "desync_extra_answer", Status: 200, Seconds: 0.002, ValidHTTP: true, Attempts: 1,
			Observation: ok, Samples: samples, Wired: wired, CrossWired: new(slices.Contains(wired, true)),
			CrossWire: "follow-up 1 of 3 cross-wired: the answer is request r-2's",
			Request:   harness.Request{Path: "/", Timeout: 10 * time.Second}}}
		var b strings.Builder
		Expect(probe.Baseline(&b, []byte(source), "baseline", results, nil)).To(Succeed())
		s, err := scenarios.Parse("baseline.yaml", []byte(b.String()))
		Expect(err).NotTo(HaveOccurred(), b.String())
		return b.String(), &s.Scenarios[0]
	}

	It("pins cross_wired as every sample saw it, or sometimes when they varied", func() {
		out, sc := baseline(false, false, false)
		Expect(out).To(ContainSubstring("      cross_wired: false\n"))
		Expect(*sc.Expect.CrossWired).To(Equal(scenarios.NoCrossWire))
		out, sc = baseline(true, true, true)
		Expect(out).To(ContainSubstring("      cross_wired: true  # follow-up 1 of 3 cross-wired: the answer is request r-2's\n"))
		Expect(*sc.Expect.CrossWired).To(Equal(scenarios.CrossWire))
		out, sc = baseline(false, true, false)
		Expect(out).To(ContainSubstring("      cross_wired: sometimes  # 1 of 3 samples cross-wired\n"))
		Expect(*sc.Expect.CrossWired).To(Equal(scenarios.CrossWireSometimes))
	})

	It("sends them through the gateway, and catches the pooled connection's answer handed to the next request", func(ctx SpecContext) {
		s, err := scenarios.Parse("pooled.yaml", []byte(source))
		Expect(err).NotTo(HaveOccurred())
		results, skipped, err := probe.Run(ctx, s, probe.Options{Faults: []string{"desync_extra_answer", "refused"}, Samples: 1, TempDir: GinkgoT().TempDir()})
		Expect(err).NotTo(HaveOccurred())
		Expect(skipped).To(BeEmpty())
		Expect(results).To(HaveLen(2))
		byFault := map[string]probe.Result{}
		for _, r := range results {
			byFault[r.Fault] = r
		}
		Expect(byFault["refused"].CrossWired).To(BeNil(), "no follow-ups for a fault that asks for none")
		extra := byFault["desync_extra_answer"]
		Expect(extra.CrossWired).To(HaveValue(BeTrue()), "the extra answer, 250ms behind its answer, is the first follow-up's on the pooled connection")
		Expect(extra.CrossWire).To(MatchRegexp(`^follow-up \d of 3 cross-wired: the answer is the bytes the origin sent after its answer to request \S+`))
		data, err := json.Marshal(extra)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"cross_wired":true`))
		var m strings.Builder
		probe.Matrix(&m, results, nil)
		Expect(m.String()).To(ContainSubstring(extra.CrossWire))
	}, SpecTimeout(time.Minute))
})
