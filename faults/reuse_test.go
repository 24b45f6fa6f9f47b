package faults_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the connection-reuse faults on the wire: a raw client
// sends two requests on one connection, as a gateway reusing it does.
var _ = Describe("connection reuse on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, opts faults.Options) faults.Injection {
		in, err := faults.Inject(ctx, env, &faults.KeepaliveRace{}, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// served reads one whole keep-alive answer from the connection.
	served := func(c rawOriginConn, br *bufio.Reader) {
		GinkgoHelper()
		c.send(true)
		resp, err := http.ReadResponse(br, nil)
		Expect(err).NotTo(HaveOccurred())
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		Expect(string(body)).To(Equal("hello from the gatecrash origin\n"))
		Expect(resp.Close).To(BeFalse(), "the origin keeps the connection alive")
	}

	// dropped sends the next request and sees a FIN without a byte.
	dropped := func(c rawOriginConn, br *bufio.Reader) {
		GinkgoHelper()
		c.send(true)
		b, err := io.ReadAll(br)
		Expect(err).NotTo(HaveOccurred(), "a FIN, not a reset or a timeout")
		Expect(b).To(BeEmpty(), "no answer at all")
	}

	It("keepalive_race: a new connection's first request is served with keep-alive, the second gets a FIN and no byte", func(ctx SpecContext) {
		inject(ctx, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		served(c, br)
		dropped(c, br)
		Expect(env.Origin.Requests()).To(Equal(2), "the origin read the second request before closing")
		Expect(env.Origin.Connections()).To(Equal(1))
	})

	It("keepalive_race: a connection idle since before the fault is closed on its next request, and reuse works once cleared", func(ctx SpecContext) {
		pooled := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		pooledR := bufio.NewReader(pooled)
		served(pooled, pooledR)
		in := inject(ctx, faults.Options{})
		dropped(pooled, pooledR)

		Expect(in.Clear()).To(Succeed())
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		served(c, br)
		served(c, br)
		served(c, br)
	})

	It("keepalive_race with attempts 2: only the second reuse is dropped", func(ctx SpecContext) {
		inject(ctx, faults.Options{Attempts: faults.Attempts{From: 2, To: 2}})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		served(c, br)
		served(c, br) // first reuse: not selected
		dropped(c, br)
	})
})
