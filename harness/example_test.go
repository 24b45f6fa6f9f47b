package harness_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

// This is how a Go team uses gatecrash without YAML: start an environment
// in a Ginkgo spec, inject faults, assert with Gomega matchers.
var _ = Describe("the Go API, with the builtin gateway", func() {
	var env *harness.Environment
	req := harness.Request{Path: "/", Timeout: 10 * time.Second}

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{
			Routes:  []harness.Route{{Path: "/", Body: "hello"}},
			Gateway: &harness.Builtin{ConnectTimeout: 500 * time.Millisecond, ResponseTimeout: time.Second},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	It("answers 502 fast while the origin is down, and 200 again once it is back", func(ctx SpecContext) {
		Expect(env.Do(ctx, req)).To(match.HaveStatus(200))

		down, err := (&faults.Refused{}).Inject(ctx, env, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Do(ctx, req)).To(And(match.HaveStatus(502), match.AnswerWithin(500*time.Millisecond)))

		Expect(down.Clear()).To(Succeed())
		Eventually(ctx, func() harness.Observation { return env.Do(ctx, req) }).
			WithTimeout(2 * time.Second).Should(match.HaveStatus(200))
	})

	It("answers 504 when the origin hangs, after its response timeout and not before", func(ctx SpecContext) {
		hang, err := (&faults.Hang{}).Inject(ctx, env, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(hang.Clear)
		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(504))
		Expect(obs).To(match.AnswerBetween(time.Second, 3*time.Second))
		Expect(obs.Attempts).To(Equal(1), "the request reached the origin once")
	})

	It("answers 502 when DNS says the origin does not exist", func(ctx SpecContext) {
		nx, err := (&faults.NXDomain{}).Inject(ctx, env, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(nx.Clear)
		Expect(env.Do(ctx, req)).To(match.HaveStatus(502))
		Expect(env.DNS.Queries()).To(BeNumerically(">=", 1))
		Expect(env.Gateway.Logs()).To(ContainSubstring("no such host"))
	})

	It("explains a failed expectation with expected against observed", func(ctx SpecContext) {
		obs := env.Do(ctx, req)
		m := match.HaveStatus(503)
		Expect(m.Match(obs)).To(BeFalse())
		Expect(m.FailureMessage(obs)).To(MatchRegexp(`^expected status 503, observed status 200 in \S+$`))
		Expect(match.AnswerWithin(time.Nanosecond).FailureMessage(obs)).To(HavePrefix("expected an answer within 1ns, observed status 200 in"))
	})
})
