package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("a gRPC call and the expectations on it", func() {
	It("decodes request.grpc, grpc_status by name, number or none, grpc_message and recovers.grpc_status", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(`
suite: grpc
origin: {h2c: true, routes: [{path: /h2c/}]}
scenarios:
  - name: one
    fault: grpc_status
    request: {grpc: {method: /shop.Cart/Add, message: "ping", timeout: 500ms}, timeout: 5s}
    expect:
      status: 200
      grpc_status: [unavailable, 4, none]
      grpc_message: "100% down"
      recovers: {grpc_status: OK, within: 2s}
  - name: two
    fault: grpc_trailers_only
    request: {grpc: {}}
    expect: {grpc_status: UNAVAILABLE}
`))
		Expect(err).NotTo(HaveOccurred())
		sc := s.Scenarios[0]
		req := sc.Request.Harness()
		Expect(req.GRPC).To(Equal(&harness.GRPCRequest{Method: "/shop.Cart/Add", Message: "ping", Timeout: 500 * time.Millisecond}))
		Expect(req.Timeout).To(Equal(5 * time.Second))
		Expect(s.Scenarios[1].Request.Harness().GRPC).To(Equal(&harness.GRPCRequest{}), "every field defaults")
		e := sc.Expect
		Expect(e.GRPCStatus).To(Equal(scenarios.GRPCStatusSet{14, 4, -1}))
		Expect(e.String()).To(Equal(`status 200, grpc-status [UNAVAILABLE, DEADLINE_EXCEEDED, none], grpc-message "100% down", recovers 200 and grpc-status OK within 2s`))

		// Judged on observations, expected against observed.
		judge := func(o harness.Observation) (failures []string, checks []reports.Check) {
			rec := &reports.Scenario{}
			failures = e.Checks().Judge(scenarios.OnRequest, o, rec)
			return failures, rec.Checks
		}
		unavailable := harness.Observation{Status: 200, Total: time.Millisecond, GRPC: &harness.GRPCObservation{Status: 14, Message: "100% down", Where: "trailers"}}
		failures, checks := judge(unavailable)
		Expect(failures).To(BeEmpty())
		Expect(checks).To(ContainElement(reports.Check{Name: "grpc_status", Expected: "grpc-status [UNAVAILABLE, DEADLINE_EXCEEDED, none]",
			Observed: `grpc-status UNAVAILABLE (14) "100% down" in trailers, 0 messages; status 200 in 1ms`, Passed: true}))
		ok := harness.Observation{Status: 200, Total: time.Millisecond, GRPC: &harness.GRPCObservation{Status: 0, Where: "trailers", Messages: 1}}
		failures, _ = judge(ok)
		Expect(failures).To(ConsistOf(
			"expected grpc-status [UNAVAILABLE, DEADLINE_EXCEEDED, none], observed grpc-status OK (0) in trailers, 1 message; status 200 in 1ms",
			`expected grpc-message "100% down", observed grpc-status OK (0) in trailers, 1 message; status 200 in 1ms`,
		))
		page := harness.Observation{Status: 502, Total: time.Millisecond, GRPC: &harness.GRPCObservation{Status: -1, NotGRPC: "text/plain"}}
		failures, _ = judge(page)
		Expect(failures).To(ConsistOf(
			"expected status 200, observed status 502 in 1ms",
			`expected grpc-message "100% down", observed no grpc-status, not a gRPC answer (content-type "text/plain"); status 502 in 1ms`,
		), "none matches an answer without grpc-status")
		failures, _ = judge(harness.Observation{Status: 200, Total: time.Millisecond})
		Expect(failures).To(HaveLen(2), "a request that was no gRPC call matches no gRPC expectation")
	})

	DescribeTable("refuses what a gRPC call cannot be, at its line and column",
		func(scenario, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte("suite: t\norigin: {h2c: true, routes: [{path: /h2c/}]}\nscenarios:\n"+scenario))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("an unknown code name", "  - {name: a, fault: none, request: {grpc: {}}, expect: {grpc_status: UNAVAILABEL}}",
			`bad.yaml:4:71: scenarios[0].expect.grpc_status: expected a gRPC status code, by name (such as UNAVAILABLE) or number (0 to 16), none for an answer without grpc-status, or a list of them; got "UNAVAILABEL"`),
		Entry("a code past 16", "  - {name: a, fault: none, request: {grpc: {}}, expect: {grpc_status: [0, 17]}}",
			`bad.yaml:4:75: scenarios[0].expect.grpc_status: expected a gRPC status code, by name (such as UNAVAILABLE) or number (0 to 16), none for an answer without grpc-status, or a list of them; got "17"`),
		Entry("a mapping", "  - {name: a, fault: none, request: {grpc: {}}, expect: {grpc_status: {code: 14}}}",
			`scenarios[0].expect.grpc_status: expected a gRPC status code`),
		Entry("grpc_status on a plain request", "  - {name: a, fault: none, expect: {grpc_status: OK}}",
			`bad.yaml:4:50: scenarios[0].expect.grpc_status: judges a gRPC call: add request: {grpc: {method: /gatecrash.Echo/Call}} to the scenario`),
		Entry("recovers.grpc_status on a plain request", "  - {name: a, fault: refused, expect: {status: 502, recovers: {within: 2s, grpc_status: OK}}}",
			`scenarios[0].expect.recovers.grpc_status: judges a gRPC call`),
		Entry("a method beside grpc", "  - {name: a, fault: none, request: {method: GET, grpc: {}}, expect: {status: 200}}",
			`bad.yaml:4:46: scenarios[0].request.method: a gRPC call is a POST; expected no method beside request.grpc`),
		Entry("a body beside grpc", "  - {name: a, fault: none, request: {body: x, grpc: {}}, expect: {status: 200}}",
			`scenarios[0].request.body: a gRPC call's body is its message; expected request.grpc.message instead`),
		Entry("a path beside grpc", "  - {name: a, fault: none, request: {path: /x, grpc: {}}, expect: {status: 200}}",
			`scenarios[0].request.path: a gRPC call's path is its method; expected request.grpc.method instead`),
		Entry("a method that is no gRPC path", "  - {name: a, fault: none, request: {grpc: {method: Echo/Call}}, expect: {status: 200}}",
			`bad.yaml:4:53: scenarios[0].request.grpc.method: expected a gRPC method path, /package.Service/Method; got "Echo/Call"`),
		Entry("an unknown field", "  - {name: a, fault: none, request: {grpc: {mesage: x}}, expect: {status: 200}}",
			`scenarios[0].request.grpc: unknown field "mesage" (did you mean "message"?); expected one of method, message, timeout`),
		Entry("a load", "  - {name: a, fault: none, request: {grpc: {}}, load: {rate: 10, duration: 1s}, expect: {statuses: [200]}}",
			`scenarios[0].load: a load sends plain HTTP requests; expected no load with request.grpc`),
		Entry("a load over h2c", "  - {name: a, fault: none, request: {h2c: true}, load: {rate: 10, duration: 1s}, expect: {statuses: [200]}}",
			`scenarios[0].load: a load sends HTTP/1.1 requests; expected no load with request.h2c`),
	)
})
