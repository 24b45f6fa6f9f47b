package harness_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

// serveOnce starts a raw TCP server that reads one request and then does
// what answer says; it returns the server's URL.
func serveOnce(answer func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(ln.Close)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
					return
				}
				answer(conn)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func write(s string) func(net.Conn) {
	return func(c net.Conn) { _, _ = c.Write([]byte(s)) }
}

var _ = Describe("the client", func() {
	DescribeTable("names every way an answer can be broken, and never hangs",
		func(answer func(net.Conn), status int, kind harness.ErrorKind, body string) {
			url := serveOnce(answer)
			obs := harness.Do(context.Background(), url, harness.Request{Timeout: 500 * time.Millisecond})
			Expect(obs.Status).To(Equal(status))
			Expect(obs.ErrorKind).To(Equal(kind), obs.Error)
			Expect(string(obs.Body)).To(Equal(body))
			Expect(obs.ValidHTTP()).To(Equal(kind == ""))
			Expect(obs.Total).To(BeNumerically("<", 5*time.Second))
		},
		Entry("a valid answer", write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"), 200, harness.ErrorKind(""), "hi"),
		Entry("a valid answer ended by close", write("HTTP/1.1 200 OK\r\n\r\nhello"), 200, harness.ErrorKind(""), "hello"),
		Entry("a close without a byte", func(net.Conn) {}, 0, harness.ErrEmptyReply, ""),
		Entry("garbage instead of a status line", write("SSH-2.0-OpenSSH_9.2\r\n"), 0, harness.ErrInvalidHTTP, ""),
		Entry("an invalid status code", write("HTTP/1.1 99999 Nope\r\n\r\n"), 0, harness.ErrInvalidHTTP, ""),
		Entry("a three-digit status code above 599, read with its body", write("HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nhi"), 999, harness.ErrInvalidStatus, "hi"),
		Entry("a three-digit status code below 100, read with its body", write("HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nhi"), 99, harness.ErrInvalidStatus, "hi"),
		Entry("a 999 whose body is cut: the cut is the error", write("HTTP/1.1 999 Weird\r\nContent-Length: 10\r\n\r\nhi"), 999, harness.ErrTruncated, "hi"),
		Entry("status code 000, which cannot be told from no status", write("HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nhi"), 0, harness.ErrInvalidHTTP, ""),
		Entry("a signed status code, not three digits", write("HTTP/1.1 +20 Plus\r\nContent-Length: 2\r\n\r\nhi"), 0, harness.ErrInvalidHTTP, ""),
		Entry("a control character in a header value", write("HTTP/1.1 200 OK\r\nX-Ok: bell\ahere\r\nContent-Length: 2\r\n\r\nhi"), 0, harness.ErrInvalidHTTP, ""),
		Entry("a header block cut short", write("HTTP/1.1 200 OK\r\nContent-Le"), 0, harness.ErrInvalidHTTP, ""),
		Entry("a body shorter than its Content-Length", write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"), 200, harness.ErrTruncated, "only this"),
		Entry("a chunked body cut before the last chunk", write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"), 200, harness.ErrTruncated, "hello"),
		Entry("an invalid chunk size", write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"), 200, harness.ErrInvalidHTTP, ""),
		Entry("a reset", func(c net.Conn) { _ = c.(*net.TCPConn).SetLinger(0) }, 0, harness.ErrReset, ""),
		Entry("no answer before the timeout", func(net.Conn) { time.Sleep(2 * time.Second) }, 0, harness.ErrTimeout, ""),
	)

	It("names a refused connect", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		ln.Close()
		obs := harness.Do(context.Background(), "http://"+addr, harness.Request{})
		Expect(obs.ErrorKind).To(Equal(harness.ErrRefused))
	})

	DescribeTable("says when its own timeout ended the exchange, and what the gateway had sent by then",
		func(answer func(net.Conn), brief, sent string) {
			url := serveOnce(func(c net.Conn) { answer(c); time.Sleep(2 * time.Second) })
			obs := harness.Do(context.Background(), url, harness.Request{Timeout: 300 * time.Millisecond})
			Expect(obs.ErrorKind).To(Equal(harness.ErrTimeout), obs.Error)
			Expect(obs.TimedOut()).To(BeTrue())
			Expect(obs.Timeout).To(Equal(300 * time.Millisecond))
			Expect(obs.Error).To(Equal("gatecrash gave up after its request timeout of 300ms; the gateway had sent " + sent))
			Expect(obs.Brief()).To(Equal(brief))
			Expect(obs.String()).To(Equal(brief + ": " + obs.Error))
		},
		Entry("nothing", func(net.Conn) {}, "no answer", "nothing"),
		Entry("part of the header block", write("HTTP/1.1 200 OK\r\n"), "no answer",
			"17 bytes, not yet a whole status line and header block"),
		Entry("the header block and part of a declared body", write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello"),
			"status 200, body unfinished", "the status line (200) and headers, and 5 body bytes of the 1000 it declared"),
		Entry("the header block and part of a chunked body", write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nh\r\n"),
			"status 200, body unfinished", "the status line (200) and headers, and 1 body byte"),
	)

	It("is not timed out by a context that ends first, even while connecting", func() {
		url := serveOnce(func(net.Conn) { time.Sleep(5 * time.Second) })
		ctx, cancel := context.WithTimeout(context.Background(), -time.Second) // the scenario's deadline, passed
		defer cancel()
		obs := harness.Do(ctx, url, harness.Request{Timeout: 10 * time.Second})
		Expect(obs.ErrorKind).To(Equal(harness.ErrInterrupted), obs.Error)
		Expect(obs.String()).NotTo(ContainSubstring("gave up"))
	})

	It("stops at once when its context ends", func() {
		url := serveOnce(func(net.Conn) { time.Sleep(5 * time.Second) })
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		obs := harness.Do(ctx, url, harness.Request{})
		Expect(obs.ErrorKind).To(Equal(harness.ErrInterrupted))
		Expect(obs.Total).To(BeNumerically("<", 3*time.Second))
	})

	It("measures the time to first byte apart from the total", func() {
		url := serveOnce(func(c net.Conn) {
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh"))
			time.Sleep(time.Second)
			_, _ = c.Write([]byte("i"))
		})
		obs := harness.Do(context.Background(), url, harness.Request{})
		Expect(obs.ValidHTTP()).To(BeTrue())
		// The last byte comes a second after the first; a busy machine may
		// read the first late, so allow half of that.
		Expect(obs.Total - obs.TTFB).To(BeNumerically(">=", 500*time.Millisecond))
	})

	It("stops reading a header block without end", func() {
		url := serveOnce(func(c net.Conn) {
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nX-Endless: "))
			chunk := []byte(strings.Repeat("a", 64<<10))
			for range 64 { // 4 MiB, past the 1 MiB limit
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		})
		obs := harness.Do(context.Background(), url, harness.Request{Timeout: 10 * time.Second})
		Expect(obs.ErrorKind).To(Equal(harness.ErrInvalidHTTP))
		Expect(obs.Error).To(ContainSubstring("header block longer than"))
	})

	It("says why a three-digit status is not valid HTTP, and what else broke", func() {
		obs := harness.Do(context.Background(), serveOnce(write("HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nhi")), harness.Request{})
		Expect(obs.Error).To(Equal(`status code 999 ("999 Weird") is outside 100 to 599, the codes RFC 9110 defines`))
		Expect(obs.String()).To(HavePrefix("status 999 in "))
		Expect(obs.BodyBytes).To(Equal(int64(2)))
		Expect(obs.BodySHA256).NotTo(BeEmpty())

		obs = harness.Do(context.Background(), serveOnce(write("HTTP/1.1 999 Weird\r\nContent-Length: 10\r\n\r\nhi")), harness.Request{})
		Expect(obs.Error).To(HavePrefix("unexpected EOF"))
		Expect(obs.Error).To(HaveSuffix(`; and status code 999 ("999 Weird") is outside 100 to 599, the codes RFC 9110 defines`))
	})

	It("reads past 1xx answers to the final one", func() {
		url := serveOnce(write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
		obs := harness.Do(context.Background(), url, harness.Request{})
		Expect(obs.Status).To(Equal(502))
		Expect(obs.ValidHTTP()).To(BeTrue())
	})
})
