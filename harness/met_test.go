package harness_test

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// The verdict on meeting the fault, against the builtin gateway: what it
// says when the fault was met, and when the gateway got around it.
var _ = Describe("whether a request met the fault", func() {
	startWith := func(ctx context.Context, cfg harness.Config) *harness.Environment {
		env, err := harness.Start(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		return env
	}
	lookup := func(name string) faults.Fault {
		d, ok := faults.Lookup(name)
		Expect(ok).To(BeTrue(), name)
		return d.New()
	}

	It("is not judged without a fault", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{})
		obs := env.Do(ctx, harness.Request{Path: "/"})
		Expect(obs.Status).To(Equal(200))
		Expect(obs.FaultMet).To(BeNil())
	})

	It("is met on every instance when the fault names none", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Instances: 2, Gateway: &harness.Builtin{}})
		inject(ctx, env, lookup("closed_on_accept"), faults.Options{})
		// The builtin gateway takes the instances round-robin: four
		// requests reach both.
		instances := map[int]bool{}
		for range 4 {
			obs := env.Do(ctx, harness.Request{Path: "/"})
			Expect(obs.Status).To(Equal(502), obs.String())
			Expect(obs.FaultMet).NotTo(BeNil())
			Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultWasMet), obs.FaultMet.String())
			for _, a := range obs.Upstream {
				Expect(a.Faulted).To(BeTrue())
				instances[a.Instance] = true
			}
		}
		Expect(instances).To(HaveKey(1))
		Expect(instances).To(HaveKey(2))
	})

	It("is not met by a request another instance served, with instances: [1]", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Instances: 2, Gateway: &harness.Builtin{}})
		inject(ctx, env, lookup("closed_on_accept"), faults.Options{Instances: []int{1}})
		verdicts := map[harness.MetVerdict]int{}
		for range 4 {
			obs := env.Do(ctx, harness.Request{Path: "/"})
			Expect(obs.FaultMet).NotTo(BeNil())
			verdicts[obs.FaultMet.Verdict]++
			if obs.FaultMet.Verdict == harness.FaultNotMet {
				Expect(obs.Status).To(Equal(200))
				Expect(obs.FaultMet.Evidence).To(ContainSubstring("instance 2 served it normally, an instance the fault did not target"))
				Expect(obs.Upstream).To(HaveEach(HaveField("Instance", 2)))
			} else {
				// Met on instance 1 (the builtin gateway may then try
				// instance 2 and answer 200).
				Expect(obs.FaultMet.Evidence).To(ContainSubstring("instance 1 (connection"))
			}
		}
		Expect(verdicts[harness.FaultWasMet]).To(BeNumerically(">", 0))
		Expect(verdicts[harness.FaultNotMet]).To(BeNumerically(">", 0))
	})

	It("rejects an instance the origin does not have", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Instances: 2})
		_, err := faults.Inject(ctx, env, lookup("hang"), faults.Options{Instances: []int{3}})
		Expect(err).To(MatchError(ContainSubstring("instances: expected origin instances from 1 to 2 (origin.instances); got 3")))
	})

	It("is met by a DNS fault the gateway's query got", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{})
		Expect(env.Do(ctx, harness.Request{Path: "/"}).Status).To(Equal(200))
		inject(ctx, env, lookup("nxdomain"), faults.Options{})
		obs := env.Do(ctx, harness.Request{Path: "/"})
		Expect(obs.Status).To(Equal(502), obs.String())
		Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultWasMet), obs.FaultMet.String())
		Expect(obs.FaultMet.DNSFaulted).To(BeNumerically(">=", 1))
	})

	It("is not met by a DNS fault behind a pooled connection, and says so", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Gateway: &harness.Builtin{KeepAlive: true}})
		Expect(env.Do(ctx, harness.Request{Path: "/"}).Status).To(Equal(200))
		inject(ctx, env, lookup("nxdomain"), faults.Options{})
		obs := env.Do(ctx, harness.Request{Path: "/"})
		Expect(obs.Status).To(Equal(200), obs.String())
		Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultNotMet), obs.FaultMet.String())
		Expect(obs.FaultMet.DNSQueries).To(Equal(0))
		Expect(obs.FaultMet.Evidence).To(ContainSubstring("no DNS query for origin.gatecrash.test was made during the fault: the gateway reused a connection opened before it"))
	})

	It("waits for the gateway to see its pooled connections closed by the fault, then meets it", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Gateway: &harness.Builtin{KeepAlive: true}})
		Expect(env.Do(ctx, harness.Request{Path: "/"}).Status).To(Equal(200))
		injected := time.Now()
		inject(ctx, env, lookup("closed_on_accept"), faults.Options{})
		obs := env.Do(ctx, harness.Request{Path: "/"})
		// Injecting closed the pooled connection; the request went out
		// once the gateway had had 50ms to see that, on a new connection.
		Expect(obs.Start.Sub(injected)).To(BeNumerically(">=", 50*time.Millisecond))
		Expect(obs.Status).To(Equal(502), obs.String())
		Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultWasMet), obs.FaultMet.String())
		Expect(obs.Upstream).To(HaveEach(HaveField("Reused", false)))
	})

	It("is not met by a request sent before a scheduled fault starts", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{})
		after := lookup("hang")
		inject(ctx, env, after, faults.Options{After: 10 * time.Second})
		obs := env.Do(ctx, harness.Request{Path: "/"})
		Expect(obs.Status).To(Equal(200))
		Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultNotMet))
		Expect(strings.HasPrefix(obs.FaultMet.Evidence, "the fault was never met: nothing of it was in effect")).To(BeTrue(), obs.FaultMet.Evidence)
	})

	It("gives a load's share of attempts that met the fault", func(ctx SpecContext) {
		env := startWith(ctx, harness.Config{Instances: 2, Gateway: &harness.Builtin{}})
		inject(ctx, env, lookup("closed_on_accept"), faults.Options{Instances: []int{2}})
		res, err := env.Load(ctx, harness.Load{Rate: 50, Duration: 400 * time.Millisecond, Request: harness.Request{Path: "/"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.FaultMet).NotTo(BeNil())
		Expect(res.FaultMet.Verdict).To(Equal(harness.FaultWasMet), res.FaultMet.String())
		Expect(*res.FaultMet.Share).To(BeNumerically("~", 0.5, 0.2))
	})
})
