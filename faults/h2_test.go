package faults_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// h2Body is the route's body in these specs: 32 bytes, cut at 16.
const h2Body = "hello from the gatecrash origin\n"

// rawH2 sends one GET / over h2c with prior knowledge, written frame by
// frame, and lists every frame the origin sends back until it closes the
// connection, or a frame for which stop is true, or two seconds pass. Each
// frame is one line, as the specs expect them. Header blocks are decoded
// without any check, so that a forbidden field shows as it was sent.
func rawH2(addr string, stop func(http2.Frame) bool) []string {
	return rawH2Request(addr, "GET", 2*time.Second, stop)
}

// rawH2Request is rawH2 with a method: a POST's HEADERS leave the stream
// open for a body, which it never sends; wait bounds the reading.
func rawH2Request(addr, method string, wait time.Duration, stop func(http2.Frame) bool) []string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	Expect(err).NotTo(HaveOccurred())
	return rawH2On(conn, method, wait, stop)
}

// rawH2On is rawH2Request on conn, a connection already open (over TLS,
// say), which it closes.
func rawH2On(conn net.Conn, method string, wait time.Duration, stop func(http2.Frame) bool) []string {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))
	_, err := conn.Write([]byte(http2.ClientPreface))
	Expect(err).NotTo(HaveOccurred())
	fr := http2.NewFramer(conn, conn)
	Expect(fr.WriteSettings()).To(Succeed())
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", "origin"}, {":path", "/"}, {"x-gatecrash-request", "raw-1"}} {
		Expect(enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})).To(Succeed())
	}
	Expect(fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true, EndStream: method == "GET"})).To(Succeed())
	dec := hpack.NewDecoder(4096, nil)
	var seen []string
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				seen = append(seen, "error: "+err.Error())
			} else {
				seen = append(seen, "EOF")
			}
			return seen
		}
		var fields []hpack.HeaderField
		if hf, ok := f.(*http2.HeadersFrame); ok {
			Expect(hf.HeadersEnded()).To(BeTrue(), "one HEADERS frame, no CONTINUATION")
			fields, err = dec.DecodeFull(hf.HeaderBlockFragment())
			Expect(err).NotTo(HaveOccurred())
		}
		seen = append(seen, describeFrame(f, fields))
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			Expect(fr.WriteSettingsAck()).To(Succeed())
		}
		if stop != nil && stop(f) {
			return seen
		}
	}
}

// describeFrame is a frame as one line: its type, stream and what the
// specs check of it. A HEADERS frame shows :status and content-length,
// and the names of its fields in their order, but for the date and
// content-type the origin adds.
func describeFrame(f http2.Frame, fields []hpack.HeaderField) string {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if f.IsAck() {
			return "SETTINGS ack"
		}
		line := "SETTINGS"
		_ = f.ForeachSetting(func(s http2.Setting) error {
			line += fmt.Sprintf(" %s=%d", s.ID, s.Val)
			return nil
		})
		return line
	case *http2.HeadersFrame:
		value := func(name string) string {
			for _, hf := range fields {
				if hf.Name == name {
					return hf.Value
				}
			}
			return ""
		}
		var names []string
		for _, hf := range fields {
			if hf.Name != "date" && hf.Name != "content-type" {
				names = append(names, hf.Name)
			}
		}
		return fmt.Sprintf("HEADERS stream=%d :status=%s content-length=%s end_stream=%t fields=%s",
			f.StreamID, value(":status"), value("content-length"), f.StreamEnded(), strings.Join(names, ","))
	case *http2.DataFrame:
		return fmt.Sprintf("DATA stream=%d %q end_stream=%t", f.StreamID, f.Data(), f.StreamEnded())
	case *http2.RSTStreamFrame:
		return fmt.Sprintf("RST_STREAM stream=%d %s", f.StreamID, f.ErrCode)
	case *http2.GoAwayFrame:
		return fmt.Sprintf("GOAWAY last=%d %s", f.LastStreamID, f.ErrCode)
	default:
		return f.Header().Type.String()
	}
}

// isEndOfData stops reading at the DATA frame that ends the stream.
func isEndOfData(f http2.Frame) bool {
	return f.Header().Type == http2.FrameData && f.Header().Flags.Has(http2.FlagDataEndStream)
}

// retried says Go's client retries the request after the fault: the
// stream was refused, or GOAWAY said it was not processed.
func retried(name, params string) bool {
	return params == "REFUSED_STREAM" || params == "below_last_stream" || name == "h2_max_concurrent_streams_zero"
}

// isRST stops reading at the stream's reset: the connection stays up.
func isRST(f http2.Frame) bool { _, ok := f.(*http2.RSTStreamFrame); return ok }

// h2cClient is a real HTTP/2 client speaking h2c with prior knowledge, as
// a gateway with an h2c upstream does.
func h2cClient() *http.Client {
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	DeferCleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// h2cGet gets / over h2c and reads the whole body: the status, the body
// read and the error of the request or of reading the body.
func h2cGet(client *http.Client, addr string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set(harness.RequestIDHeader, "client-1")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	Expect(resp.ProtoMajor).To(Equal(2))
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// watchedConn is a client's connection that says when the client first
// read from it and when it closed it.
type watchedConn struct {
	net.Conn
	read, closed chan struct{}
	readOnce     sync.Once
	closeOnce    sync.Once
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.readOnce.Do(func() { close(c.read) })
	}
	return n, err
}

func (c *watchedConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// streamError matches an error that carries an HTTP/2 RST_STREAM with code.
func streamError(code http2.ErrCode) OmegaMatcher {
	return WithTransform(func(err error) (http2.ErrCode, error) {
		var se http2.StreamError
		if !errors.As(err, &se) {
			return 0, fmt.Errorf("not a stream error: %v", err)
		}
		return se.Code, nil
	}, Equal(code))
}

// These specs prove the HTTP/2 faults on the wire: the frames a raw
// client reads, frame by frame, and what a real HTTP/2 client makes of
// them, both speaking h2c with prior knowledge to the origin's endpoint.
var _ = Describe("HTTP/2 faults on the wire", func() {
	var (
		env  *harness.Environment
		addr string
	)

	BeforeEach(func(ctx SpecContext) {
		env = startEnvWith(ctx, harness.Config{H2C: true})
		addr = env.Addresses().OriginH2C
		Expect(addr).NotTo(BeEmpty())
	})

	inject := func(ctx context.Context, name string, params string, opts faults.Options) {
		def, ok := faults.Lookup(name)
		Expect(ok).To(BeTrue(), "fault %q is registered", name)
		Expect(def.Family).To(Equal(faults.FamilyHTTP2))
		Expect(def.Needs.H2C).To(BeTrue())
		f := def.New()
		switch f := f.(type) {
		case *faults.H2GoAway:
			if params != "" {
				f.Mode = params
			}
		case *faults.H2RSTBeforeHeaders:
			if params != "" {
				f.ErrorCode = faults.ErrCode(params)
			}
		case *faults.H2InvalidHeaders:
			if params != "" {
				f.Kind = params
			}
		}
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	It("serves the routes over h2c when healthy, tagged in the journal like HTTP/1.1", func(ctx SpecContext) {
		Expect(rawH2(addr, func(f http2.Frame) bool {
			return f.Header().Flags.Has(http2.FlagDataEndStream) && f.Header().Type == http2.FrameData
		})).To(ContainElements(
			"HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,x-gatecrash-answer-to,content-length",
			`DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`,
		))
		status, body, err := h2cGet(h2cClient(), addr)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(200))
		Expect(body).To(Equal(h2Body))
		Expect(env.Origin.Requests()).To(Equal(2))
		Expect(env.H2C.Connections()).To(Equal(2))
		Expect(env.Origin.Connections()).To(BeZero(), "not through the HTTP/1.1 port")
	})

	DescribeTable("the frames each fault sends, and what a real client gets",
		func(ctx SpecContext, name, params string, stop func(http2.Frame) bool, frames []string, client func(status int, body string, err error)) {
			inject(ctx, name, params, faults.Options{})
			Expect(rawH2(addr, stop)).To(Equal(frames))
			client(h2cGet(h2cClient(), addr))
			if retried(name, params) {
				Expect(env.Origin.Requests()).To(BeNumerically(">", 2), "Go's client retried the unprocessed request, and every try was read and noted")
			} else {
				Expect(env.Origin.Requests()).To(Equal(2), "both requests were read and noted")
			}
		},
		Entry("h2_rst_before_headers: RST_STREAM INTERNAL_ERROR, no HEADERS", "h2_rst_before_headers", "", isRST,
			[]string{"SETTINGS", "SETTINGS ack", "RST_STREAM stream=1 INTERNAL_ERROR"},
			func(_ int, _ string, err error) { Expect(err).To(streamError(http2.ErrCodeInternal)) }),
		Entry("h2_rst_before_headers with error_code REFUSED_STREAM", "h2_rst_before_headers", "REFUSED_STREAM", isRST,
			[]string{"SETTINGS", "SETTINGS ack", "RST_STREAM stream=1 REFUSED_STREAM"},
			// Go's client retries a refused stream, and meets it again.
			func(_ int, _ string, err error) { Expect(err).To(HaveOccurred()) }),
		Entry("h2_rst_after_headers: HEADERS, then RST_STREAM", "h2_rst_after_headers", "", isRST,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to", "RST_STREAM stream=1 INTERNAL_ERROR"},
			func(status int, body string, err error) {
				Expect(status).To(Equal(200), "the head came")
				Expect(body).To(BeEmpty())
				Expect(err).To(streamError(http2.ErrCodeInternal))
			}),
		Entry("h2_rst_mid_data: HEADERS, half the body, then RST_STREAM", "h2_rst_mid_data", "", isRST,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to",
				`DATA stream=1 "hello from the g" end_stream=false`, "RST_STREAM stream=1 INTERNAL_ERROR"},
			func(status int, body string, err error) {
				Expect(status).To(Equal(200))
				Expect(body).To(Equal(h2Body[:16]))
				Expect(err).To(streamError(http2.ErrCodeInternal))
			}),
		Entry("h2_goaway immediate: GOAWAY with the request's stream as the last, then the close", "h2_goaway", "immediate", nil,
			[]string{"SETTINGS", "SETTINGS ack", "GOAWAY last=1 NO_ERROR", "EOF"},
			func(_ int, _ string, err error) {
				var ga http2.GoAwayError
				Expect(errors.As(err, &ga)).To(BeTrue(), "a GOAWAY error: %v", err)
				Expect(ga.LastStreamID).To(Equal(uint32(1)))
			}),
		Entry("h2_goaway graceful: GOAWAY 2^31-1, the answer, GOAWAY with the request's stream, the close", "h2_goaway", "graceful", nil,
			[]string{"SETTINGS", "SETTINGS ack", "GOAWAY last=2147483647 NO_ERROR",
				"HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to", `DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`,
				"GOAWAY last=1 NO_ERROR", "EOF"},
			func(status int, body string, err error) {
				Expect(err).NotTo(HaveOccurred())
				Expect(status).To(Equal(200))
				Expect(body).To(Equal(h2Body))
			}),
		Entry("h2_goaway below_last_stream: GOAWAY with last-stream-id 0, then the close", "h2_goaway", "below_last_stream", nil,
			[]string{"SETTINGS", "SETTINGS ack", "GOAWAY last=0 NO_ERROR", "EOF"},
			// Go's client retries an unprocessed stream, and meets it again.
			func(_ int, _ string, err error) { Expect(err).To(HaveOccurred()) }),
		Entry("h2_max_concurrent_streams_zero: SETTINGS with no stream allowed, the stream refused", "h2_max_concurrent_streams_zero", "", isRST,
			[]string{"SETTINGS MAX_CONCURRENT_STREAMS=0", "SETTINGS ack", "RST_STREAM stream=1 REFUSED_STREAM"},
			func(_ int, _ string, err error) { Expect(err).To(HaveOccurred()) }),
		Entry("h2_invalid_headers connection_specific: a Connection field in HEADERS", "h2_invalid_headers", "connection_specific", isEndOfData,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,connection",
				`DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`},
			// Go's client checks field names, not connection-specific
			// fields in a response: it lets this one through.
			func(status int, body string, err error) {
				Expect(err).NotTo(HaveOccurred())
				Expect(status).To(Equal(200))
				Expect(body).To(Equal(h2Body))
			}),
		Entry("h2_invalid_headers uppercase: a field name with capitals", "h2_invalid_headers", "uppercase", isEndOfData,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,X-Gatecrash-Upper",
				`DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`},
			func(_ int, _ string, err error) { Expect(err).To(streamError(http2.ErrCodeProtocol)) }),
		Entry("h2_invalid_headers pseudo_after_regular: :status after content-length", "h2_invalid_headers", "pseudo_after_regular", isEndOfData,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=content-length,:status",
				`DATA stream=1 "hello from the gatecrash origin\n" end_stream=true`},
			func(_ int, _ string, err error) { Expect(err).To(streamError(http2.ErrCodeProtocol)) }),
		Entry("h2_data_beyond_content_length: 16 digits past the declared 32 bytes", "h2_data_beyond_content_length", "", isEndOfData,
			[]string{"SETTINGS", "SETTINGS ack", "HEADERS stream=1 :status=200 content-length=32 end_stream=false fields=:status,content-length,x-gatecrash-answer-to",
				`DATA stream=1 "hello from the gatecrash origin\n0123456789012345" end_stream=true`},
			func(status int, body string, err error) {
				Expect(status).To(Equal(200))
				Expect(err).To(HaveOccurred())
				Expect(len(body)).To(BeNumerically("<=", len(h2Body)), "never the extra bytes")
			}),
	)

	It("h2_flow_control_stall: SETTINGS with a zero window, then no WINDOW_UPDATE: a body stalls, a GET is served", func(ctx SpecContext) {
		inject(ctx, "h2_flow_control_stall", "", faults.Options{})
		frames := rawH2Request(addr, "POST", 500*time.Millisecond, nil)
		Expect(frames).To(HaveLen(3))
		Expect(frames[:2]).To(Equal([]string{"SETTINGS INITIAL_WINDOW_SIZE=0", "SETTINGS ack"}))
		Expect(frames[2]).To(HaveSuffix("i/o timeout"), "nothing more: no WINDOW_UPDATE, no answer")

		client := h2cClient()
		client.Timeout = 500 * time.Millisecond
		// Over the connection's window (65535): it stalls whenever the
		// client sends it.
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(strings.Repeat("x", 70000)))
		Expect(err).NotTo(HaveOccurred())
		_, err = client.Do(req)
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "the client gave up waiting: %v", err)
		Expect(env.H2C.Connections()).To(Equal(2))

		status, body, err := h2cGet(client, addr)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(200))
		Expect(body).To(Equal(h2Body))
		Expect(env.Origin.Requests()).To(Equal(3), "the raw POST, the client's POST and its GET")
		Expect(env.H2C.Connections()).To(Equal(2), "the GET on the POST's connection, which goes on")
	})

	It("h2_http1_answer: the preface is answered with HTTP/1.1 bytes, then FIN", func(ctx SpecContext) {
		inject(ctx, "h2_http1_answer", "", faults.Options{})
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = conn.Write([]byte(http2.ClientPreface))
		Expect(err).NotTo(HaveOccurred())
		Expect(http2.NewFramer(conn, conn).WriteSettings()).To(Succeed())
		got, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "a FIN, not a reset")
		Expect(string(got)).To(Equal("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"))

		_, _, err = h2cGet(h2cClient(), addr)
		Expect(err).To(HaveOccurred())
		Expect(env.Origin.Requests()).To(BeZero(), "no HTTP/2 request was read")
		Expect(env.H2C.Connections()).To(Equal(2))
	})

	It("h2_goaway below_last_stream: a client retries the unprocessed request on a new connection", func(ctx SpecContext) {
		inject(ctx, "h2_goaway", "below_last_stream", faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		status, body, err := h2cGet(h2cClient(), addr)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(200))
		Expect(body).To(Equal(h2Body))
		Expect(env.H2C.Connections()).To(Equal(2), "the GOAWAY's connection, then the retry's")
		Expect(env.Origin.Requests()).To(Equal(2))
	})

	// A gateway may open a connection during the fault that carries no
	// request (it saw MAX_CONCURRENT_STREAMS 0 first, or the request that
	// asked for it went elsewhere). Closed without a GOAWAY, Go's client
	// keeps such a connection in its pool for up to 5 seconds and fails the
	// next request on it: "http2: client conn could not be established".
	// Here the client's dial is held until its request has given up, so the
	// connection never carries one, whatever the timing.
	It("clearing a fault ends its connections with a GOAWAY: an unused one leaves the client's pool, the next request is served", func(ctx SpecContext) {
		def, _ := faults.Lookup("h2_max_concurrent_streams_zero")
		in, err := faults.Inject(ctx, env, def.New(), faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)

		dialing, gate := make(chan struct{}), make(chan struct{})
		read, closed := make(chan struct{}), make(chan struct{})
		var dials atomic.Int32
		tr := &http.Transport{Protocols: new(http.Protocols), DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			first := dials.Add(1) == 1
			if first {
				close(dialing)
				<-gate
			}
			conn, err := (&net.Dialer{}).DialContext(ctx, network, a)
			if err != nil || !first {
				return conn, err
			}
			return &watchedConn{Conn: conn, read: read, closed: closed}, nil
		}}
		tr.Protocols.SetUnencryptedHTTP2(true)
		DeferCleanup(tr.CloseIdleConnections)
		get := func(ctx context.Context) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
			Expect(err).NotTo(HaveOccurred())
			return tr.RoundTrip(req)
		}

		// The request gives up while its dial is held; the dial goes on
		// (net/http detaches it from the request) and its connection,
		// never used, goes into the pool.
		reqCtx, cancel := context.WithCancel(ctx)
		errs := make(chan error, 1)
		go func() { _, err := get(reqCtx); errs <- err }()
		Eventually(dialing).Should(BeClosed())
		cancel()
		Eventually(errs).Should(Receive(MatchError(context.Canceled)))
		close(gate)
		Eventually(read, 5*time.Second).Should(BeClosed(), "the client read the fault's SETTINGS")

		Expect(in.Clear()).To(Succeed())
		Eventually(closed, 5*time.Second).Should(BeClosed(), "the client closed the fault's connection")
		resp, err := get(ctx)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(200))
		Expect(string(body)).To(Equal(h2Body))
		Expect(dials.Load()).To(Equal(int32(2)), "a new connection for the request after the fault")
	})

	It("refuses to inject without the h2c endpoint, and validation asks for origin.h2c", func(ctx SpecContext) {
		plain := startEnv(ctx)
		for _, d := range faults.All() {
			if d.Family != faults.FamilyHTTP2 {
				continue
			}
			name := d.Name
			def, _ := faults.Lookup(name)
			_, err := faults.Inject(ctx, plain, def.New(), faults.Options{})
			Expect(err).To(MatchError(ContainSubstring("origin.h2c: true")), name)
			Expect(def.New().(faults.SuiteChecker).CheckSuite(faults.SuiteFacts{})).To(MatchError(ContainSubstring("origin.h2c: true")), name)
			Expect(def.Needs.Unmet(faults.SuiteFacts{}).String()).To(Equal("needs the origin's h2c endpoint: a suite with origin.h2c: true (or origin.h2tls: true)"))
			Expect(def.Needs.Unmet(faults.SuiteFacts{H2C: true, Routes: []string{"/h2c/"}})).To(BeNil())
		}
	})

	It("validates the error code and the mode", func() {
		Expect((&faults.H2RSTMidData{ErrorCode: "OOPS"}).Validate()).To(MatchError(ContainSubstring("error_code: expected an HTTP/2 error code, one of NO_ERROR, PROTOCOL_ERROR")))
		Expect((&faults.H2RSTAfterHeaders{ErrorCode: "CANCEL"}).Validate()).To(Succeed())
		Expect((&faults.H2GoAway{Mode: "later", ErrorCode: "NO_ERROR"}).Validate()).To(MatchError(`mode: expected immediate, graceful or below_last_stream; got "later"`))
		Expect((&faults.H2InvalidHeaders{Kind: "lowercase"}).Validate()).To(MatchError(ContainSubstring("kind: expected connection_specific")))
		Expect((&faults.H2DataBeyondContentLength{}).Validate()).To(MatchError(ContainSubstring("extra: expected 1 to 8192")))
		Expect((&faults.H2HTTP1Answer{Bytes: "PRI * HTTP/2.0"}).Validate()).To(MatchError(ContainSubstring("an HTTP/1.x answer")))
		Expect((&faults.H2FlowControlStall{Window: 65535}).Validate()).To(MatchError(ContainSubstring("window: expected 0 to 65534")))
		for _, d := range faults.All() {
			if v, ok := d.New().(faults.Validator); ok && d.Family == faults.FamilyHTTP2 {
				Expect(v.Validate()).To(Succeed(), "%s's defaults", d.Name)
			}
		}
	})
})
