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

// bigBody is served on /big, for the bandwidth cap to act on.
var bigBody = strings.Repeat("0123456789", 600)

// These specs prove the firewall toxics on the wire, with raw TCP clients
// against the proxy, independent of any gateway.
var _ = Describe("firewall faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{Routes: append(harness.DefaultRoutes(), harness.Route{Path: "/big", Body: bigBody})})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	inject := func(ctx context.Context, f faults.Fault, opts faults.Options) faults.Injection {
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// keepAlive sends a keep-alive request on conn and reads one response.
	keepAlive := func(conn net.Conn, br *bufio.Reader) (*http.Response, string, error) {
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\n\r\n")); err != nil {
			return nil, "", err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	isTimeout := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}

	It("drop (downstream): an established connection's answer vanishes and the connection stays open; clearing closes it", func(ctx SpecContext) {
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		br := bufio.NewReader(conn)
		resp, body, err := keepAlive(conn, br)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		Expect(body).To(Equal("hello from the gatecrash origin\n"))

		in := inject(ctx, &faults.Drop{}, faults.Options{})
		_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		_ = conn.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
		n, err := br.Read(make([]byte, 1))
		Expect(n).To(Equal(0))
		Expect(isTimeout(err)).To(BeTrue(), "nothing came back and the connection is open: %v", err)
		Eventually(env.Origin.Requests).Should(Equal(2), "the request went through; the answer was dropped")

		// The origin closes after answering a Connection: close request; the
		// close is dropped as well.
		closing, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer closing.Close()
		_, err = closing.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		Eventually(env.Origin.Requests).Should(Equal(3))
		_ = closing.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
		n, err = closing.Read(make([]byte, 1))
		Expect(n).To(Equal(0))
		Expect(isTimeout(err)).To(BeTrue(), "neither the answer nor the origin's close came through: %v", err)

		Expect(in.Clear()).To(Succeed())
		for _, held := range []struct {
			conn net.Conn
			r    io.Reader
		}{{conn, br}, {closing, closing}} {
			_ = held.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, err = held.r.Read(make([]byte, 1))
			Expect(n).To(Equal(0))
			Expect(err).To(MatchError(io.EOF), "clearing closed the connections it held")
		}
		Expect(rawGetOK(env.Proxy.Addr())).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
	})

	It("drop (upstream): the request never reaches the origin and nothing comes back", func(ctx SpecContext) {
		inject(ctx, &faults.Drop{}, faults.Options{Direction: "upstream"})
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred(), "the connect completes: only data is dropped")
		defer conn.Close()
		_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		_ = conn.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
		n, err := conn.Read(make([]byte, 1))
		Expect(n).To(Equal(0))
		Expect(isTimeout(err)).To(BeTrue(), "nothing came back and the connection is open: %v", err)
		Expect(env.Origin.Connections()).To(Equal(1), "the proxy connected to the origin")
		Expect(env.Origin.Requests()).To(Equal(0), "the request bytes were dropped")
	})

	It("middlebox_reset: the client gets a TCP RST and no bytes, no earlier than the timeout; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, &faults.MiddleboxReset{Timeout: 300 * time.Millisecond}, faults.Options{})
		for _, direction := range []string{"downstream", "upstream"} {
			if direction == "upstream" {
				Expect(in.Clear()).To(Succeed())
				in = inject(ctx, &faults.MiddleboxReset{Timeout: 300 * time.Millisecond}, faults.Options{Direction: direction})
			}
			conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
			Expect(err).NotTo(HaveOccurred())
			start := time.Now()
			_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
			Expect(err).NotTo(HaveOccurred())
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(conn)
			conn.Close()
			Expect(b).To(BeEmpty(), direction)
			Expect(err).To(MatchError(syscall.ECONNRESET), direction)
			took := time.Since(start)
			Expect(took).To(BeNumerically(">=", 300*time.Millisecond), direction)
			Expect(took).To(BeNumerically("<", 300*time.Millisecond*3+time.Second), direction)
		}
		Expect(in.Clear()).To(Succeed())
		Expect(rawGetOK(env.Proxy.Addr())).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect((&faults.MiddleboxReset{Timeout: 1500 * time.Microsecond}).Validate()).To(MatchError(ContainSubstring("whole milliseconds")))
	})

	It("probability resets about that share of connections (toxiproxy's toxicity); the others get the whole answer", func(ctx SpecContext) {
		inject(ctx, &faults.MiddleboxReset{}, faults.Options{Probability: ptr(0.5)})
		reset := 0
		for range 100 {
			conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
			Expect(err).NotTo(HaveOccurred())
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
			Expect(err).NotTo(HaveOccurred())
			b, err := io.ReadAll(conn)
			conn.Close()
			if len(b) == 0 {
				Expect(err).To(MatchError(syscall.ECONNRESET))
				reset++
				continue
			}
			// Connections the toxic spared still end with an RST after
			// the whole answer: toxiproxy sets SO_LINGER 0 on them all.
			Expect(string(b)).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
			Expect(string(b)).To(HaveSuffix("hello from the gatecrash origin\n"))
		}
		// Binomial(100, 0.5): outside 20..80 has a probability below 1e-9.
		Expect(reset).To(BeNumerically(">", 20))
		Expect(reset).To(BeNumerically("<", 80))
	})

	It("toxic faults take probability but not attempts, which toxiproxy cannot count", func() {
		for _, name := range []string{"drop", "middlebox_reset", "bandwidth"} {
			d, ok := faults.Lookup(name)
			Expect(ok).To(BeTrue())
			Expect(d.Options.Names()).To(Equal([]string{"probability", "after", "for", "direction", "instances"}), name)
		}
	})

	It("bandwidth: the body arrives intact, no faster than the rate; at full speed once cleared", func(ctx SpecContext) {
		get := func() (string, time.Duration) {
			conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			start := time.Now()
			_, err = conn.Write([]byte("GET /big HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
			Expect(err).NotTo(HaveOccurred())
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			Expect(err).NotTo(HaveOccurred())
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return string(b), time.Since(start)
		}
		in := inject(ctx, &faults.Bandwidth{Rate: 4}, faults.Options{})
		body, took := get()
		Expect(body).To(Equal(bigBody))
		// 6000 body bytes at 4000 bytes/s, sent in 400-byte slices every 100ms.
		Expect(took).To(BeNumerically(">=", 1400*time.Millisecond))
		Expect(took).To(BeNumerically("<", 1500*time.Millisecond*3+time.Second))

		Expect(in.Clear()).To(Succeed())
		body, took = get()
		Expect(body).To(Equal(bigBody))
		Expect(took).To(BeNumerically("<", 1400*time.Millisecond), "faster than the cap allowed")
		Expect((&faults.Bandwidth{Rate: 0}).Validate()).To(MatchError(ContainSubstring("rate: expected a whole number")))
	})
})
