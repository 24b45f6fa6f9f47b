package faults_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// routeBody is what the origin's default route answers.
const routeBody = "hello from the gatecrash origin\n"

// arrival is one read of the raw client: when it returned (since the
// request was sent) and how many bytes had come by then.
type arrival struct {
	at    time.Duration
	total int
}

// capture is what a raw client saw on one connection.
type capture struct {
	conn     net.Conn
	sent     time.Time
	data     []byte
	arrivals []arrival
	err      error // why reading stopped: io.EOF, a timeout, or nil when enough came
}

// send dials addr, sends a minimal request and notes when.
func send(addr string) *capture {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	c := &capture{conn: conn, sent: time.Now()}
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
	Expect(err).NotTo(HaveOccurred())
	return c
}

// read records reads until EOF, an error, window has passed since the
// request (a timeout), or enough says the bytes so far are enough.
func (c *capture) read(window time.Duration, enough func([]byte) bool) {
	_ = c.conn.SetReadDeadline(c.sent.Add(window))
	buf := make([]byte, 64<<10)
	for enough == nil || !enough(c.data) {
		n, err := c.conn.Read(buf)
		if n > 0 {
			c.data = append(c.data, buf[:n]...)
			c.arrivals = append(c.arrivals, arrival{time.Since(c.sent), len(c.data)})
		}
		if err != nil {
			c.err = err
			return
		}
	}
	c.err = nil
}

// headLen is the length of the status line and header block, 0 until it
// is complete.
func headLen(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	return 0
}

// firstArrival is the first read that brought byte number n (from 1).
func (c *capture) firstArrival(n int) arrival {
	for _, a := range c.arrivals {
		if a.total >= n {
			return a
		}
	}
	Fail(fmt.Sprintf("byte %d never arrived; %d did", n, len(c.data)))
	return arrival{}
}

// response parses what came as an HTTP answer, reading its body whole.
func (c *capture) response() (*http.Response, []byte) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.data)), nil)
	Expect(err).NotTo(HaveOccurred(), "a valid HTTP answer: %q", c.data)
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred(), "a complete body: %q", c.data)
	return resp, body
}

// fillerBody is the body the slow faults make up, built independently of
// theirs: numbered 64-byte lines.
func fillerBody(n int) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "gatecrash slow origin body, 64 bytes a line, numbered: %08d\n", i)
	}
	return b[:n]
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var _ = Describe("slow origin faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx SpecContext, f faults.Fault, opts faults.Options) faults.Injection {
		if v, ok := f.(faults.Validator); ok {
			Expect(v.Validate()).To(Succeed())
		}
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// healthy checks that a new request gets the route's answer at once.
	healthy := func() {
		c := send(env.Proxy.Addr())
		c.read(5*time.Second, nil)
		Expect(c.err).To(MatchError(io.EOF))
		resp, body := c.response()
		Expect(resp.StatusCode).To(Equal(200))
		Expect(string(body)).To(Equal(routeBody))
	}

	// untilEOF reads the whole answer.
	untilEOF := func(c *capture, window time.Duration) {
		c.read(window, nil)
		Expect(c.err).To(MatchError(io.EOF), "the origin closed within %s", window)
	}

	Describe("delayed_headers", func() {
		It("sends nothing before the delay, then the route's whole answer", func(ctx SpecContext) {
			inject(ctx, &faults.DelayedHeaders{Delay: 600 * time.Millisecond}, faults.Options{})
			c := send(env.Proxy.Addr())
			untilEOF(c, 10*time.Second)
			Expect(c.arrivals[0].at).To(BeNumerically(">=", 600*time.Millisecond), "time to first byte")
			resp, body := c.response()
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.ContentLength).To(BeEquivalentTo(len(routeBody)))
			Expect(string(body)).To(Equal(routeBody))
			Expect(env.Origin.Requests()).To(Equal(1))
		})

		It("answers a held request at once when cleared, and new ones normally", func(ctx SpecContext) {
			in := inject(ctx, &faults.DelayedHeaders{Delay: time.Minute}, faults.Options{})
			c := send(env.Proxy.Addr())
			Eventually(env.Origin.Requests).Should(Equal(1), "the origin read the request")
			c.read(300*time.Millisecond, nil)
			Expect(isTimeout(c.err)).To(BeTrue(), "nothing came yet: %v", c.err)
			Expect(c.data).To(BeEmpty())
			Expect(in.Clear()).To(Succeed())
			untilEOF(c, 5*time.Second)
			resp, body := c.response()
			Expect(resp.StatusCode).To(Equal(200))
			Expect(string(body)).To(Equal(routeBody))
			healthy()
		})

		It("delays only the attempts selected", func(ctx SpecContext) {
			inject(ctx, &faults.DelayedHeaders{Delay: time.Minute}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
			first := send(env.Proxy.Addr())
			first.read(500*time.Millisecond, nil)
			Expect(isTimeout(first.err)).To(BeTrue(), "the first attempt is held: %v", first.err)
			healthy()
		})
	})

	Describe("dribbled_headers", func() {
		// pieceStarts is where each of n pieces of a head of size bytes
		// begins, split as evenly as the fault does, the longer first.
		pieceStarts := func(size, n int) []int {
			var starts []int
			for i, at := 0, 0; i < n; i++ {
				starts = append(starts, at)
				at += size / n
				if i < size%n {
					at++
				}
			}
			return starts
		}

		DescribeTable("sends the head in that many pieces, interval apart, then the body: (pieces - 1) × interval, whatever the head's length",
			func(ctx SpecContext, routeHeader string) {
				const pieces, interval = 4, 250 * time.Millisecond
				env = startEnvWith(ctx, harness.Config{Routes: []harness.Route{{Path: "/", Body: routeBody, Headers: map[string]string{"X-Long": routeHeader}}}})
				inject(ctx, &faults.DribbledHeaders{Pieces: pieces, Interval: interval}, faults.Options{})
				c := send(env.Proxy.Addr())
				untilEOF(c, 20*time.Second)
				head := headLen(c.data)
				Expect(head).To(BeNumerically(">", 100), "%q", c.data)
				starts := pieceStarts(head, pieces)
				reads := 0
				for _, a := range c.arrivals {
					if a.total > head {
						break
					}
					reads++
					// The last byte that came is in piece k, which the origin
					// sends only after k intervals.
					k := 0
					for k+1 < pieces && starts[k+1] < a.total {
						k++
					}
					Expect(a.at).To(BeNumerically(">=", time.Duration(k)*interval), "%d bytes of the head after %s", a.total, a.at)
				}
				Expect(reads).To(BeNumerically(">=", pieces-1), "the head came in pieces")
				last := c.firstArrival(head).at
				Expect(last).To(BeNumerically(">=", (pieces-1)*interval), "the whole head took")
				Expect(last).To(BeNumerically("<", (pieces-1)*interval+interval), "and not a pause more")
				resp, body := c.response()
				Expect(resp.StatusCode).To(Equal(200))
				Expect(string(body)).To(Equal(routeBody))
			},
			Entry("a head of about 160 bytes", "x"),
			Entry("a head of about 2 KiB", strings.Repeat("x", 2000)),
		)

		It("sends the rest at once when cleared", func(ctx SpecContext) {
			in := inject(ctx, &faults.DribbledHeaders{Pieces: 100, Interval: time.Second}, faults.Options{})
			c := send(env.Proxy.Addr())
			c.read(5*time.Second, func(b []byte) bool { return len(b) > 0 })
			Expect(c.err).NotTo(HaveOccurred())
			Expect(c.data).To(HavePrefix("H"), "the start of the status line")
			Expect(len(c.data)).To(BeNumerically("<", 5), "only its first bytes, a second apart")
			Expect(in.Clear()).To(Succeed())
			clearedAt := time.Since(c.sent)
			untilEOF(c, clearedAt+5*time.Second)
			resp, body := c.response()
			Expect(resp.StatusCode).To(Equal(200))
			Expect(string(body)).To(Equal(routeBody))
			healthy()
		})
	})

	Describe("slow_body", func() {
		It("sends the head at once, then the body no faster than the rate", func(ctx SpecContext) {
			const rate, size = 1000, 1500
			inject(ctx, &faults.SlowBody{BytesPerSecond: rate, BodySize: size}, faults.Options{})
			c := send(env.Proxy.Addr())
			untilEOF(c, 20*time.Second)
			head := headLen(c.data)
			Expect(head).NotTo(BeZero())
			Expect(c.firstArrival(head).at).To(BeNumerically("<", 1200*time.Millisecond), "the head is not paced (the body alone takes 1.5s)")
			bodyReads := 0
			for _, a := range c.arrivals {
				if body := a.total - head; body > 0 {
					bodyReads++
					Expect(a.at).To(BeNumerically(">=", time.Duration(body)*time.Second/rate),
						"%d body bytes after %s", body, a.at)
				}
			}
			Expect(bodyReads).To(BeNumerically(">=", 3), "the body came in pieces")
			Expect(c.arrivals[len(c.arrivals)-1].at).To(BeNumerically("<", size*time.Second/rate+2*time.Second))
			resp, body := c.response()
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.ContentLength).To(BeEquivalentTo(size))
			Expect(body).To(Equal(fillerBody(size)))
		})

		It("sends the rest at once when cleared", func(ctx SpecContext) {
			in := inject(ctx, &faults.SlowBody{BytesPerSecond: 10, BodySize: 10000}, faults.Options{})
			c := send(env.Proxy.Addr())
			c.read(5*time.Second, func(b []byte) bool { return headLen(b) > 0 })
			Expect(c.err).NotTo(HaveOccurred())
			Expect(in.Clear()).To(Succeed())
			untilEOF(c, time.Since(c.sent)+5*time.Second)
			_, body := c.response()
			Expect(body).To(Equal(fillerBody(10000)))
			healthy()
		})
	})

	Describe("body_stall", func() {
		It("sends exactly N body bytes, then nothing, holding the connection until cleared", func(ctx SpecContext) {
			in := inject(ctx, &faults.BodyStall{Bytes: 100, ContentLength: 1000}, faults.Options{})
			c := send(env.Proxy.Addr())
			c.read(5*time.Second, func(b []byte) bool { h := headLen(b); return h > 0 && len(b) >= h+100 })
			Expect(c.err).NotTo(HaveOccurred(), "the head and the first bytes came")
			head := headLen(c.data)
			Expect(string(c.data[:head])).To(ContainSubstring("\r\nContent-Length: 1000\r\n"))
			Expect(c.data[head:]).To(Equal(fillerBody(100)), "exactly the first 100 body bytes")

			// Then a window in which nothing comes, and the connection stays open.
			more := &capture{conn: c.conn, sent: time.Now()}
			more.read(700*time.Millisecond, nil)
			Expect(isTimeout(more.err)).To(BeTrue(), "held open, not closed: %v", more.err)
			Expect(more.data).To(BeEmpty(), "no byte past the first 100")

			Expect(in.Clear()).To(Succeed())
			more = &capture{conn: c.conn, sent: time.Now()}
			more.read(5*time.Second, nil)
			Expect(more.err).To(MatchError(io.EOF), "closed once cleared")
			Expect(more.data).To(BeEmpty())
			healthy()
		})
	})

	Describe("body_stall, chunked", func() {
		It("sends a chunked 200 and one whole chunk of N bytes, then nothing: no last-chunk, the connection held until cleared", func(ctx SpecContext) {
			in := inject(ctx, &faults.BodyStall{Bytes: 100, Chunked: true}, faults.Options{})
			c := send(env.Proxy.Addr())
			chunk := append(append([]byte("64\r\n"), fillerBody(100)...), "\r\n"...)
			c.read(5*time.Second, func(b []byte) bool { h := headLen(b); return h > 0 && len(b) >= h+len(chunk) })
			Expect(c.err).NotTo(HaveOccurred(), "the head and the first chunk came")
			head := headLen(c.data)
			Expect(string(c.data[:head])).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
			Expect(string(c.data[:head])).To(ContainSubstring("\r\nTransfer-Encoding: chunked\r\n"))
			Expect(string(c.data[:head])).NotTo(ContainSubstring("Content-Length"))
			Expect(c.data[head:]).To(Equal(chunk), "exactly one chunk of the first 100 body bytes")

			more := &capture{conn: c.conn, sent: time.Now()}
			more.read(700*time.Millisecond, nil)
			Expect(isTimeout(more.err)).To(BeTrue(), "held open, not closed: %v", more.err)
			Expect(more.data).To(BeEmpty(), "no further chunk, and no last-chunk")

			Expect(in.Clear()).To(Succeed())
			more = &capture{conn: c.conn, sent: time.Now()}
			more.read(5*time.Second, nil)
			Expect(more.err).To(MatchError(io.EOF), "closed once cleared, the body still unended")
			Expect(more.data).To(BeEmpty())
			healthy()
		})

		It("with bytes 0, sends the head alone and stalls before the first chunk", func(ctx SpecContext) {
			inject(ctx, &faults.BodyStall{Bytes: 0, Chunked: true}, faults.Options{})
			c := send(env.Proxy.Addr())
			c.read(5*time.Second, func(b []byte) bool { return headLen(b) > 0 })
			Expect(c.err).NotTo(HaveOccurred())
			Expect(string(c.data)).To(ContainSubstring("\r\nTransfer-Encoding: chunked\r\n"))
			more := &capture{conn: c.conn, sent: time.Now()}
			more.read(500*time.Millisecond, nil)
			Expect(isTimeout(more.err)).To(BeTrue(), "held open: %v", more.err)
			Expect(len(c.data)+len(more.data)).To(Equal(headLen(c.data)), "nothing past the head")
		})
	})

	// The origin's journal has what it sent, so body_intact can judge what
	// a client got: the framing, the bytes sent, and that the body never
	// ended.
	DescribeTable("body_stall: the origin's record of its answer",
		func(ctx SpecContext, f *faults.BodyStall, declared int64) {
			inject(ctx, f, faults.Options{})
			obs := env.Do(ctx, harness.Request{Timeout: 500 * time.Millisecond})
			Expect(obs.Upstream).To(HaveLen(1))
			sum := sha256.Sum256(fillerBody(100))
			a := obs.Upstream[0].Answer
			Expect(a).NotTo(BeNil())
			Expect([]any{a.Status, a.Declared, a.Sent, a.SHA256, a.Complete, a.HeadError}).To(Equal(
				[]any{200, declared, int64(100), hex.EncodeToString(sum[:]), false, ""}))
			Expect(a.BodyError).To(HavePrefix("cut "))
		},
		Entry("with a Content-Length", &faults.BodyStall{Bytes: 100, ContentLength: 1000}, int64(1000)),
		Entry("chunked: no declared length", &faults.BodyStall{Bytes: 100, Chunked: true}, int64(-1)),
	)

	Describe("slow_close", func() {
		const delay = 1500 * time.Millisecond

		It("sends a complete answer, then closes only after the delay", func(ctx SpecContext) {
			inject(ctx, &faults.SlowClose{Delay: delay}, faults.Options{})
			c := send(env.Proxy.Addr())
			untilEOF(c, 10*time.Second)
			resp, body := c.response()
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.ContentLength).To(BeEquivalentTo(len(routeBody)))
			Expect(resp.Close).To(BeTrue(), "Connection: close")
			Expect(string(body)).To(Equal(routeBody))
			Expect(c.firstArrival(len(c.data)).at).To(BeNumerically("<", delay), "the answer came before the delay")
			Expect(time.Since(c.sent)).To(BeNumerically(">=", delay), "the close came after it")
		})

		It("with close_delimited, sends the body without a length, then closes after the delay", func(ctx SpecContext) {
			inject(ctx, &faults.SlowClose{Delay: delay, CloseDelimited: true}, faults.Options{})
			c := send(env.Proxy.Addr())
			untilEOF(c, 10*time.Second)
			head := headLen(c.data)
			Expect(string(c.data[:head])).NotTo(ContainSubstring("Content-Length"))
			Expect(string(c.data[:head])).NotTo(ContainSubstring("Transfer-Encoding"))
			Expect(string(c.data[head:])).To(Equal(routeBody))
			Expect(c.firstArrival(len(c.data)).at).To(BeNumerically("<", delay), "the body came before the delay")
			Expect(time.Since(c.sent)).To(BeNumerically(">=", delay), "the close, which ends the body, after it")
		})

		It("closes at once when cleared", func(ctx SpecContext) {
			in := inject(ctx, &faults.SlowClose{Delay: time.Minute}, faults.Options{})
			c := send(env.Proxy.Addr())
			c.read(5*time.Second, func(b []byte) bool { h := headLen(b); return h > 0 && len(b) >= h+len(routeBody) })
			Expect(c.err).NotTo(HaveOccurred())
			Expect(in.Clear()).To(Succeed())
			more := &capture{conn: c.conn, sent: time.Now()}
			more.read(5*time.Second, nil)
			Expect(more.err).To(MatchError(io.EOF))
			Expect(more.data).To(BeEmpty())
			healthy()
		})
	})

	It("rejects parameters that leave nothing slow", func() {
		for _, f := range []faults.Validator{
			&faults.DelayedHeaders{},
			&faults.DribbledHeaders{Pieces: 1, Interval: time.Second},
			&faults.DribbledHeaders{Pieces: 2},
			&faults.DribbledHeaders{Pieces: 5000, Interval: time.Millisecond},
			&faults.SlowBody{BytesPerSecond: 0, BodySize: 10},
			&faults.SlowBody{BytesPerSecond: 10, BodySize: 0},
			&faults.SlowBody{BytesPerSecond: 10, BodySize: 1 << 30},
			&faults.BodyStall{Bytes: 10, ContentLength: 10},
			&faults.BodyStall{Bytes: -1, ContentLength: 10},
			&faults.BodyStall{Bytes: -1, Chunked: true},
			&faults.SlowClose{},
		} {
			Expect(f.Validate()).To(HaveOccurred(), "%#v", f)
		}
	})
})
