package harness_test

import (
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

var _ = Describe("an attached gateway", func() {
	It("is driven through the fixed origin and DNS addresses it was configured with", func(ctx SpecContext) {
		origin, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		dns, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		listen, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())

		// A gateway that is "already running", configured with fixed
		// addresses, as a service of a CI job would be.
		running := &harness.Builtin{ConnectTimeout: 500 * time.Millisecond}
		_, originPort, _ := net.SplitHostPort(origin)
		Expect(running.Start(ctx, harness.Addresses{
			Listen: listen, OriginName: harness.DefaultOriginName, OriginPort: originPort, DNS: dns,
		})).To(Succeed())
		DeferCleanup(running.Stop)

		env, err := harness.Start(ctx, harness.Config{
			OriginListen: origin,
			DNSListen:    dns,
			Gateway:      &harness.Attached{Address: running.URL(), Ready: &harness.Readiness{Within: 5 * time.Second}},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		Expect(env.Proxy.Addr()).To(Equal(origin))
		Expect(env.DNS.Addr()).To(Equal(dns))

		req := harness.Request{Path: "/"}
		Expect(env.Do(ctx, req)).To(match.HaveStatus(200))
		Expect(env.Do(ctx, req).Attempts).To(Equal(1))
		down, err := (&faults.Refused{}).Inject(ctx, env, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Do(ctx, req)).To(match.HaveStatus(502))
		Expect(down.Clear()).To(Succeed())
		Expect(env.Do(ctx, req)).To(match.HaveStatus(200))
	})

	It("must be on loopback", func(ctx SpecContext) {
		_, err := harness.Start(ctx, harness.Config{Gateway: &harness.Attached{Address: "http://192.0.2.1:80"}})
		Expect(err).To(MatchError(ContainSubstring("gatecrash only sends traffic to loopback addresses")))
	})
})
