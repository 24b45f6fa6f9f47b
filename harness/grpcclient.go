package harness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
)

// GRPCRequest makes a Request a gRPC call: a unary call sent to the
// gateway over HTTP/2 in clear text with prior knowledge (h2c), as a
// gRPC client does: POST to the method's path with content-type
// application/grpc+proto and te: trailers, the message length-prefixed
// in the body.
type GRPCRequest struct {
	// Method is the call's path, /package.Service/Method (GRPCMethod when
	// empty).
	Method string
	// Message is the request message's bytes.
	Message string
	// Timeout, when set, is sent as grpc-timeout: the deadline a gRPC
	// client gives the call, which a gateway may honour.
	Timeout time.Duration
}

// GRPCObservation is what the answer to a gRPC call said of the call:
// its grpc-status and grpc-message, and the messages its body held.
type GRPCObservation struct {
	// Status is the grpc-status code, or -1 when the answer carried none.
	Status int
	// Message is the grpc-message, percent-decoded.
	Message string
	// Where says where the status came: "trailers", "trailers-only" (in
	// the head of an answer that ended with it), or "" when none came.
	Where string
	// Messages counts the whole length-prefixed messages of the body.
	Messages int
	// Cut says the body ended inside a message (its prefix announced more
	// bytes than came), or with a partial prefix.
	Cut bool
	// InHead is a grpc-status found in a head the stream went on after
	// (not trailers-only), which gRPC clients ignore; "" when none.
	InHead string
	// NotGRPC is the content-type of an answer that is no gRPC answer (a
	// gateway's own error page), whose body is not read as messages; ""
	// for a gRPC answer, or none at all.
	NotGRPC string
}

// HasStatus says the answer carried a grpc-status.
func (g *GRPCObservation) HasStatus() bool { return g != nil && g.Status >= 0 }

// String describes the gRPC outcome in one line: "grpc-status UNAVAILABLE
// (14) \"draining\" in trailers", or "no grpc-status".
func (g *GRPCObservation) String() string {
	if g == nil {
		return "not a gRPC call"
	}
	var b strings.Builder
	switch {
	case g.Status < 0 && g.InHead != "":
		fmt.Fprintf(&b, "no grpc-status (a grpc-status %s in a head that did not end the stream)", g.InHead)
	case g.Status < 0:
		b.WriteString("no grpc-status")
	default:
		fmt.Fprintf(&b, "grpc-status %s (%d)", GRPCCodeName(g.Status), g.Status)
		if g.Message != "" {
			fmt.Fprintf(&b, " %q", g.Message)
		}
		b.WriteString(" in " + g.Where)
	}
	if g.NotGRPC != "" {
		fmt.Fprintf(&b, ", not a gRPC answer (content-type %q)", g.NotGRPC)
		return b.String()
	}
	fmt.Fprintf(&b, ", %s", Plural(g.Messages, "message"))
	if g.Cut {
		b.WriteString(" and a cut one")
	}
	return b.String()
}

// grpcTimeout writes d as a grpc-timeout value: at most eight digits and
// a unit.
func grpcTimeout(d time.Duration) string {
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"n", time.Nanosecond}, {"u", time.Microsecond}, {"m", time.Millisecond}, {"S", time.Second}, {"M", time.Minute}, {"H", time.Hour}} {
		if n := (d + u.d - 1) / u.d; n < 1e8 {
			return strconv.FormatInt(int64(n), 10) + u.unit
		}
	}
	return "99999999H"
}

// doH2C sends req to the gateway at baseURL over h2c on a fresh
// connection, and reads the whole answer, trailers included: a gRPC call
// (req.GRPC), or a plain request (req.H2C).
func doH2C(ctx context.Context, baseURL string, req Request) Observation {
	obs := Observation{Start: time.Now(), Timeout: req.Timeout}
	if req.GRPC != nil {
		obs.GRPC = &GRPCObservation{Status: -1}
	}
	if obs.Timeout <= 0 {
		obs.Timeout = DefaultRequestTimeout
	}
	deadline := obs.Start.Add(obs.Timeout)
	fail := func(kind ErrorKind, err error) Observation {
		obs.Total = time.Since(obs.Start)
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
	method, path, sent := cmpOr(req.Method, http.MethodGet), cmpOr(req.Path, "/"), []byte(req.Body)
	if g := req.GRPC; g != nil {
		method, path, sent = http.MethodPost, cmpOr(g.Method, GRPCMethod), GRPCFrame([]byte(g.Message))
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
	}
	rctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	hreq, err := http.NewRequestWithContext(rctx, method, "http://"+base.Host+path, bytes.NewReader(sent))
	if err != nil {
		return fail(ErrConnect, err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if h, ok := req.Headers["Host"]; ok {
		hreq.Host = h
	}
	if len(sent) == 0 {
		hreq.Body, hreq.ContentLength = http.NoBody, 0
	}
	hreq.Header.Set("User-Agent", "gatecrash")
	if g := req.GRPC; g != nil {
		hreq.Header.Set("Content-Type", GRPCContentType)
		hreq.Header.Set("Te", "trailers")
		if g.Timeout > 0 {
			hreq.Header.Set("Grpc-Timeout", grpcTimeout(g.Timeout))
		}
	}
	if req.ID != "" {
		hreq.Header.Set(RequestIDHeader, req.ID)
		obs.ID = req.ID
	}

	var conn *firstByte
	tr := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			dialer := net.Dialer{Deadline: deadline, Control: loopbackOnly}
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			conn = &firstByte{Conn: c, start: obs.Start}
			return conn, nil
		},
	}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(hreq)
	if conn != nil {
		obs.TTFB = conn.ttfb()
		defer conn.Close()
	}
	if err != nil {
		if conn == nil {
			return fail(classify(err, ErrConnect), err)
		}
		return fail(classifyH2(err, ErrInvalidHTTP), err)
	}
	defer resp.Body.Close()
	obs.Status = resp.StatusCode
	obs.Header = resp.Header
	var body bytes.Buffer
	sum := sha256.New()
	obs.BodyBytes, err = io.Copy(io.MultiWriter(&capped{w: &body, left: maxBody}, sum), resp.Body)
	obs.Body = body.Bytes()
	obs.BodySHA256 = hex.EncodeToString(sum.Sum(nil))
	if obs.GRPC != nil {
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/grpc") {
			obs.GRPC.Messages, obs.GRPC.Cut = countGRPCMessages(obs.Body)
		} else {
			obs.GRPC.NotGRPC = cmpOr(ct, "none")
		}
		grpcStatus(obs.GRPC, resp)
	}
	if err != nil {
		kind := classifyH2(err, ErrInvalidHTTP)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			kind = ErrTruncated
		}
		return fail(kind, err)
	}
	obs.Total = time.Since(obs.Start)
	return obs
}

// cmpOr is s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// classifyH2 names an HTTP/2 exchange's error: a stream reset or a GOAWAY
// is a reset, a network error is classified as over HTTP/1.1, and the
// rest (a protocol error) is fallback.
func classifyH2(err error, fallback ErrorKind) ErrorKind {
	var se http2.StreamError
	var ga http2.GoAwayError
	switch {
	case errors.As(err, &se) && se.Code == http2.ErrCodeProtocol:
		return ErrInvalidHTTP
	case errors.As(err, &se), errors.As(err, &ga):
		return ErrReset
	}
	return classify(err, fallback)
}

// grpcStatus reads the gRPC status of resp, read to its end: from its
// trailers, or from its head when the answer was trailers-only.
func grpcStatus(g *GRPCObservation, resp *http.Response) {
	from, where := resp.Trailer, "trailers"
	if from.Get("Grpc-Status") == "" && resp.Header.Get("Grpc-Status") != "" {
		// A head that ended the stream (x/net/http2 gives its answer
		// the empty body noBodyReader, and no other) is a trailers-only
		// answer. A grpc-status in a head the stream went on after is not
		// the call's status: gRPC clients ignore it.
		if fmt.Sprintf("%T", resp.Body) != "http2.noBodyReader" {
			g.InHead = resp.Header.Get("Grpc-Status")
			return
		}
		from, where = resp.Header, "trailers-only"
	}
	v := from.Get("Grpc-Status")
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		// A status that is no number is no status.
		return
	}
	g.Status, g.Where = n, where
	g.Message = DecodeGRPCMessage(from.Get("Grpc-Message"))
}

// countGRPCMessages counts the whole length-prefixed messages in body, and
// says whether it ends inside one.
func countGRPCMessages(body []byte) (whole int, cut bool) {
	for len(body) > 0 {
		if len(body) < 5 {
			return whole, true
		}
		n := binary.BigEndian.Uint32(body[1:5])
		if uint64(len(body)-5) < uint64(n) {
			return whole, true
		}
		body = body[5+int(n):]
		whole++
	}
	return whole, false
}
