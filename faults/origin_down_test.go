package faults_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// rawOriginConn is a raw TCP client of the origin's address (the proxy), as
// a gateway meets it.
type rawOriginConn struct{ net.Conn }

// dialOrigin connects to addr; every read and write must end within wait.
func dialOrigin(addr string, wait time.Duration) rawOriginConn {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	Expect(conn.SetDeadline(time.Now().Add(wait))).To(Succeed())
	return rawOriginConn{conn}
}

// send writes a GET for /, keeping the connection alive or not.
func (c rawOriginConn) send(keepAlive bool) {
	req := "GET / HTTP/1.1\r\nHost: origin\r\n"
	if !keepAlive {
		req += "Connection: close\r\n"
	}
	_, err := c.Write([]byte(req + "\r\n"))
	Expect(err).NotTo(HaveOccurred())
}

// readToEnd reads until the connection ends, returning what came and how it
// ended: nil for a FIN, the error otherwise.
func (c rawOriginConn) readToEnd() (string, error) {
	b, err := io.ReadAll(c)
	return string(b), err
}

// isReset reports whether err is "connection reset by peer".
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// These specs prove the origin-down faults on the wire, through the proxy's
// address as a gateway meets them: FIN against RST, what bytes came first,
// and what the origin counted.
var _ = Describe("origin down faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, f faults.Fault, opts faults.Options) faults.Injection {
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	healthy := func() {
		GinkgoHelper()
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(out).To(HaveSuffix("hello from the gatecrash origin\n"))
	}

	It("closed_on_accept: the connect succeeds, then a FIN comes before any byte, with nothing read", func(ctx SpecContext) {
		inject(ctx, &faults.ClosedOnAccept{}, faults.Options{})
		// Nothing is sent, so no unread request can turn the close into an RST.
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		n, err := c.Read(make([]byte, 64))
		Expect(n).To(BeZero())
		Expect(err).To(MatchError(io.EOF), "a FIN, not a reset or a timeout")
		Eventually(env.Origin.Connections).Should(Equal(1))
		Expect(env.Origin.Requests()).To(BeZero(), "the origin read nothing")
	})

	It("closed_on_accept with attempts 1: the second connection is served", func(ctx SpecContext) {
		inject(ctx, &faults.ClosedOnAccept{}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		n, err := dialOrigin(env.Proxy.Addr(), 5*time.Second).Read(make([]byte, 64))
		Expect(n).To(BeZero())
		Expect(err).To(MatchError(io.EOF))
		healthy()
	})

	It("empty_reply: the request is read, then a FIN comes without a byte, and the origin serves again once cleared", func(ctx SpecContext) {
		in := inject(ctx, &faults.EmptyReply{}, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(err).NotTo(HaveOccurred(), "a FIN, not a reset or a timeout")
		Expect(out).To(BeEmpty())
		Expect(env.Origin.Requests()).To(Equal(1))
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("reset_on_accept: the connect succeeds and the request goes out, then an RST comes before any byte, with no request read", func(ctx SpecContext) {
		in := inject(ctx, &faults.ResetOnAccept{}, faults.Options{})
		Expect(in.Method).To(ContainSubstring("RST"))
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(out).To(BeEmpty())
		Expect(isReset(err)).To(BeTrue(), "connection reset by peer, not a FIN or a timeout: %v", err)
		Eventually(env.Origin.Connections).Should(Equal(1))
		Expect(env.Origin.Requests()).To(BeZero())
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("reset_after_request: the request is read, then an RST comes without a byte", func(ctx SpecContext) {
		inject(ctx, &faults.ResetAfterRequest{}, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(out).To(BeEmpty())
		Expect(isReset(err)).To(BeTrue(), "connection reset by peer, not a FIN or a timeout: %v", err)
		Expect(env.Origin.Requests()).To(Equal(1))
	})

	It("reset_after_request with attempts 1: the next connection gets its whole answer, ended by the proxy's RST", func(ctx SpecContext) {
		inject(ctx, &faults.ResetAfterRequest{}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		_, err := c.readToEnd()
		Expect(isReset(err)).To(BeTrue(), "%v", err)

		// The proxy resets its side of every connection made during the
		// fault; the answer before it arrives whole all the same.
		c = dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		Expect(err).NotTo(HaveOccurred())
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		Expect(string(body)).To(Equal("hello from the gatecrash origin\n"))
	})

	// partial checks a 200 head declaring length bytes and exactly n body bytes.
	partial := func(out string, length string, n int) {
		GinkgoHelper()
		head, body, ok := strings.Cut(out, "\r\n\r\n")
		Expect(ok).To(BeTrue(), "a complete head: %q", out)
		Expect(head).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(head).To(ContainSubstring("\r\nContent-Length: " + length))
		Expect(body).To(HaveLen(n))
		Expect("gatecrash partial body\n" + strings.Repeat("gatecrash partial body\n", n/23)).To(HavePrefix(body))
	}

	It("reset_mid_body: a 200 head with its Content-Length and exactly the first bytes of the body, then an RST", func(ctx SpecContext) {
		inject(ctx, &faults.ResetMidBody{Bytes: 100, Length: 1000}, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(isReset(err)).To(BeTrue(), "connection reset by peer after the bytes, not a FIN or a timeout: %v", err)
		partial(out, "1000", 100)
	})

	It("crash_mid_response: a 200 head with its Content-Length and exactly the first bytes of the body, then a FIN", func(ctx SpecContext) {
		in := inject(ctx, &faults.CrashMidResponse{Bytes: 100, Length: 1000}, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(err).NotTo(HaveOccurred(), "a FIN, not a reset or a timeout")
		partial(out, "1000", 100)
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("crash_mid_response with no body bytes: the head alone, then a FIN", func(ctx SpecContext) {
		inject(ctx, &faults.CrashMidResponse{Bytes: 0, Length: 10}, faults.Options{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		c.send(false)
		out, err := c.readToEnd()
		Expect(err).NotTo(HaveOccurred())
		partial(out, "10", 0)
	})

	It("flapping: refused, then accepted after the down period, then refused after the up period, and up for good once cleared", func(ctx SpecContext) {
		const down, up = 300 * time.Millisecond, 600 * time.Millisecond
		start := time.Now()
		in := inject(ctx, &faults.Flapping{Down: down, Up: up}, faults.Options{})
		connects := func() bool {
			c, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
			if err != nil {
				// A connect racing the listener's close is reset instead.
				Expect(errors.Is(err, syscall.ECONNREFUSED) || isReset(err)).To(BeTrue(), "refused: %v", err)
				return false
			}
			c.Close()
			return true
		}
		lastDown := time.Now()
		Expect(connects()).To(BeFalse(), "down from the start")
		// lastDown is when the last refused connect started: the origin came
		// up after it, so from then to the next refusal spans the up period.
		Eventually(func() bool {
			at := time.Now()
			if connects() {
				return true
			}
			lastDown = at
			return false
		}, down+3*time.Second, 5*time.Millisecond).Should(BeTrue())
		Expect(time.Since(start)).To(BeNumerically(">=", down))
		Eventually(connects, up+3*time.Second, 5*time.Millisecond).Should(BeFalse())
		Expect(time.Since(lastDown)).To(BeNumerically(">=", up))

		Expect(in.Clear()).To(Succeed())
		Consistently(connects, down+up, 20*time.Millisecond).Should(BeTrue())
	})

	It("rejects partial answers that are not cut short and flapping periods that are too short", func() {
		Expect((&faults.ResetMidBody{Bytes: 10, Length: 10}).Validate()).To(MatchError(ContainSubstring("length: expected a Content-Length larger than bytes (10)")))
		Expect((&faults.CrashMidResponse{Bytes: -1, Length: 10}).Validate()).To(MatchError(ContainSubstring("bytes: expected")))
		Expect((&faults.Flapping{Down: time.Millisecond, Up: time.Second}).Validate()).To(MatchError(ContainSubstring("down: expected a duration of at least 10ms")))
		Expect((&faults.OneOriginDown{}).Validate()).To(MatchError(ContainSubstring("instance: expected an origin instance counted from 1")))
	})
})

var _ = Describe("one_origin_down on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{Instances: 3})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	get := func(addr string) (string, error) {
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return "", err
		}
		c := rawOriginConn{conn}
		defer c.Close()
		Expect(c.SetDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
		c.send(false)
		return c.readToEnd()
	}

	It("refuses connects to that instance only, and serves on it again once cleared", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.OneOriginDown{Instance: 2}, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		Expect(in.Method).To(Equal("instance 2 of 3 down"))
		_, err = get(env.Proxies[1].Addr())
		Expect(err).To(MatchError(ContainSubstring("connection refused")))
		for _, i := range []int{0, 2} {
			out, err := get(env.Proxies[i].Addr())
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"), "instance %d", i+1)
		}
		Expect(in.Clear()).To(Succeed())
		out, err := get(env.Proxies[1].Addr())
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(env.Origins[1].Requests()).To(Equal(1), "only the request after clearing reached instance 2")
	})

	It("names the instances there are when asked for one more", func(ctx SpecContext) {
		_, err := faults.Inject(ctx, env, &faults.OneOriginDown{Instance: 4}, faults.Options{})
		Expect(err).To(MatchError("instance: expected an origin instance from 1 to 3 (origin.instances); got 4"))
	})
})
