package harness_test

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

var _ = Describe("the origin's HTTP/2-over-TLS endpoint and the builtin gateway", func() {
	req := harness.Request{Path: "/h2tls/", Timeout: 10 * time.Second}

	It("is not started unless asked for", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{H2C: true})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		Expect(env.H2C.TLSAddr()).To(BeEmpty())
		Expect(env.Addresses().OriginH2TLS).To(BeEmpty())
		Expect(env.Addresses().OriginH2TLSPort).To(BeEmpty())
		Expect(env.Do(ctx, req).Upstream).To(ConsistOf(HaveField("Endpoint", "http")), "/h2tls/ is a plain path then")
	})

	It("sends /h2tls/ paths over HTTP/2 with TLS, tagged, journaled and judged intact; a behaviour's reset answers 502 and is met", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{H2TLS: true, Routes: []harness.Route{
			{Path: "/", Body: "plain"}, {Path: "/h2tls/", Body: "over HTTP/2 with TLS"},
		}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		a := env.Addresses()
		Expect(env.H2C).NotTo(BeNil(), "the h2c machinery serves it")
		Expect(a.OriginH2C).To(BeEmpty(), "h2c itself was not asked for")
		Expect(a.OriginH2TLS).To(Equal(env.H2C.TLSAddr()))
		_, port, _ := net.SplitHostPort(a.OriginH2TLS)
		Expect(a.OriginH2TLSPort).To(Equal(port))

		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(200))
		Expect(string(obs.Body)).To(Equal("over HTTP/2 with TLS"))
		Expect(obs.Attempts).To(Equal(1))
		Expect(obs.Upstream).To(ConsistOf(And(HaveField("Endpoint", "h2tls"), HaveField("Tagged", true))))
		Expect(obs.Integrity).NotTo(BeNil())
		Expect(obs.Integrity.Verdict).To(Equal(harness.BodyIntact))
		Expect(env.H2C.Connections()).To(Equal(1))
		Expect(env.Origin.Connections()).To(BeZero(), "not through the plain port")

		env.NoteFault(true)
		var overTLS atomic.Bool
		env.H2C.SetBehavior(func(ctx context.Context, conn net.Conn, h *harness.H2COrigin) {
			harness.FaultHit(ctx)
			if tc, ok := conn.(interface{ NetConn() net.Conn }); ok && tc.NetConn() != nil {
				overTLS.Store(true)
			}
			c, err := h.Accept(conn)
			if err != nil {
				return
			}
			r, err := c.NextRequest()
			if err != nil {
				return
			}
			_ = c.Framer.WriteRSTStream(r.StreamID, 2) // INTERNAL_ERROR, before any HEADERS
			c.Drain()
		})
		obs = env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(502))
		Expect(overTLS.Load()).To(BeTrue(), "the behaviour got the TLS connection")
		Expect(obs.FaultMet).NotTo(BeNil())
		Expect(obs.FaultMet.Verdict).To(Equal(harness.FaultWasMet))
		Expect(obs.FaultMet.Evidence).To(ContainSubstring("the h2tls endpoint (connection 2) got the fault"))
		Expect(env.Gateway.Logs()).To(ContainSubstring("INTERNAL_ERROR"))

		env.NoteFault(false)
		Expect(env.Reset()).To(Succeed())
		Expect(env.Do(ctx, req)).To(match.HaveStatus(200))
	})
})
