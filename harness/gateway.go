package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Gateway is the gateway under test, however it runs.
type Gateway interface {
	// Name says which gateway this is, for reports.
	Name() string
	// Start starts the gateway (or checks it is there) for an environment at a.
	Start(ctx context.Context, a Addresses) error
	// URL is where clients reach the gateway, valid after Start.
	URL() string
	// Logs is what the gateway has written so far (its output and logs).
	Logs() string
	// LogsSince is what the gateway wrote after mark (nil: since it
	// started), and the mark to read on from: a scenario's window.
	LogsSince(mark LogMark) (string, LogMark)
	// Stop stops the gateway and releases everything it holds.
	Stop() error
}

// Liveness is a gateway that can tell whether it is still running.
type Liveness interface {
	// Alive reports whether the gateway still runs.
	Alive() bool
}

// GatewayAlive reports whether the gateway under test is still running:
// for a managed gateway, its process; for the builtin one, its server; for
// an attached one, whether its address still accepts a connection.
func (e *Environment) GatewayAlive() bool {
	if l, ok := e.Gateway.(Liveness); ok {
		return l.Alive()
	}
	return false
}

// Addresses are the environment's addresses, as config templates see them.
type Addresses struct {
	// Listen is where the gateway should listen (host:port).
	Listen, ListenHost, ListenPort string
	// Origin is where the gateway reaches the origin (host:port), through the
	// toxic proxy; OriginName resolves to OriginHost through DNS.
	Origin, OriginHost, OriginPort, OriginName string
	// Origins and OriginPorts list every origin instance (Origin is the
	// first), all on OriginHost.
	Origins, OriginPorts []string
	// DNS is the fake DNS server (host:port, UDP and TCP).
	DNS, DNSHost, DNSPort string
	// OriginTLS is the origin's TLS endpoint (host:port, on OriginHost, not
	// through the proxy): the same routes over HTTPS, with a certificate for
	// OriginName and 127.0.0.1. A gateway reaches it as
	// https://OriginName:OriginTLSPort.
	OriginTLS, OriginTLSPort string
	// CAFile is the PEM file of the CA that issued the TLS endpoint's
	// certificate, made for this run and readable by all: what a gateway
	// verifies the origin against.
	CAFile string
	// OriginH2C is the origin's h2c endpoint (host:port, on OriginHost, not
	// through the proxy): the same routes over cleartext HTTP/2 with prior
	// knowledge. Empty unless the suite asks for it (origin.h2c: true).
	OriginH2C, OriginH2CPort string
	// OriginH2TLS is the origin's HTTP/2-over-TLS endpoint (host:port, on
	// OriginHost, not through the proxy): the same routes over HTTP/2
	// negotiated with ALPN "h2" (HTTP/1.1 for a client offering only
	// "http/1.1"), with the TLS endpoint's certificate (CAFile). A gateway
	// reaches it as https://OriginName:OriginH2TLSPort. Empty unless the
	// suite asks for it (origin.h2tls: true).
	OriginH2TLS, OriginH2TLSPort string
	// WorkDir is the gateway's own directory for configs, logs and pid files.
	WorkDir string
}

// Builtin is the reference gateway shipped in gatecrash: a Go reverse proxy
// that resolves the origin's name through the fake DNS server on every
// request (A records; TCP after a truncated answer; a second try after
// SERVFAIL or REFUSED), with a connect timeout and a response timeout. It answers 502 when
// it cannot reach the origin or gets no valid answer, 504 when a timeout fires.
//
// Requests whose path starts with /tls/ go to the origin's TLS endpoint,
// https://OriginName:OriginTLSPort, verifying its certificate against the
// run's CA (CAFile) for OriginName. A failed handshake (certificate expired,
// for another name or from an unknown CA, an answer that is not TLS) answers
// 502; a handshake that does not complete within ConnectTimeout answers 504.
//
// When the environment has the origin's h2c endpoint (Config.H2C,
// Addresses.OriginH2C), requests whose path starts with /h2c/ go to it,
// http://OriginName:OriginH2CPort, over cleartext HTTP/2 with prior
// knowledge. An upstream stream reset, a GOAWAY that drops the request, or
// an answer that is not HTTP/2 answers 502 (Go's HTTP/2 client itself
// retries a refused stream and a request a GOAWAY left unprocessed, on a
// new connection).
//
// When the environment has the origin's HTTP/2-over-TLS endpoint
// (Config.H2TLS, Addresses.OriginH2TLS), requests whose path starts with
// /h2tls/ go to it, https://OriginName:OriginH2TLSPort, over HTTP/2 only
// (ALPN "h2"), verifying its certificate as for /tls/; the HTTP/2 faults
// meet them as on the h2c endpoint. Without the h2c endpoint, gRPC
// requests go there.
//
// It accepts HTTP/1.1 and, from clients with prior knowledge, cleartext
// HTTP/2 (h2c). With the h2c endpoint, gRPC requests (content-type
// application/grpc, whatever their path) go to it too, their trailers
// (grpc-status) passed on: see grpc.go.
//
// With several origin instances (Addresses.OriginPorts) it balances new
// connections round-robin over them, and when a connect fails with an error
// (refused, reset; not a timeout) it tries the next instance, once per
// remaining instance, within the one connect timeout: nginx's
// `proxy_next_upstream error` for connects. With one instance it connects
// once. A DNS failure is not retried: it is the same for all.
//
// It sends a response's head together with the first bytes of its body,
// or when the response ends, never ahead of them: ReverseProxy flushes the
// head of a streamed (chunked) response from a timer goroutine that races
// the body's first read, so when that read fails at once (a chunk size
// that is not hex), the client would get a cut 200 or no answer at all by
// the scheduler's whim. The reference gateway answers the same way every
// time: no answer. So a stream that sends its head and then waits (server-
// sent events before the first event) reaches the client with its first
// bytes.
//
// With Retries, a failed attempt that is safe to repeat is tried again, up
// to Retries more times: the request's method is idempotent (GET, HEAD,
// OPTIONS, TRACE, PUT, DELETE) and the attempt failed before the origin
// sent a byte of its answer, because the connect failed (refused, reset;
// not a timeout), or the connection was reset or closed with no answer.
// A timeout, a DNS failure or a broken answer is not retried.
type Builtin struct {
	// ConnectTimeout bounds DNS resolution plus the TCP connect (default
	// 1s), and the TLS handshake after it.
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for the origin's response headers
	// after the request was sent (default 2s).
	ResponseTimeout time.Duration
	// KeepAlive reuses connections to the origin. Off by default, as in
	// nginx: each request then resolves the origin's name and connects anew,
	// so DNS and connect faults take effect on the next request.
	KeepAlive bool
	// Retries is how many more times a failed attempt that is safe to
	// repeat is tried (default 0: one attempt).
	Retries int

	logs       logSources
	ln         net.Listener
	server     *http.Server
	transports []*http.Transport
	wg         sync.WaitGroup
	stopped    atomic.Bool
}

// Defaults of the builtin gateway.
const (
	DefaultConnectTimeout  = 1 * time.Second
	DefaultResponseTimeout = 2 * time.Second
)

// Name is "builtin".
func (b *Builtin) Name() string { return "builtin" }

// TLSPathPrefix is where the builtin gateway, and gatecrash's example
// configs of other gateways, send requests to the origin's TLS endpoint:
// a route under it is how a suite reaches that endpoint.
const TLSPathPrefix = "/tls/"

// H2CPathPrefix is where the builtin gateway sends requests to the
// origin's h2c endpoint, when the environment has it.
const H2CPathPrefix = "/h2c/"

// Start listens on a.Listen and proxies to a.OriginName:a.OriginPort, and
// /tls/ paths to https://a.OriginName:a.OriginTLSPort.
func (b *Builtin) Start(_ context.Context, a Addresses) error {
	connect, response := b.ConnectTimeout, b.ResponseTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	if response <= 0 {
		response = DefaultResponseTimeout
	}
	// Trust only the run's CA: with no CA file, no TLS origin verifies.
	roots := x509.NewCertPool()
	if a.CAFile != "" {
		ca, err := os.ReadFile(a.CAFile)
		if err != nil {
			return fmt.Errorf("gateway builtin: %w", err)
		}
		if !roots.AppendCertsFromPEM(ca) {
			return fmt.Errorf("gateway builtin: %s: no PEM certificate", a.CAFile)
		}
	}
	ln, err := net.Listen("tcp", a.Listen)
	if err != nil {
		return fmt.Errorf("gateway builtin: listen on %s: %w", a.Listen, err)
	}
	resolver := &resolver{server: a.DNS, attempts: 2}
	logger := log.New(&b.logs, "gateway builtin: ", log.LstdFlags|log.Lmicroseconds)
	dialer := &net.Dialer{}
	instances := a.OriginPorts
	if len(instances) == 0 {
		instances = []string{a.OriginPort}
	}
	var next atomic.Uint64 // round-robin over the instances
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
			defer func() {
				if err == nil {
					conn = &countingConn{Conn: conn}
				}
			}()
			ctx, cancel := context.WithTimeout(ctx, connect)
			defer cancel()
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ip, err := resolver.lookup(ctx, host)
			if err != nil {
				return nil, err
			}
			ports := []string{port} // the TLS endpoint is one instance
			if port == a.OriginPort {
				ports = instances
			}
			first := int((next.Add(1) - 1) % uint64(len(ports)))
			for i := range ports {
				n := (first + i) % len(ports)
				conn, err = dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), ports[n]))
				var ne net.Error
				if err == nil || ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
					break
				}
				if i < len(ports)-1 {
					logger.Printf("connect to origin instance %d failed, trying the next: %v", n+1, err)
				}
			}
			return conn, err
		},
		ResponseHeaderTimeout: response,
		DisableKeepAlives:     !b.KeepAlive,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   connect,
	}
	tlsTransport := transport.Clone()
	tlsTransport.TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: a.OriginName}
	newProxy := func(target *url.URL, transport *http.Transport) *httputil.ReverseProxy {
		var rt http.RoundTripper = transport
		if b.Retries > 0 {
			rt = &retrying{next: transport, retries: b.Retries, logger: logger}
		}
		return &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = r.In.Host
				r.SetXForwarded()
			},
			Transport: rt,
			ErrorLog:  logger,
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				status := http.StatusBadGateway
				var ne net.Error
				if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
					status = http.StatusGatewayTimeout
				}
				logger.Printf("%s %s: upstream error, answering %d: %v", r.Method, r.URL.Path, status, err)
				http.Error(w, http.StatusText(status), status)
			},
		}
	}
	plain := newProxy(&url.URL{Scheme: "http", Host: net.JoinHostPort(a.OriginName, a.OriginPort)}, transport)
	secure := newProxy(&url.URL{Scheme: "https", Host: net.JoinHostPort(a.OriginName, a.OriginTLSPort)}, tlsTransport)
	b.ln, b.transports = ln, []*http.Transport{transport, tlsTransport}
	var h2c *httputil.ReverseProxy
	if a.OriginH2C != "" {
		h2cTransport := transport.Clone()
		h2cTransport.Protocols = new(http.Protocols)
		h2cTransport.Protocols.SetUnencryptedHTTP2(true)
		h2c = newProxy(&url.URL{Scheme: "http", Host: net.JoinHostPort(a.OriginName, a.OriginH2CPort)}, h2cTransport)
		b.transports = append(b.transports, h2cTransport)
	}
	var h2tls *httputil.ReverseProxy
	if a.OriginH2TLS != "" {
		h2tlsTransport := tlsTransport.Clone()
		h2tlsTransport.Protocols = new(http.Protocols)
		h2tlsTransport.Protocols.SetHTTP2(true)
		h2tls = newProxy(&url.URL{Scheme: "https", Host: net.JoinHostPort(a.OriginName, a.OriginH2TLSPort)}, h2tlsTransport)
		b.transports = append(b.transports, h2tlsTransport)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &headWithBody{ResponseWriter: w}
		switch {
		case strings.HasPrefix(r.URL.Path, TLSPathPrefix):
			secure.ServeHTTP(w, r)
		case h2tls != nil && (strings.HasPrefix(r.URL.Path, H2TLSPathPrefix) || h2c == nil && IsGRPC(r)):
			h2tls.ServeHTTP(w, r)
		case h2c != nil && (strings.HasPrefix(r.URL.Path, H2CPathPrefix) || IsGRPC(r)):
			h2c.ServeHTTP(w, r)
		default:
			plain.ServeHTTP(w, r)
		}
	})
	b.server = &http.Server{Handler: handler, ErrorLog: logger, ReadHeaderTimeout: 10 * time.Second, Protocols: clientProtocols()}
	logRunning(b, true)
	b.wg.Add(1)
	go func() { defer b.wg.Done(); _ = b.server.Serve(ln) }()
	return nil
}

// headWithBody is a ResponseWriter whose flushes do nothing until the body
// has been written to, so the head never goes out ahead of it: see Builtin.
// ReverseProxy writes and flushes under one lock today; wrote is atomic so
// that a flush from another goroutine stays safe without it.
type headWithBody struct {
	http.ResponseWriter
	wrote atomic.Bool
}

func (h *headWithBody) Write(p []byte) (int, error) {
	if len(p) > 0 {
		h.wrote.Store(true)
	}
	return h.ResponseWriter.Write(p)
}

// FlushError flushes once the body has been written to.
func (h *headWithBody) FlushError() error {
	if !h.wrote.Load() {
		return nil
	}
	return http.NewResponseController(h.ResponseWriter).Flush()
}

// Flush is FlushError for http.Flusher.
func (h *headWithBody) Flush() { _ = h.FlushError() }

// Unwrap is the server's writer, for http.ResponseController.
func (h *headWithBody) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// URL is the gateway's address.
func (b *Builtin) URL() string { return "http://" + b.ln.Addr().String() }

// Logs is the gateway's error log.
func (b *Builtin) Logs() string { return b.logs.all() }

// LogsSince is the error log written after mark.
func (b *Builtin) LogsSince(mark LogMark) (string, LogMark) { return b.logs.since(mark) }

// Alive reports whether the gateway was started and not stopped.
func (b *Builtin) Alive() bool { return b.server != nil && !b.stopped.Load() }

// Stop closes the listener and every connection.
func (b *Builtin) Stop() error {
	if b.server == nil {
		return nil
	}
	b.stopped.Store(true)
	logRunning(b, false)
	err := b.server.Close()
	b.wg.Wait()
	for _, t := range b.transports {
		t.CloseIdleConnections()
	}
	return err
}

// Attached is a gateway that is already running: gatecrash only sends it
// requests. The suite must fix the origin and DNS addresses it was
// configured with.
type Attached struct {
	// Address is the gateway's URL, such as http://127.0.0.1:8080.
	Address string
	// Ready is checked at Start (nil: any HTTP answer on / within 10s).
	Ready *Readiness
	// LogFiles are the gateway's log files on this machine, read into
	// failure reports.
	LogFiles []string

	logs logSources
}

// Name is the gateway's URL.
func (g *Attached) Name() string { return g.Address }

// Start checks that the gateway answers.
func (g *Attached) Start(ctx context.Context, _ Addresses) error {
	if err := CheckLoopbackURL(g.Address); err != nil {
		return err
	}
	g.logs.files = g.LogFiles
	return g.Ready.wait(ctx, g.Address, func() error { return nil })
}

// URL is the gateway's URL.
func (g *Attached) URL() string { return strings.TrimSuffix(g.Address, "/") }

// Logs is what the gateway's log files hold.
func (g *Attached) Logs() string { return g.logs.all() }

// LogsSince is what the log files gained after mark.
func (g *Attached) LogsSince(mark LogMark) (string, LogMark) { return g.logs.since(mark) }

// Stop does nothing: the gateway is not gatecrash's.
func (g *Attached) Stop() error { return nil }

// Alive reports whether the gateway's address accepts a connection within
// a second: gatecrash does not own its process.
func (g *Attached) Alive() bool {
	u, err := url.Parse(g.Address)
	if err != nil {
		return false
	}
	dialer := net.Dialer{Timeout: time.Second, Control: loopbackOnly}
	c, err := dialer.Dial("tcp", u.Host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// CheckLoopbackURL refuses gateway URLs off this machine: gatecrash only
// sends traffic to loopback.
func CheckLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("gateway url %q: expected http://host:port", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") { // host names are case-insensitive
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("gateway url %q: gatecrash only sends traffic to loopback addresses", raw)
	}
	return nil
}

// Readiness says when a started gateway is ready.
type Readiness struct {
	// Path is requested until the gateway answers (default /).
	Path string
	// Status, when set, is the status the answer must have; otherwise any
	// HTTP answer means ready.
	Status int
	// Within is the deadline (default 10s).
	Within time.Duration
	// H2C probes over HTTP/2 in clear text with prior knowledge, for a
	// gateway that takes only that on its address (nginx's listen ...
	// http2 without TLS).
	H2C bool
}

// wait polls the gateway at base until it is ready, alive reports it died,
// or the deadline passes.
func (r *Readiness) wait(ctx context.Context, base string, alive func() error) error {
	path, within, want, h2c := "/", 10*time.Second, 0, false
	if r != nil {
		h2c = r.H2C
		if r.Path != "" {
			path = r.Path
		}
		if r.Within > 0 {
			within = r.Within
		}
		want = r.Status
	}
	deadline := time.Now().Add(within)
	var last Observation
	for {
		if err := alive(); err != nil {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		last = Do(ctx, base, Request{Path: path, Timeout: min(left, time.Second), H2C: h2c})
		if last.Status != 0 && (want == 0 || last.Status == want) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	wantText := "any HTTP answer"
	if want != 0 {
		wantText = fmt.Sprintf("status %d", want)
	}
	return fmt.Errorf("readiness probe %s%s: expected %s within %s, last saw %s", base, path, wantText, within, last)
}

// countingConn counts the bytes read from the origin on a connection, so a
// failed attempt can tell whether any byte of an answer had arrived.
type countingConn struct {
	net.Conn
	read atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// maxRetryBody is the largest request body the builtin gateway keeps to
// send again; a request with a longer one is not retried.
const maxRetryBody = 1 << 20

// retrying is the builtin gateway's retry of failed attempts that are safe
// to repeat (see Builtin.Retries).
type retrying struct {
	next    http.RoundTripper
	retries int
	logger  *log.Logger
}

// RoundTrip sends req, and again after a failure that is safe to retry.
func (r *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	if !idempotent(req.Method) {
		return r.next.RoundTrip(req)
	}
	body, ok := replayableBody(req)
	if !ok {
		return r.next.RoundTrip(req)
	}
	for attempt := 1; ; attempt++ {
		var used *countingConn
		var before int64
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			c := info.Conn
			if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
				c = tc.NetConn()
			}
			if cc, ok := c.(*countingConn); ok {
				used, before = cc, cc.read.Load()
			}
		}}
		out := req.Clone(httptrace.WithClientTrace(req.Context(), trace))
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := r.next.RoundTrip(out)
		if err == nil || attempt > r.retries || req.Context().Err() != nil || !retryable(err, used, before) {
			return resp, err
		}
		r.logger.Printf("%s %s: attempt %d failed before any answer, retrying (retry %d of %d): %v",
			req.Method, req.URL.Path, attempt, attempt, r.retries, err)
	}
}

// idempotent reports whether a request with this method may be sent twice.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// replayableBody reads req's body so it can be sent again; ok is false when
// it is too long to keep (and the request is sent once, as it is).
func replayableBody(req *http.Request) (body []byte, ok bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, true
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, maxRetryBody+1))
	if err != nil {
		return nil, false
	}
	if len(data) > maxRetryBody {
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), req.Body))
		return nil, false
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	return data, true
}

// retryable reports whether a failed attempt may be repeated: a connect
// error (not a timeout, not DNS), or a reset or close before the origin
// sent a byte on the connection used.
func retryable(err error, used *countingConn, before int64) bool {
	var ne net.Error
	var dnsErr *dnsError
	switch {
	case errors.As(err, &dnsErr):
		return false
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if used == nil || used.read.Load() != before {
		return false // no connection, or some answer had arrived: not "no answer"
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "server closed")
}
