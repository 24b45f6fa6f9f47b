package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Request is what the client sends to the gateway.
type Request struct {
	Method  string
	Path    string
	Headers map[string]string
	Body    string
	// Timeout bounds the whole exchange; zero means DefaultRequestTimeout.
	Timeout time.Duration
	// ID, when set, is sent in the RequestIDHeader so the origin can tie
	// its upstream attempts to this request (Environment.Do sets it).
	ID string
	// GRPC, when set, makes the request a gRPC call over h2c (Method and
	// Body are then unused): see GRPCRequest.
	GRPC *GRPCRequest
	// H2C sends the request over HTTP/2 in clear text with prior
	// knowledge, to a gateway that takes only that (a gRPC call always
	// goes so).
	H2C bool
	// Stream, when set, opens a WebSocket or reads server-sent events
	// instead of reading one answer (a GET; Method and Body unused).
	Stream *StreamRequest
}

// DefaultRequestTimeout bounds a request that names no timeout, so a gateway
// that never answers cannot hang the run.
const DefaultRequestTimeout = 30 * time.Second

// maxBody caps how much of a body the client keeps (the rest is counted,
// not kept), and maxHeader the status line and header block, so a gateway
// that sends without end cannot exhaust memory.
const (
	maxBody   = 16 << 20
	maxHeader = 1 << 20
)

// ErrorKind names why an answer was not a complete, valid HTTP response.
type ErrorKind string

// The ways an exchange with the gateway can fail.
const (
	ErrRefused     ErrorKind = "refused"      // the connect was refused
	ErrTimeout     ErrorKind = "timeout"      // gatecrash's own request timeout fired before the answer was complete
	ErrReset       ErrorKind = "reset"        // the connection was reset
	ErrEmptyReply  ErrorKind = "empty_reply"  // closed without sending a byte
	ErrInvalidHTTP ErrorKind = "invalid_http" // bytes arrived, but not a valid HTTP response
	// ErrInvalidStatus: a whole answer arrived, but its three-digit status
	// code is outside 100 to 599; its status and body are read and reported
	// as for any other answer.
	ErrInvalidStatus ErrorKind = "invalid_status"
	ErrTruncated     ErrorKind = "truncated_body" // the body ended before its declared length
	ErrInterrupted   ErrorKind = "interrupted"    // the run was interrupted
	ErrConnect       ErrorKind = "connect_error"  // any other failure to connect
)

// Observation is what the client saw of one request.
type Observation struct {
	// Start is when the request was sent.
	Start time.Time
	// Status is the three-digit code of the answer's status line, whatever
	// its value (999 too); 0 when no status line with three digits (001 to
	// 999) arrived. A code outside 100 to 599 is reported as it came, the
	// body read as for any other answer, and ErrorKind says it is invalid.
	Status int
	Header http.Header
	// Body is the body as received, its first 16 MiB; BodyBytes counts all
	// of it and BodySHA256 is the hash (hex) of all of it.
	Body       []byte
	BodyBytes  int64
	BodySHA256 string
	// TTFB is the time to the first byte of the answer, zero when none came.
	TTFB time.Duration
	// Total is the time until the answer was complete or failed.
	Total time.Duration
	// ErrorKind and Error say why the answer was not valid, complete HTTP;
	// both are empty when it was. After ErrTimeout, Error says that
	// gatecrash gave up, and what the gateway had sent by then.
	ErrorKind ErrorKind
	Error     string
	// Timeout is the request timeout gatecrash gave the exchange
	// (Request.Timeout, or DefaultRequestTimeout).
	Timeout time.Duration
	// HeadBytes counts the bytes of the status line and header block that
	// arrived, 1xx answers included, whole or not.
	HeadBytes int
	// ID is the request id the client sent (RequestIDHeader), "" when none.
	ID string
	// Attempts is how many upstream attempts the origin saw for this
	// request: the requests it read tagged with its id, and the connections
	// (or untagged requests) it accepted while this was the only request in
	// flight. Connections is how many of those arrived on connections
	// accepted for it (not kept-alive ones).
	Attempts    int
	Connections int
	// Unaccepted counts the connects to the origin's address that nothing
	// accepted (refused, dropped, or sent elsewhere by DNS), included in
	// Attempts: counted from the SYNs seen on loopback where gatecrash has
	// the privileges (CAP_NET_RAW) and the request was alone in flight.
	Unaccepted int
	// Uncounted, when set, says why attempts may have gone unseen, so that
	// Attempts is only a lower bound: connects refused or dropped where
	// nothing accepts them, an address elsewhere, untagged attempts while
	// several requests were in flight. Empty: Attempts is exact.
	Uncounted string
	// Upstream lists the attempts, in the order they happened.
	Upstream []Attempt
	// Integrity says whether the body the client got is the body the
	// origin sent (Environment.Do judges it; empty from a bare Do).
	Integrity *Integrity
	// FaultMet says whether the request met the fault in effect, with the
	// evidence; nil when no fault was (Environment.Do judges it).
	FaultMet *FaultMet
	// CrossWired, when set, says the answer was not the answer to this
	// request but to another, or an origin's leftover bytes: a response
	// desync (Environment.Do judges it; see CrossWire).
	CrossWired *CrossWire
	// GRPC is what the answer to a gRPC call (Request.GRPC) said of its
	// gRPC status; nil for any other request.
	GRPC *GRPCObservation
	// Stream is what the client saw of a stream (Request.Stream); nil
	// for a plain request.
	Stream *StreamObservation
}

// ValidHTTP reports whether a complete, well-formed HTTP response arrived:
// a status code RFC 9110 defines (100 to 599), and a head and body read to
// their end. An answer with any other three digits, such as 999, is read
// (RFC 9112's grammar is status-code = 3DIGIT, so its status line is
// whole), but it is not valid: RFC 9110 (section 15) calls codes outside
// 100 to 599 invalid and tells a client to treat them as a 5xx. A gateway
// that relays an origin's 999 has relayed a broken answer, which is what
// asserting valid HTTP is for.
func (o Observation) ValidHTTP() bool { return o.Status != 0 && o.ErrorKind == "" }

// TimedOut reports whether gatecrash's own request timeout ended the
// exchange: gatecrash gave up waiting, the gateway did not end it.
func (o Observation) TimedOut() bool { return o.ErrorKind == ErrTimeout }

// String describes the observation in one line, for failure messages.
// When gatecrash's own timeout ended the exchange, it says so, after
// what arrived: "no answer: gatecrash gave up after its request timeout
// of 10s; the gateway had sent nothing".
func (o Observation) String() string {
	if o.TimedOut() {
		return o.Brief() + ": " + o.Error
	}
	var b strings.Builder
	if o.Status != 0 {
		fmt.Fprintf(&b, "status %d", o.Status)
	} else {
		b.WriteString("no status")
	}
	fmt.Fprintf(&b, " in %s", Round(o.Total))
	if o.ErrorKind != "" {
		fmt.Fprintf(&b, " (%s: %s)", o.ErrorKind, o.Error)
	}
	return b.String()
}

// Brief is what arrived before gatecrash's own timeout ended the exchange,
// without the reason (String has it): "no answer", or "status 200, body
// unfinished". It is String for any other observation.
func (o Observation) Brief() string {
	switch {
	case !o.TimedOut():
		return o.String()
	case o.Status == 0:
		return "no answer"
	}
	return fmt.Sprintf("status %d, body unfinished", o.Status)
}

// gaveUp says that gatecrash's request timeout ended the exchange, and
// what the gateway had sent by then.
func (o Observation) gaveUp() string {
	sent := "nothing"
	switch {
	case o.Status != 0:
		sent = fmt.Sprintf("the status line (%d) and headers, and %s", o.Status, Plural(o.BodyBytes, "body byte"))
		if declared, err := strconv.ParseInt(o.Header.Get("Content-Length"), 10, 64); err == nil {
			sent += fmt.Sprintf(" of the %d it declared", declared)
		}
	case o.HeadBytes > 0:
		sent = Plural(o.HeadBytes, "byte") + ", not yet a whole status line and header block"
	}
	return fmt.Sprintf("gatecrash gave up after its request timeout of %s; the gateway had sent %s", Round(o.Timeout), sent)
}

// Do sends req to the gateway at baseURL over a fresh connection and reads
// the whole answer, however broken. It never returns an error: every failure
// is an observation.
func Do(ctx context.Context, baseURL string, req Request) Observation {
	if req.Stream != nil {
		return doStream(ctx, baseURL, req)
	}
	if req.GRPC != nil || req.H2C {
		return doH2C(ctx, baseURL, req)
	}
	obs := Observation{Start: time.Now(), Timeout: req.Timeout}
	if obs.Timeout <= 0 {
		obs.Timeout = DefaultRequestTimeout
	}
	deadline := obs.Start.Add(obs.Timeout)
	fail := func(kind ErrorKind, err error) Observation {
		obs.Total = time.Since(obs.Start)
		// ctx ends for the scenario's deadline, the run's --timeout or an
		// interrupt: only the request's own deadline is a timeout.
		if ctx.Err() != nil && (kind != ErrTimeout || time.Now().Before(deadline)) {
			kind = ErrInterrupted
		}
		obs.ErrorKind, obs.Error = kind, err.Error()
		if kind == ErrTimeout {
			obs.Error = obs.gaveUp()
		}
		return obs
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return fail(ErrConnect, err)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	path := req.Path
	if path == "" {
		path = "/"
	}
	hreq, err := http.NewRequest(method, base.Scheme+"://"+base.Host+path, strings.NewReader(req.Body))
	if err != nil {
		return fail(ErrConnect, err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if _, ok := req.Headers["Host"]; ok {
		hreq.Host = req.Headers["Host"]
	}
	hreq.Header.Set("User-Agent", "gatecrash")
	if req.ID != "" {
		hreq.Header.Set(RequestIDHeader, req.ID)
		obs.ID = req.ID
	}
	hreq.Close = true

	dialer := net.Dialer{Deadline: deadline, Control: loopbackOnly}
	conn, err := dialer.DialContext(ctx, "tcp", base.Host)
	if err != nil {
		return fail(classify(err, ErrConnect), err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if err := hreq.Write(conn); err != nil {
		return fail(classify(err, ErrReset), err)
	}
	fb := &firstByte{Conn: conn, start: obs.Start, limit: maxHeader}
	br := bufio.NewReader(fb)
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(br, hreq)
		if err != nil {
			kind := classify(err, ErrInvalidHTTP)
			switch {
			case errors.Is(err, errHeaderTooLarge):
				kind = ErrInvalidHTTP
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
				kind = ErrEmptyReply
				if fb.n > 0 {
					kind = ErrInvalidHTTP // a partial status line or header block
				}
			}
			obs.TTFB = fb.ttfb()
			obs.HeadBytes = fb.n
			return fail(kind, err)
		}
		// 1xx answers (100 Continue, 103 Early Hints) precede the real one.
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	defer resp.Body.Close()
	fb.limit = 0
	obs.TTFB = fb.ttfb()
	obs.HeadBytes = fb.n - br.Buffered()
	// Go takes any three characters strconv.Atoi reads ("+20" too);
	// RFC 9112's status-code is three digits. A code of 000 would read as
	// no status at all, so it is refused with the rest.
	if code := resp.Status[:3]; strings.Trim(code, "0123456789") != "" || code == "000" {
		return fail(ErrInvalidHTTP, fmt.Errorf("malformed HTTP status code %q: expected three digits, 001 to 999", code))
	}
	// Any three digits are the status, 999 too, and the answer is read as
	// any other; a code RFC 9110 does not define makes it invalid.
	obs.Status = resp.StatusCode
	obs.Header = resp.Header
	var statusErr error
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		statusErr = fmt.Errorf("status code %d (%q) is outside 100 to 599, the codes RFC 9110 defines", resp.StatusCode, resp.Status)
	}
	var body bytes.Buffer
	sum := sha256.New()
	obs.BodyBytes, err = io.Copy(io.MultiWriter(&capped{w: &body, left: maxBody}, sum), resp.Body)
	obs.Body = body.Bytes()
	obs.BodySHA256 = hex.EncodeToString(sum.Sum(nil))
	if err != nil {
		kind := classify(err, ErrInvalidHTTP)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			kind = ErrTruncated
		}
		if statusErr != nil {
			err = fmt.Errorf("%w; and %w", err, statusErr)
		}
		return fail(kind, err)
	}
	if statusErr != nil {
		return fail(ErrInvalidStatus, statusErr)
	}
	obs.Total = time.Since(obs.Start)
	return obs
}

// classify names a network error; fallback is used for the rest.
func classify(err error, fallback ErrorKind) ErrorKind {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ErrReset
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout
	}
	return fallback
}

var errHeaderTooLarge = fmt.Errorf("status line and header block longer than %d bytes", maxHeader)

// firstByte notes when the first byte of the answer arrives, and refuses to
// read more than limit bytes while limit is set.
type firstByte struct {
	net.Conn
	start time.Time
	first time.Time
	n     int
	limit int
}

func (f *firstByte) Read(p []byte) (int, error) {
	if f.limit > 0 {
		if f.n >= f.limit {
			return 0, errHeaderTooLarge
		}
		p = p[:min(len(p), f.limit-f.n)]
	}
	n, err := f.Conn.Read(p)
	if n > 0 {
		if f.first.IsZero() {
			f.first = time.Now()
		}
		f.n += n
	}
	return n, err
}

// capped keeps the first left bytes written to it and counts the rest.
type capped struct {
	w    io.Writer
	left int
}

func (c *capped) Write(p []byte) (int, error) {
	if keep := min(len(p), c.left); keep > 0 {
		if _, err := c.w.Write(p[:keep]); err != nil {
			return 0, err
		}
		c.left -= keep
	}
	return len(p), nil
}

func (f *firstByte) ttfb() time.Duration {
	if f.first.IsZero() {
		return 0
	}
	return f.first.Sub(f.start)
}

// Round rounds d for people: to the millisecond, or to 10µs below 10ms.
func Round(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
