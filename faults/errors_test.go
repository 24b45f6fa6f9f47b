package faults_test

import (
	"bufio"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the origin-errors faults on the wire, through the
// proxy's address: the origin's own answer, byte for byte.
var _ = Describe("origin errors on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	It("origin_error: by default a complete 503 with a body naming the origin, then the route once cleared", func(ctx SpecContext) {
		def, ok := faults.Lookup("origin_error")
		Expect(ok).To(BeTrue())
		in, err := faults.Inject(ctx, env, def.New(), faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal("HTTP/1.1 503 Service Unavailable\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 48\r\nConnection: close\r\n\r\n" +
			"gatecrash origin error: 503 Service Unavailable\n"))
		Expect(env.Origin.Requests()).To(Equal(1))

		Expect(in.Clear()).To(Succeed())
		c = dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err = c.readToEnd()
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
	})

	It("origin_error: the status and body asked for, on the attempts asked for", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.OriginError{Status: 500, Body: "database unavailable"},
			faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		read := func() (int, string) {
			c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
			c.send(false)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			Expect(err).NotTo(HaveOccurred())
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, string(body)
		}
		status, body := read()
		Expect(status).To(Equal(500))
		Expect(body).To(Equal("database unavailable"))
		status, body = read()
		Expect(status).To(Equal(200), "attempts 1: the second connection is served")
		Expect(body).To(Equal("hello from the gatecrash origin\n"))
	})

	It("origin_error: only server errors", func() {
		for _, bad := range []int{0, 404, 499, 600} {
			Expect((&faults.OriginError{Status: bad}).Validate()).To(MatchError(ContainSubstring("status: expected a server error status from 500 to 599")), "%d", bad)
		}
		Expect((&faults.OriginError{Status: 599}).Validate()).To(Succeed())
	})
})
