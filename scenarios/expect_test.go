package scenarios_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("the assertions of a scenario", func() {
	It("decodes every assertion on one request", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(`
suite: all
gateway: {builtin: {retries: 2}}
scenarios:
  - name: one
    fault: reset_after_request
    expect:
      status: 502
      not_status: [504, 2xx]
      headers:
        present: [Content-Type]
        absent: [Retry-After, X-Powered-By]
        equals: {cache-control: no-store}
        matches: {Content-Type: "^text/"}
      body: {contains: Bad, not_contains: [panic, stack], matches: "^Bad", equals: "Bad Gateway\n"}
      body_intact: false
      attempts: 3
      log_matches: ["answering 502", "retrying"]
      gateway_alive: true
  - name: two
    fault: reset_after_request
    expect: {attempts: {min: 2}}
  - name: three
    fault: reset_after_request
    expect: {attempts: {max: 1}}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Config().Gateway.(*harness.Builtin).Retries).To(Equal(2))
		e := s.Scenarios[0].Expect
		Expect(e.NotStatus.Matches(504)).To(BeTrue())
		Expect(e.NotStatus.Matches(204)).To(BeTrue())
		Expect(e.NotStatus.Matches(502)).To(BeFalse())
		Expect(e.Headers).To(Equal(&scenarios.HeadersExpect{
			Present: []string{"Content-Type"}, Absent: []string{"Retry-After", "X-Powered-By"},
			Equals: map[string]string{"cache-control": "no-store"}, Matches: map[string]string{"Content-Type": "^text/"},
		}))
		Expect(e.Body.Contains).To(Equal(scenarios.Strings{"Bad"}))
		Expect(e.Body.NotContains).To(Equal(scenarios.Strings{"panic", "stack"}))
		Expect(*e.Body.Equals).To(Equal("Bad Gateway\n"))
		Expect(*e.BodyIntact).To(BeFalse())
		Expect(*e.Attempts).To(Equal(scenarios.AttemptsExpect{Min: 3, Max: 3}))
		Expect(e.LogMatches).To(Equal(scenarios.Strings{"answering 502", "retrying"}))
		Expect(*e.GatewayAlive).To(BeTrue())
		Expect(e.String()).To(Equal(`status 502, a status other than [504, 2xx], a Content-Type header, no Retry-After header, ` +
			`no X-Powered-By header, Cache-Control: "no-store", Content-Type matching ^text/, a body containing "Bad", ` +
			`a body without "panic", a body without "stack", a body matching ^Bad, the body "Bad Gateway\n", ` +
			`the origin's body relayed cut, changed or reframed, 3 attempts at the origin, a gateway log line matching answering 502, ` +
			`a gateway log line matching retrying, the gateway still running`))
		Expect(*s.Scenarios[1].Expect.Attempts).To(Equal(scenarios.AttemptsExpect{Min: 2, Max: -1}))
		Expect(s.Scenarios[1].Expect.String()).To(Equal("at least 2 attempts at the origin"))
		Expect(*s.Scenarios[2].Expect.Attempts).To(Equal(scenarios.AttemptsExpect{Min: 0, Max: 1}))
		Expect(s.Scenarios[2].Expect.String()).To(Equal("at most 1 attempt at the origin"))
	})

	It("takes any three-digit status a gateway can relay, 999 too", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+`  - name: relayed
    fault: invalid_status
    expect: {status: 999, not_status: ["600", 2xx], recovers: {status: [200, 999], within: 2s}}
  - name: loaded
    fault: invalid_status
    load: {rate: 10, duration: 1s}
    expect: {statuses: [999], status_ratio: {999: [0.5, 1]}}
`))
		Expect(err).NotTo(HaveOccurred())
		e := s.Scenarios[0].Expect
		Expect(e.Status.Matches(999)).To(BeTrue())
		Expect(e.Status.Matches(502)).To(BeFalse())
		Expect(e.NotStatus.Matches(600)).To(BeTrue())
		Expect(e.Recovers.Status.Matches(999)).To(BeTrue())
		Expect(match.HaveStatusMatching(e.Status.String(), e.Status.Matches).Match(
			harness.Observation{Status: 999, ErrorKind: harness.ErrInvalidStatus})).To(BeTrue())
		Expect(s.Scenarios[1].Expect.Statuses.Matches(999)).To(BeTrue())
		Expect(s.Scenarios[1].Expect.StatusRatio[0].Status.Matches(999)).To(BeTrue())
	})

	It("decodes a load and the assertions on it", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+`  - name: load
    fault: flapping
    request: {method: POST, path: /orders, headers: {Content-Type: application/json}, body: "{}", timeout: 5s}
    load: {rate: 200, duration: 5s}
    expect:
      success_ratio: 0.5
      statuses: [200, 5xx]
      status_ratio: {502: [0.2, 0.8], 2xx: [0, 1]}
      latency: {p50: 50ms, p99: 500ms, max: 2s}
      unanswered_after: 2s
      recovers: {within: 2s}
`))
		Expect(err).NotTo(HaveOccurred())
		sc := s.Scenarios[0]
		Expect(sc.Load.Harness(sc.Request)).To(Equal(harness.Load{Rate: 200, Duration: 5 * time.Second, Request: harness.Request{
			Method: "POST", Path: "/orders", Headers: map[string]string{"Content-Type": "application/json"}, Body: "{}", Timeout: 5 * time.Second}}))
		e := sc.Expect
		Expect(*e.SuccessRatio).To(Equal(0.5))
		Expect(e.StatusRatio).To(HaveLen(2))
		Expect(e.StatusRatio[0].Status.String()).To(Equal("502"))
		Expect(e.StatusRatio[1].Status.String()).To(Equal("2xx"))
		Expect(e.StatusRatio[0].Min).To(Equal(0.2))
		Expect(e.StatusRatio[0].Max).To(Equal(0.8))
		Expect(e.String()).To(Equal("a success ratio of at least 50.0%, every answer with status [200, 5xx], " +
			"20.0% to 80.0% of the answers with status 502, 0.0% to 100.0% of the answers with status 2xx, " +
			"a p50 latency of at most 50ms, a p99 latency of at most 500ms, a max latency of at most 2s, " +
			"no request unanswered after 2s, recovers 200 within 2s"))
	})

	DescribeTable("rejects bad assertions with their place and what was expected",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(header+yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("attempts of the wrong type", "  - {name: a, fault: refused, expect: {attempts: many}}\n",
			`bad.yaml:3:50: scenarios[0].expect.attempts: expected a number of attempts such as 3, or {min: 1, max: 3}; got "many"`),
		Entry("attempts min above max", "  - {name: a, fault: refused, expect: {attempts: {min: 3, max: 1}}}\n",
			"scenarios[0].expect.attempts: expected a number of attempts such as 3, or {min: 1, max: 3}, 0 or more, min not above max; got min 3, max 1"),
		Entry("attempts without a bound", "  - {name: a, fault: refused, expect: {attempts: {}}}\n", "got neither min nor max"),
		Entry("a bad regular expression", "  - {name: a, fault: refused, expect: {log_matches: \"(\"}}\n",
			"scenarios[0].expect.log_matches[0]: expected a regular expression (Go RE2 syntax); error parsing regexp: missing closing ): `(`"),
		Entry("a bad body regular expression", "  - {name: a, fault: refused, expect: {body: {matches: \"[\"}}}\n", "scenarios[0].expect.body.matches[0]: expected a regular expression"),
		Entry("a bad header name", "  - {name: a, fault: refused, expect: {headers: {present: [\"Bad Name\"]}}}\n", `scenarios[0].expect.headers: expected header names such as Cache-Control; got "Bad Name"`),
		Entry("an unknown body assertion", "  - {name: a, fault: refused, expect: {body: {containz: x}}}\n", `scenarios[0].expect.body: unknown field "containz" (did you mean "contains"?)`),
		Entry("a load assertion without a load", "  - {name: a, fault: refused, expect: {success_ratio: 0.9}}\n",
			"scenarios[0].expect.success_ratio: judges a load: add load: {rate: N, duration: D} to the scenario"),
		Entry("a request assertion with a load", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {status: 502}}\n",
			"scenarios[0].expect.status: a load scenario judges its requests together; expected success_ratio, statuses"),
		Entry("a load too fast", "  - {name: a, fault: refused, load: {rate: 5000, duration: 1s}, expect: {success_ratio: 0}}\n",
			"scenarios[0].load: rate: expected 1 to 1000 requests per second; got 5000"),
		Entry("a load too long", "  - {name: a, fault: refused, load: {rate: 10, duration: 2m}, expect: {success_ratio: 0}}\n",
			"scenarios[0].load: duration: expected a duration above 0 and at most 1m0s; got 2m0s"),
		Entry("a load without a duration", "  - {name: a, fault: refused, load: {rate: 10}, expect: {success_ratio: 0}}\n", "duration: expected a duration above 0"),
		Entry("a load's request timeout too long", "  - {name: a, fault: refused, request: {timeout: 1m}, load: {rate: 10, duration: 1s}, expect: {success_ratio: 0}}\n",
			"scenarios[0].request.timeout: timeout: expected at most 30s per request under load; got 1m0s"),
		Entry("a success ratio above 1", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {success_ratio: 95}}\n",
			"scenarios[0].expect.success_ratio: expected a share from 0 to 1, such as 0.95; got 95"),
		Entry("a status ratio reversed", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {status_ratio: {502: [0.8, 0.2]}}}\n",
			"scenarios[0].expect.status_ratio.502: expected two shares from 0 to 1, the smaller first, such as [0.2, 0.8]"),
		Entry("a status ratio of a bad status", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {status_ratio: {5x: [0, 1]}}}\n",
			`scenarios[0].expect.status_ratio.5x: expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got "5x"`),
		Entry("latency without a bound", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {latency: {}}}\n",
			"scenarios[0].expect.latency: expected at least one bound of p50, p90, p95, p99, max or mean"),
		Entry("cross_wired of a word it does not take", "  - {name: a, fault: desync_cl_te, expect: {cross_wired: maybe}}\n",
			`bad.yaml:3:58: scenarios[0].expect.cross_wired: expected true, false or sometimes (either passes: the gateway races); got "maybe"`),
		Entry("cross_wired of a number", "  - {name: a, fault: desync_cl_te, expect: {cross_wired: 1}}\n",
			"scenarios[0].expect.cross_wired: expected true, false or sometimes (either passes: the gateway races); got 1"),
		Entry("latency of an unknown percentile", "  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {latency: {p75: 1s}}}\n",
			`scenarios[0].expect.latency: unknown field "p75"`),
	)

	DescribeTable("judges the desync canary by cross_wired",
		func(setting string, wiredAnswer bool, passed bool, expected string) {
			s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: desync_cl_te, expect: {status: 200"+setting+"}}\n"))
			Expect(err).NotTo(HaveOccurred())
			answers := []harness.Observation{{Status: 200}, {Status: 200}}
			if wiredAnswer {
				answers[1].CrossWired = &harness.CrossWire{AnswerTo: "r-1", Detail: "the answer is request r-1's"}
			}
			c, failure, shown := s.Scenarios[0].Expect.JudgeCrossWired(answers, 1)
			Expect(shown).To(BeTrue())
			Expect(c.Passed).To(Equal(passed))
			Expect(c.Expected).To(Equal(expected))
			Expect(failure == "").To(Equal(passed))
			if wiredAnswer {
				Expect(c.Observed).To(Equal("follow-up 1 of 1 cross-wired: the answer is request r-1's"))
			} else {
				Expect(c.Observed).To(Equal("no cross-wired answer in 2 answers (the request's and 1 follow-up)"))
			}
		},
		Entry("unset, none", "", false, true, "no cross-wired answer"),
		Entry("unset, one", "", true, false, "no cross-wired answer"),
		Entry("false, one", ", cross_wired: false", true, false, "no cross-wired answer"),
		Entry("true, one", ", cross_wired: true", true, true, "a cross-wired answer"),
		Entry("true, none", ", cross_wired: true", false, false, "a cross-wired answer"),
		Entry("sometimes, one", ", cross_wired: sometimes", true, true, "a cross-wired answer or none (a race)"),
		Entry("sometimes, none", ", cross_wired: sometimes", false, true, "a cross-wired answer or none (a race)"),
	)

	It("writes cross_wired back as a suite does", func() {
		for setting, want := range map[string]string{"true": `{"cross_wired":true}`, "false": `{"cross_wired":false}`, "sometimes": `{"cross_wired":"sometimes"}`} {
			s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: desync_cl_te, expect: {cross_wired: "+setting+"}}\n"))
			Expect(err).NotTo(HaveOccurred())
			Expect(json.Marshal(struct {
				C *scenarios.CrossWiredExpect `json:"cross_wired"`
			}{s.Scenarios[0].Expect.CrossWired})).To(MatchJSON(want))
		}
	})

	It("bounds the builtin gateway's retries", func() {
		_, err := scenarios.Parse("bad.yaml", []byte("gateway: {builtin: {retries: 11}}\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n"))
		Expect(err).To(MatchError(ContainSubstring("bad.yaml:1:30: gateway.builtin.retries: expected 0 to 10 more tries of a failed attempt; got 11")))
	})
})
