package match_test

import (
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

func TestMatch(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Match")
}

var _ = Describe("the matchers' messages", func() {
	three := harness.Observation{Status: 502, Total: time.Millisecond, Attempts: 3, Connections: 3,
		Upstream: []harness.Attempt{{RequestRead: true}, {RequestRead: true}, {RequestRead: true}}}

	It("name the attempts observed", func() {
		m := match.HaveAttempts(1)
		Expect(m.Match(three)).To(BeFalse())
		Expect(m.FailureMessage(three)).To(Equal("expected 1 attempt at the origin, observed 3 attempts at the origin (3 requests read, 3 new connections), answered status 502 in 1ms"))
		Expect(match.HaveAttemptsBetween(2, -1).Match(three)).To(BeTrue())
		Expect(match.HaveAttemptsBetween(0, 2).Match(three)).To(BeFalse())
	})

	It("say that gatecrash gave up, not that the gateway answered, when its own timeout ended the exchange", func() {
		gaveUp := harness.Observation{ErrorKind: harness.ErrTimeout, Total: time.Second, Timeout: time.Second, Attempts: 3, Connections: 3,
			Error: "gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"}
		Expect(match.HaveStatus(504).FailureMessage(gaveUp)).To(Equal("expected status 504, observed no answer: gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"))
		Expect(match.HaveAttempts(1).FailureMessage(gaveUp)).To(Equal("expected 1 attempt at the origin, observed 3 attempts at the origin (0 requests read, 3 new connections); " +
			"no answer: gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"))
		Expect(match.HaveHeader("Retry-After").FailureMessage(gaveUp)).To(Equal("expected a Retry-After header, observed no Retry-After header; " +
			"no answer: gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"))

		// Its time is gatecrash's, not the gateway's: no answer came within
		// or between any bounds, however long, and not even a head with a
		// status is an answer complete within them.
		Expect(match.AnswerWithin(3 * time.Second).Match(gaveUp)).To(BeFalse())
		Expect(match.AnswerWithin(3 * time.Second).FailureMessage(gaveUp)).To(Equal("expected an answer within 3s, observed no answer: gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"))
		Expect(match.AnswerBetween(500*time.Millisecond, 3*time.Second).Match(gaveUp)).To(BeFalse())
		Expect(match.TakeAtLeast(500 * time.Millisecond).Match(gaveUp)).To(BeTrue())
		headOnly := gaveUp
		headOnly.Status = 200
		Expect(match.AnswerWithin(3 * time.Second).Match(headOnly)).To(BeFalse())
		answered := harness.Observation{Status: 504, Total: time.Second}
		Expect(match.AnswerWithin(3 * time.Second).Match(answered)).To(BeTrue())
		Expect(match.AnswerBetween(500*time.Millisecond, 3*time.Second).Match(answered)).To(BeTrue())
	})

	It("judge a lower bound but never an upper one when attempts went unseen", func() {
		blind := three
		blind.Uncounted = "nothing accepts those connects"
		Expect(match.HaveAttemptsBetween(3, -1).Match(blind)).To(BeTrue())
		Expect(match.HaveAttempts(3).Match(blind)).To(BeFalse())
		Expect(match.HaveAttempts(3).FailureMessage(blind)).To(ContainSubstring("observed at least 3 attempts at the origin (3 requests read, 3 new connections); the exact count is not observable: nothing accepts those connects"))
	})

	It("say what became of the body", func() {
		cut := harness.Observation{Status: 200, Integrity: &harness.Integrity{Verdict: harness.BodyTruncated, Silent: true, Detail: "received 100 of 1000"}}
		Expect(match.HaveIntactBody().Match(cut)).To(BeFalse())
		Expect(match.HaveDamagedBody().Match(cut)).To(BeTrue())
		Expect(match.HaveIntactBody().FailureMessage(cut)).To(HavePrefix("expected the origin's body intact, observed body truncated (received 100 of 1000)"))

		// The origin's bytes under a head the gateway made are not intact:
		// a body_intact: false a suite pins.
		wrapped := harness.Observation{Status: 200, Integrity: &harness.Integrity{Verdict: harness.BodyReframed, Detail: "received all 40 bytes the origin sent"}}
		Expect(match.HaveIntactBody().Match(wrapped)).To(BeFalse())
		Expect(match.HaveDamagedBody().Match(wrapped)).To(BeTrue())
		Expect(match.HaveDamagedBody().NegatedFailureMessage(wrapped)).To(ContainSubstring("observed body reframed (received all 40 bytes the origin sent)"))
		own := harness.Observation{Status: 502, Integrity: &harness.Integrity{Verdict: harness.BodyReplaced}}
		Expect(match.HaveDamagedBody().Match(own)).To(BeFalse(), "the gateway's own answer carries no body of the origin's")
	})

	It("quote the header and the body", func() {
		obs := harness.Observation{Status: 200, Header: map[string][]string{"Cache-Control": {"no-store", "private"}}, Body: []byte("hello"), BodyBytes: 5}
		Expect(match.HaveHeaderValue("cache-control", "no-store, private").Match(obs)).To(BeTrue())
		Expect(match.HaveHeaderMatching("Cache-Control", regexp.MustCompile("^no-")).Match(obs)).To(BeTrue())
		Expect(match.NotHaveHeader("Cache-Control").FailureMessage(obs)).To(HavePrefix(`expected no Cache-Control header, observed Cache-Control: "no-store, private"`))
		Expect(match.HaveBody("hello").Match(obs)).To(BeTrue())
		Expect(match.NotHaveBodyContaining("ell").FailureMessage(obs)).To(HavePrefix(`expected a body without "ell", observed body "hello"`))
		Expect(match.NotHaveStatusMatching("5xx", func(s int) bool { return s >= 500 }).Match(harness.Observation{})).To(BeTrue(), "no status is not a 5xx")
	})

	It("judge a load", func() {
		r := harness.LoadResult{Rate: 100, Duration: time.Second, Planned: 100, Requests: 100, SuccessRatio: 0.4,
			Statuses: map[string]int{"200": 40, "502": 60}, Latency: harness.Latency{P50: time.Millisecond, P99: 50 * time.Millisecond, Max: 60 * time.Millisecond}}
		Expect(match.HaveSuccessRatio(0.99).FailureMessage(r)).To(Equal("expected a success ratio of at least 99.0%, observed 40.0% of 100 requests (200: 40, 502: 60)"))
		Expect(match.HaveSuccessRatio(0.4).Match(r)).To(BeTrue())
		Expect(match.HaveOnlyStatuses("[200, 502]", func(s int) bool { return s == 200 || s == 502 }).Match(r)).To(BeTrue())
		Expect(match.HaveStatusShare("502", func(s int) bool { return s == 502 }, 0.2, 0.5).FailureMessage(r)).To(Equal("expected 20.0% to 50.0% of the answers with status 502, observed 60.0% with status 502 (200: 40, 502: 60 of 100 requests)"))
		Expect(match.HaveLatencyAtMost("p99", 10*time.Millisecond).FailureMessage(r)).To(Equal("expected a p99 latency of at most 10ms, observed p99 50ms over 100 requests (p50 1ms, p99 50ms, max 60ms)"))
		Expect(match.HaveSuccessRatio(0).Match(harness.LoadResult{})).To(BeFalse(), "a load that sent nothing passes nothing")
	})

	It("show the log window when no line matches", func() {
		re := regexp.MustCompile(`connect\(\) failed`)
		Expect(match.HaveLogLine(re).Match("a\n2026 connect() failed (111)\n")).To(BeTrue())
		Expect(match.HaveLogLine(re).FailureMessage("one\ntwo\n")).To(Equal("expected a gateway log line matching connect\\(\\) failed, observed no match in the 2 lines written since the scenario began; the last:\n  one\n  two"))
		Expect(match.HaveLogLine(re).FailureMessage("")).To(HaveSuffix("an empty log window: the gateway wrote nothing since the scenario began"))
		Expect(match.BeRunning(true).FailureMessage(false)).To(Equal("expected the gateway still running, observed the gateway no longer running"))
	})
})
