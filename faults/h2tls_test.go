package faults_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove that the HTTP/2 faults act on the origin's
// HTTP/2-over-TLS endpoint as on its h2c one: a raw client that
// negotiates h2 with ALPN reads the same frames inside TLS, and a real
// HTTP/2 client over TLS makes the same of them; a client that offers
// only http/1.1 gets HTTP/1.1, which the faults leave alone.
var _ = Describe("HTTP/2 faults over TLS with ALPN, on the wire", func() {
	var (
		env   *harness.Environment
		addr  string
		roots *x509.CertPool
	)

	BeforeEach(func(ctx SpecContext) {
		env = startEnvWith(ctx, harness.Config{H2TLS: true})
		addr = env.Addresses().OriginH2TLS
		Expect(addr).NotTo(BeEmpty())
		roots = x509.NewCertPool()
		roots.AddCert(env.TLS.CA.Cert)
	})

	tlsConfig := func(protos ...string) *tls.Config {
		return &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: protos}
	}

	// rawH2TLS is rawH2 over TLS, after checking that ALPN chose h2.
	rawH2TLS := func(stop func(http2.Frame) bool) []string {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second}, Config: tlsConfig(harness.ALPNH2)}
		conn, err := d.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		Expect(conn.(*tls.Conn).ConnectionState().NegotiatedProtocol).To(Equal("h2"))
		return rawH2On(conn, "GET", 2*time.Second, stop)
	}

	// get gets / with a real client offering protos, and reads the whole
	// body: HTTP/2 when it offers h2, else HTTP/1.1.
	get := func(protos ...string) (proto string, status int, body string, err error) {
		var rt http.RoundTripper
		if len(protos) > 0 && protos[0] == harness.ALPNH2 {
			tr := &http2.Transport{TLSClientConfig: tlsConfig(protos...)}
			DeferCleanup(tr.CloseIdleConnections)
			rt = tr
		} else {
			tr := &http.Transport{TLSClientConfig: tlsConfig(protos...)}
			DeferCleanup(tr.CloseIdleConnections)
			rt = tr
		}
		req, err := http.NewRequest(http.MethodGet, "https://"+addr+"/", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set(harness.RequestIDHeader, "client-1")
		resp, err := (&http.Client{Transport: rt, Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			return "", 0, "", err
		}
		defer resp.Body.Close()
		Expect(resp.TLS).NotTo(BeNil())
		b, err := io.ReadAll(resp.Body)
		return resp.Proto + " " + resp.TLS.NegotiatedProtocol, resp.StatusCode, string(b), err
	}

	inject := func(ctx context.Context, f faults.Fault) {
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	It("serves the routes over HTTP/2 after ALPN h2, and HTTP/1.1 after ALPN http/1.1, tagged in the journal", func(ctx SpecContext) {
		Expect(rawH2TLS(isEndOfData)).To(ContainElements(
			"HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,x-gatecrash-answer-to,content-length",
			`DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`,
		))
		for _, tc := range []struct {
			offer []string
			proto string
		}{
			{[]string{"h2", "http/1.1"}, "HTTP/2.0 h2"},
			{[]string{"http/1.1"}, "HTTP/1.1 http/1.1"},
			{nil, "HTTP/1.1 "},
		} {
			proto, status, body, err := get(tc.offer...)
			Expect(err).NotTo(HaveOccurred(), "offering %v", tc.offer)
			Expect(proto).To(Equal(tc.proto), "offering %v", tc.offer)
			Expect(status).To(Equal(200))
			Expect(body).To(Equal(h2Body))
		}
		Expect(env.Origin.Requests()).To(Equal(4))
		Expect(env.H2C.Connections()).To(Equal(4))
		Expect(env.Origin.Connections()).To(BeZero(), "not through the HTTP/1.1 port")
		Expect(env.TLS.Connections()).To(BeZero(), "not through the TLS endpoint")
	})

	DescribeTable("the frames each fault sends inside TLS, and what a real HTTP/2 client over TLS gets",
		func(ctx SpecContext, f faults.Fault, stop func(http2.Frame) bool, frames []string, client func(status int, body string, err error)) {
			inject(ctx, f)
			Expect(rawH2TLS(stop)).To(Equal(frames))
			_, status, body, err := get(harness.ALPNH2)
			client(status, body, err)
			if _, refused := f.(*faults.H2MaxConcurrentStreamsZero); refused {
				Expect(env.Origin.Requests()).To(BeNumerically(">", 2), "Go's client retried the refused stream, and every try was read and noted")
			} else {
				Expect(env.Origin.Requests()).To(Equal(2), "both requests were read and noted")
			}
		},
		Entry("h2_rst_before_headers: RST_STREAM INTERNAL_ERROR, no HEADERS", &faults.H2RSTBeforeHeaders{ErrorCode: "INTERNAL_ERROR"}, isRST,
			[]string{"SETTINGS", "SETTINGS ack", "RST_STREAM stream=1 INTERNAL_ERROR"},
			func(_ int, _ string, err error) { Expect(err).To(streamError(http2.ErrCodeInternal)) }),
		Entry("h2_rst_mid_data: HEADERS, half the body, then RST_STREAM", &faults.H2RSTMidData{ErrorCode: "INTERNAL_ERROR"}, isRST,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to",
				`DATA stream=1 "hello from the g" end_stream=false`, "RST_STREAM stream=1 INTERNAL_ERROR"},
			func(status int, body string, err error) {
				Expect(status).To(Equal(200))
				Expect(body).To(Equal(h2Body[:16]))
				Expect(err).To(streamError(http2.ErrCodeInternal))
			}),
		Entry("h2_goaway immediate: GOAWAY with the request's stream as the last, then the close", &faults.H2GoAway{Mode: "immediate", ErrorCode: "NO_ERROR"}, nil,
			[]string{"SETTINGS", "SETTINGS ack", "GOAWAY last=1 NO_ERROR", "EOF"},
			func(_ int, _ string, err error) {
				var ga http2.GoAwayError
				Expect(errors.As(err, &ga)).To(BeTrue(), "a GOAWAY error: %v", err)
				Expect(ga.LastStreamID).To(Equal(uint32(1)))
			}),
		Entry("h2_goaway graceful: GOAWAY 2^31-1, the answer, GOAWAY with the request's stream, the close", &faults.H2GoAway{Mode: "graceful", ErrorCode: "NO_ERROR"}, nil,
			[]string{"SETTINGS", "SETTINGS ack", "GOAWAY last=2147483647 NO_ERROR",
				"HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to", `DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`,
				"GOAWAY last=1 NO_ERROR", "EOF"},
			func(status int, body string, err error) {
				Expect(err).NotTo(HaveOccurred())
				Expect(status).To(Equal(200))
				Expect(body).To(Equal(h2Body))
			}),
		Entry("h2_max_concurrent_streams_zero: SETTINGS with no stream allowed, the stream refused", &faults.H2MaxConcurrentStreamsZero{}, isRST,
			[]string{"SETTINGS MAX_CONCURRENT_STREAMS=0", "SETTINGS ack", "RST_STREAM stream=1 REFUSED_STREAM"},
			// Go's client retries a refused stream, and meets it again.
			func(_ int, _ string, err error) { Expect(err).To(HaveOccurred()) }),
	)

	It("leaves a connection that negotiated http/1.1 alone: the HTTP/2 faults are frame-level", func(ctx SpecContext) {
		inject(ctx, &faults.H2RSTBeforeHeaders{ErrorCode: "INTERNAL_ERROR"})
		proto, status, body, err := get(harness.ALPNHTTP11)
		Expect(err).NotTo(HaveOccurred())
		Expect(proto).To(Equal("HTTP/1.1 http/1.1"))
		Expect(status).To(Equal(200))
		Expect(body).To(Equal(h2Body))
		_, _, _, err = get(harness.ALPNH2, harness.ALPNHTTP11)
		Expect(err).To(streamError(http2.ErrCodeInternal), "the same fault meets HTTP/2")
	})

	It("answers HTTP/1.1 bytes inside TLS after ALPN h2 (h2_http1_answer)", func(ctx SpecContext) {
		inject(ctx, &faults.H2HTTP1Answer{Bytes: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"})
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: time.Second}, Config: tlsConfig(harness.ALPNH2)}
		conn, err := d.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		Expect(conn.(*tls.Conn).ConnectionState().NegotiatedProtocol).To(Equal("h2"))
		_, err = conn.Write([]byte(http2.ClientPreface))
		Expect(err).NotTo(HaveOccurred())
		got, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "the origin ended with close_notify")
		Expect(string(got)).To(Equal("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	})

	It("grpc_status acts over TLS too: without the h2c endpoint the builtin gateway sends gRPC calls to the h2tls one", func(ctx SpecContext) {
		Expect(env.Addresses().OriginH2C).To(BeEmpty())
		in, err := faults.Inject(ctx, env, &faults.GRPCStatus{Code: "UNAVAILABLE", Message: "draining"}, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		obs := env.Do(ctx, harness.Request{Timeout: 5 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping"}})
		Expect(obs.GRPC).NotTo(BeNil())
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: 14, Message: "draining", Where: "trailers"}))
		Expect(obs.Upstream).To(ConsistOf(And(HaveField("Endpoint", "h2tls"), HaveField("Tagged", true), HaveField("Faulted", true))))
	})
})
