package faults_test

import (
	"time"

	"github.com/miekg/dns"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

var _ = Describe("common options", func() {
	var env *harness.Environment
	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })
	direct := func(ctx SpecContext) harness.Observation {
		return harness.Do(ctx, "http://"+env.Proxy.Addr(), harness.Request{Timeout: 5 * time.Second})
	}

	It("attempts 1..2 hits the first two connections, then lets the origin answer", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.Garbage{Bytes: "nope"}, faults.Options{Attempts: faults.Attempts{From: 1, To: 2}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		Expect(direct(ctx).ErrorKind).To(Equal(harness.ErrInvalidHTTP))
		Expect(direct(ctx).ErrorKind).To(Equal(harness.ErrInvalidHTTP))
		Expect(direct(ctx).Status).To(Equal(200))
		Expect(direct(ctx).Status).To(Equal(200))
	})

	It("probability hits about that share of attempts", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.Garbage{Bytes: "nope"}, faults.Options{Probability: ptr(0.5)})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		hit := 0
		for range 200 {
			if direct(ctx).ErrorKind != "" {
				hit++
			}
		}
		// Binomial(200, 0.5): outside 60..140 has a probability below 1e-8.
		Expect(hit).To(BeNumerically(">", 60))
		Expect(hit).To(BeNumerically("<", 140))
	})

	It("after and for start the fault late and end it early", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.Refused{}, faults.Options{After: 2 * time.Second, For: 2 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		Expect(direct(ctx).Status).To(Equal(200), "not started yet")
		Eventually(func() harness.ErrorKind { return direct(ctx).ErrorKind }, 10*time.Second, 20*time.Millisecond).Should(Equal(harness.ErrRefused))
		Eventually(func() int { return direct(ctx).Status }, 10*time.Second, 20*time.Millisecond).Should(Equal(200), "ended by itself")
		Expect(in.Clear()).To(Succeed())
	})

	It("clearing a fault that has not started yet keeps it from starting", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.Refused{}, faults.Options{After: 200 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		Expect(in.Clear()).To(Succeed())
		Consistently(func() int { return direct(ctx).Status }, 500*time.Millisecond, 50*time.Millisecond).Should(Equal(200))
	})

	It("attempts 1..2 of a DNS fault hits the first two lookups, then the name resolves", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.NXDomain{}, faults.Options{Attempts: faults.Attempts{From: 1, To: 2}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		lookup := func() int {
			c := &dns.Client{Timeout: 2 * time.Second}
			aaaa := new(dns.Msg)
			aaaa.SetQuestion(dns.Fqdn(env.Addresses().OriginName), dns.TypeAAAA)
			r, _, err := c.Exchange(aaaa, env.DNS.Addr())
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Rcode).To(Equal(dns.RcodeSuccess), "AAAA queries are not attempts")
			a := new(dns.Msg)
			a.SetQuestion(dns.Fqdn(env.Addresses().OriginName), dns.TypeA)
			r, _, err = c.Exchange(a, env.DNS.Addr())
			Expect(err).NotTo(HaveOccurred())
			return r.Rcode
		}
		Expect(lookup()).To(Equal(dns.RcodeNameError))
		Expect(lookup()).To(Equal(dns.RcodeNameError))
		Expect(lookup()).To(Equal(dns.RcodeSuccess))
		Expect(lookup()).To(Equal(dns.RcodeSuccess))
	})

	It("parses attempt ranges", func() {
		for text, want := range map[string]faults.Attempts{"2": {2, 2}, "1..2": {1, 2}, "3..": {3, 0}} {
			var a faults.Attempts
			Expect(a.UnmarshalText([]byte(text))).To(Succeed())
			Expect(a).To(Equal(want))
			Expect(a.String()).To(Equal(text))
		}
		for _, bad := range []string{"0", "2..1", "x", "..3", "-1"} {
			var a faults.Attempts
			Expect(a.UnmarshalText([]byte(bad))).NotTo(Succeed(), bad)
		}
	})
})

func ptr[T any](v T) *T { return &v }
