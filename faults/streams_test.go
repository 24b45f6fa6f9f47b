package faults_test

import (
	"bufio"
	"context"
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

// These specs prove the stream faults on the wire: a raw TCP client sends
// a WebSocket handshake (or an event-stream request) to the origin's
// address and reads every byte the origin sends back.
var _ = Describe("stream faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, f faults.Fault) {
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	// open sends a request for path with the given id (a WebSocket
	// handshake when ws) and returns the connection and its reader.
	open := func(path, id string, ws bool) (net.Conn, *bufio.Reader) {
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = conn.Close() })
		head := "GET " + path + " HTTP/1.1\r\nHost: origin\r\n" + harness.RequestIDHeader + ": " + id + "\r\n"
		if ws {
			head += "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		} else {
			head += "Accept: text/event-stream\r\n"
		}
		_, err = conn.Write([]byte(head + "\r\n"))
		Expect(err).NotTo(HaveOccurred())
		return conn, bufio.NewReader(conn)
	}
	// RFC 6455's example key and its accept value.
	const switchHead = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	frame := func(n int, id string) string {
		p := fmt.Sprintf("gatecrash origin message %d for %s", n, id)
		return "\x81" + string(rune(len(p))) + p
	}
	readAll := func(conn net.Conn, r io.Reader, wait time.Duration) (string, error) {
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		b, err := io.ReadAll(r)
		return string(b), err
	}
	timedOut := func(err error) bool {
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}

	It("ws_upgrade_refused: the chosen error status and body instead of a 101, then a FIN", func(ctx SpecContext) {
		inject(ctx, &faults.WSUpgradeRefused{Status: 503, Body: "try later"})
		conn, r := open("/ws/", "r1", true)
		out, err := readAll(conn, r, 5*time.Second)
		Expect(err).NotTo(HaveOccurred(), "a clean close, not a reset")
		Expect(out).To(Equal("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntry later"))
	})

	It("ws_no_switch: a 200 answer, the connection held open, and a probe written after it noted as tunneled", func(ctx SpecContext) {
		inject(ctx, &faults.WSNoSwitch{Status: 200, Body: "no switch\n"})
		conn, r := open("/ws/", "n1", true)
		resp, err := http.ReadResponse(r, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(body)).To(Equal("no switch\n"))
		_, err = readAll(conn, r, 300*time.Millisecond)
		Expect(timedOut(err)).To(BeTrue(), "still open after the answer: %v", err)
		Expect(env.Origin.Tunneled("n1")).To(BeFalse(), "nothing was written yet")
		_, err = conn.Write([]byte(harness.TunnelProbe + " n1\r\n"))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() bool { return env.Origin.Tunneled("n1") }).Should(BeTrue())
	})

	It("ws_drop_mid_message: a 101, the whole messages, half a frame, then a FIN without a close frame", func(ctx SpecContext) {
		inject(ctx, &faults.WSDropMidMessage{Messages: 2})
		conn, r := open("/ws/", "d1", true)
		out, err := readAll(conn, r, 5*time.Second)
		Expect(err).NotTo(HaveOccurred(), "a clean close, not a reset")
		third := frame(3, "d1")
		Expect(out).To(Equal(switchHead + frame(1, "d1") + frame(2, "d1") + third[:len(third)/2]))
	})

	It("ws_stall: a 101, then nothing, the connection held until the fault clears", func(ctx SpecContext) {
		f := &faults.WSStall{}
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		conn, r := open("/ws/", "s1", true)
		out, err := readAll(conn, r, 700*time.Millisecond)
		Expect(timedOut(err)).To(BeTrue(), "still open: %v", err)
		Expect(out).To(Equal(switchHead))
		_, err = conn.Write([]byte("\x81\x80abcd")) // an empty masked text frame, never echoed
		Expect(err).NotTo(HaveOccurred())
		Expect(in.Clear()).To(Succeed())
		_, err = readAll(conn, r, 5*time.Second)
		Expect(timedOut(err)).To(BeFalse(), "closed once the fault cleared: %v", err)
	})

	DescribeTable("sse_cut_mid_event: whole events, then half an event and a FIN",
		func(ctx SpecContext, chunked bool, want func(events ...string) string) {
			inject(ctx, &faults.SSECutMidEvent{Events: 2, Chunked: chunked})
			conn, r := open("/sse/", "e1", false)
			out, err := readAll(conn, r, 5*time.Second)
			Expect(err).NotTo(HaveOccurred(), "a clean close, not a reset")
			third := string(harness.SSEEvent(3, "e1"))
			Expect(out).To(Equal(want(string(harness.SSEEvent(1, "e1")), string(harness.SSEEvent(2, "e1")), third[:len(third)/2])))
		},
		Entry("chunked, without the last chunk", true, func(events ...string) string {
			out := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
			for _, e := range events {
				out += fmt.Sprintf("%x\r\n%s\r\n", len(e), e)
			}
			return out
		}),
		Entry("delimited by the close", false, func(events ...string) string {
			return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n" + strings.Join(events, "")
		}),
	)

	It("sse_stall: the events, then silence with the connection held, released when the client closes", func(ctx SpecContext) {
		inject(ctx, &faults.SSEStall{Events: 2})
		conn, r := open("/sse/", "t1", false)
		out, err := readAll(conn, r, 700*time.Millisecond)
		Expect(timedOut(err)).To(BeTrue(), "still open: %v", err)
		e1, e2 := string(harness.SSEEvent(1, "t1")), string(harness.SSEEvent(2, "t1"))
		Expect(out).To(Equal("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n", len(e1), e1, len(e2), e2)))
		Expect(env.Origin.Held()).To(Equal(1))
		conn.Close()
		Eventually(env.Origin.Held).Should(Equal(0), "the origin let the connection go")
	})
})

// A gateway that tunnels everything: a plain TCP relay in front of the
// origin, attached as the gateway. It carries the client's bytes after the
// origin's 200 raw, so the client observes tunneled: what
// `stream: {tunneled: false}` fails on.
var _ = Describe("ws_no_switch through a gateway that tunnels everything", func() {
	It("is observed tunneled, not upgraded", func(ctx SpecContext) {
		origin, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ln.Close)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					up, err := net.Dial("tcp", origin)
					if err != nil {
						return
					}
					defer up.Close()
					go func() { _, _ = io.Copy(up, c); _ = up.(*net.TCPConn).CloseWrite() }()
					_, _ = io.Copy(c, up)
				}()
			}
		}()
		env := startEnvWith(ctx, harness.Config{OriginListen: origin, Gateway: &harness.Attached{Address: "http://" + ln.Addr().String()}})
		in, err := faults.Inject(ctx, env, &faults.WSNoSwitch{Status: 200, Body: "no switch\n"}, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		obs := env.Do(ctx, harness.Request{Path: "/ws/", Timeout: 10 * time.Second,
			Stream: &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: 1, ReadFor: time.Second}})
		Expect(obs.Status).To(Equal(200))
		Expect(obs.Stream.Upgraded).To(BeFalse())
		Expect(obs.Stream.Probed).To(BeTrue())
		Expect(obs.Stream.Tunneled).To(BeTrue(), obs.Stream.String())
		Expect(obs.Stream.StillOpen).To(BeTrue(), "the relay holds the tunnel open")
	})
})
