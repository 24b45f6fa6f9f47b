package harness

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Route is one canned answer of the fake origin.
type Route struct {
	// Path is matched exactly against the request path.
	Path string `yaml:"path" json:"path"`
	// Status is the status code to answer with (default 200).
	Status int `yaml:"status,omitempty" json:"status,omitempty"`
	// Body is the response body.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
	// Headers are added to the response.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
}

// DefaultRoutes is what the origin serves when a suite names no route.
func DefaultRoutes() []Route {
	return []Route{{Path: "/", Status: 200, Body: "hello from the gatecrash origin\n"}}
}

// ConnBehavior takes over a raw connection the origin accepted, instead of
// serving HTTP on it. It owns conn and must close it. ctx ends when the
// behaviour is cleared or the origin stops, so a behaviour that holds a
// connection open (a hang) must watch it.
type ConnBehavior func(ctx context.Context, conn net.Conn, o *Origin)

// RequestBehavior is offered each request the origin reads over HTTP before
// a route answers it; n is the request's number on its connection, from 1.
// It returns true when it took the request over (answered it, or hijacked
// and closed the connection), false to let the route answer.
type RequestBehavior func(w http.ResponseWriter, r *http.Request, n int) bool

// Origin is the fake origin: a TCP listener that serves the suite's routes
// over HTTP/1.1, or hands raw connections (or requests) to a fault's
// behaviour. It counts
// every connection it accepts and every request it reads, and notes each in
// its journal with the client's request id (RequestIDHeader) and the answer
// it sent, so observations tie attempts and bodies to the client's request.
type Origin struct {
	ln     net.Listener
	routes map[string]Route
	http   *http.Server
	conns  chan net.Conn // accepted connections handed to http.Server
	done   chan struct{}
	wg     sync.WaitGroup

	connections atomic.Int64
	requests    atomic.Int64
	held        atomic.Int64 // connections a behaviour holds now
	journal     *journal
	streams     streamNotes // what reached the origin after a handshake

	mu     sync.Mutex
	idle   map[net.Conn]bool // HTTP connections between requests
	born   map[net.Conn]int  // HTTP connections, by the drains before them
	active map[net.Conn]bool // HTTP connections serving a request
	// pending are the connections that were serving a request when a
	// behaviour was set: each is closed as it goes idle, and a request
	// waits for that (awaitPoolSettled), up to pendingWait.
	pending  map[net.Conn]bool
	drains   int
	behavior ConnBehavior
	requestB RequestBehavior
	cancel   context.CancelFunc // ends the current behaviour's context
	bctx     context.Context
	closed   bool
	// faulty notes when a fault's behaviour was installed (connection or
	// request behaviour), for the verdict on meeting it.
	faulty, faultyReq spans
	// closedIdle is when SetBehavior last closed idle connections.
	closedIdle time.Time
}

// StartOrigin starts an origin on addr ("127.0.0.1:0" for an ephemeral port).
func StartOrigin(addr string, routes []Route) (*Origin, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("origin: listen on %s: %w", addr, err)
	}
	if len(routes) == 0 {
		routes = DefaultRoutes()
	}
	o := &Origin{
		ln:      ln,
		routes:  make(map[string]Route, len(routes)),
		conns:   make(chan net.Conn),
		done:    make(chan struct{}),
		idle:    make(map[net.Conn]bool),
		born:    make(map[net.Conn]int),
		active:  make(map[net.Conn]bool),
		pending: make(map[net.Conn]bool),
		journal: newJournal(),
	}
	for _, r := range routes {
		o.routes[r.Path] = r
	}
	o.bctx, o.cancel = context.WithCancel(context.Background())
	o.http = &http.Server{
		Handler:           http.HandlerFunc(o.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState:         o.connState,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			ctx = context.WithValue(ctx, connKey{}, c)
			return context.WithValue(ctx, connRequestsKey{}, new(atomic.Int64))
		},
	}
	o.wg.Add(2)
	go func() { defer o.wg.Done(); _ = o.http.Serve(chanListener{o}) }()
	go func() { defer o.wg.Done(); o.acceptLoop() }()
	return o, nil
}

// Addr is the origin's listening address (host:port).
func (o *Origin) Addr() string { return o.ln.Addr().String() }

// Connections is how many TCP connections the origin accepted since the last Reset.
func (o *Origin) Connections() int { return int(o.connections.Load()) }

// Requests is how many requests the origin read since the last Reset, whether
// it answered them with a route or a fault's behaviour.
func (o *Origin) Requests() int { return int(o.requests.Load()) }

// Held is how many connections a fault's behaviour holds now: what is in
// flight, which must fall back when the gateway gives up on them.
func (o *Origin) Held() int { return int(o.held.Load()) }

// CountRequest records one request read by a behaviour.
func (o *Origin) CountRequest() { o.requests.Add(1) }

// SetBehavior makes the origin hand every new connection to b; nil restores
// plain HTTP. Setting a behaviour ends the context of the previous one, so
// connections it holds are released.
func (o *Origin) SetBehavior(b ConnBehavior) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancel()
	o.bctx, o.cancel = context.WithCancel(context.Background())
	o.behavior = b
	o.faulty.set(b != nil)
	clear(o.pending)
	if b != nil {
		// A keep-alive connection from before the fault would otherwise
		// keep getting healthy answers.
		for c := range o.idle {
			c.Close()
			o.closedIdle = time.Now()
		}
		// One still finishing an answer (its client may already have it
		// all) is closed as it goes idle: until then a gateway may send
		// the next request on it.
		for c := range o.active {
			o.pending[c] = true
		}
	}
}

// poolSettle is how long after the origin closed a gateway's idle pooled
// connections a request waits, so that the gateway has seen them closed:
// otherwise it may send the request on one of them and meet gatecrash's
// own close, not the fault.
const poolSettle = 50 * time.Millisecond

// pendingWait bounds how long a request waits for the connections that
// were serving a request when a fault started to go idle (and be closed).
const pendingWait = 500 * time.Millisecond

// settled is when the origin's last close of idle pooled connections has
// settled (zero when it closed none), and whether connections that were
// busy when a fault started are still to be closed (pending).
func (o *Origin) settled() (at time.Time, pending bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closedIdle.IsZero() {
		at = o.closedIdle.Add(poolSettle)
	}
	return at, len(o.pending) > 0
}

// Drain closes every keep-alive connection open now as soon as it is idle:
// at once if it is, after its answer in progress if not. The next request
// then opens a new connection and meets a new fault.
func (o *Origin) Drain() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.drains++
	for c := range o.idle {
		c.Close()
		o.closedIdle = time.Now()
	}
}

// SetRequestBehavior offers every request the origin reads over HTTP to b
// first; nil removes it. Unlike SetBehavior it leaves keep-alive connections
// open: a fault can act on a connection's later requests.
func (o *Origin) SetRequestBehavior(b RequestBehavior) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requestB = b
	o.faultyReq.set(b != nil)
}

// faultyDuring reports whether a fault's behaviour was installed at some
// moment between from and to.
func (o *Origin) faultyDuring(from, to time.Time) bool {
	in, _ := o.faulty.during(from, to)
	inReq, _ := o.faultyReq.during(from, to)
	return in || inReq
}

// connRequestsKey keys the count of requests read on a connection, connKey
// the connection itself, reqEntryKey a request's entry in the journal.
type (
	connRequestsKey struct{}
	connKey         struct{}
	reqEntryKey     struct{}
)

func (o *Origin) connState(c net.Conn, state http.ConnState) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch state {
	case http.StateNew:
		o.born[c] = o.drains
	case http.StateIdle:
		delete(o.active, c)
		delete(o.pending, c)
		if o.behavior != nil || o.born[c] < o.drains {
			// A connection busy when the fault started, closed as it goes
			// idle: the next request waits for the gateway to see it too.
			c.Close()
			o.closedIdle = time.Now()
			return
		}
		o.idle[c] = true
	case http.StateHijacked, http.StateClosed:
		delete(o.idle, c)
		delete(o.born, c)
		delete(o.active, c)
		delete(o.pending, c)
		if state == http.StateClosed {
			o.journal.forget(c)
		}
	default: // active
		delete(o.idle, c)
		o.active[c] = true
	}
}

// Reset clears any behaviour, zeroes the counters and empties the journal
// of attempts.
func (o *Origin) Reset() {
	o.SetBehavior(nil)
	o.SetRequestBehavior(nil)
	o.connections.Store(0)
	o.requests.Store(0)
	o.journal.reset()
	o.streams.reset()
	o.faulty.reset()
	o.faultyReq.reset()
}

// Close stops the origin and releases every connection it holds.
func (o *Origin) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	o.cancel()
	o.mu.Unlock()
	err := o.ln.Close()
	close(o.done)
	_ = o.http.Close()
	o.wg.Wait()
	return err
}

func (o *Origin) acceptLoop() {
	for {
		conn, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.connections.Add(1)
		o.journal.accept(conn, "http")
		o.mu.Lock()
		b, ctx := o.behavior, o.bctx
		o.mu.Unlock()
		if b == nil {
			o.Serve(conn)
			continue
		}
		o.wg.Add(1)
		o.held.Add(1)
		go func() {
			defer o.wg.Done()
			defer o.held.Add(-1)
			// A behaviour blocked reading a silent client must still end
			// when the fault clears or the origin stops: its reads fail from
			// then on, while it may still write (a held answer goes out).
			stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
			defer stop()
			b(withHit(ctx, func() { o.journal.hitConn(conn) }), conn, o)
		}()
	}
}

func (o *Origin) serveHTTP(hw http.ResponseWriter, r *http.Request) {
	o.requests.Add(1)
	conn, _ := r.Context().Value(connKey{}).(net.Conn)
	w := &answerRecorder{ResponseWriter: hw, journal: o.journal, entry: o.journal.request(conn, r)}
	defer w.finish()
	n := 0
	if c, ok := r.Context().Value(connRequestsKey{}).(*atomic.Int64); ok {
		n = int(c.Add(1))
	}
	o.mu.Lock()
	b := o.requestB
	o.mu.Unlock()
	if b != nil && b(w, r.WithContext(withHit(r.Context(), func() { o.journal.hitRequest(w.entry) })), n) {
		return
	}
	if id := r.Header.Get(RequestIDHeader); id != "" {
		w.Header().Set(AnswerToHeader, id)
	}
	if o.serveStream(w, r) {
		return
	}
	route, ok := o.routes[r.URL.Path]
	if !ok {
		http.Error(w, "gatecrash origin: no route for "+r.URL.Path, http.StatusNotFound)
		return
	}
	for k, v := range route.Headers {
		w.Header().Set(k, v)
	}
	status := route.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(route.Body))
}

// Serve serves plain HTTP on conn: what a behaviour does with the
// connections it lets through.
func (o *Origin) Serve(conn net.Conn) {
	select {
	case o.conns <- conn:
	case <-o.done:
		conn.Close()
	}
}

// ReadRequest reads one HTTP request head from conn, counting it and noting
// it in the origin's journal under the client's request id. Behaviours use
// it to answer only after the gateway has sent its request, and write their
// answer through AnswerTo.
func (o *Origin) ReadRequest(conn net.Conn) (*http.Request, error) {
	return o.ReadRequestFrom(conn, bufio.NewReader(conn))
}

// ReadRequestFrom is ReadRequest for a behaviour that reads several
// requests on conn, through br, which buffers conn's bytes from one
// request to the next.
func (o *Origin) ReadRequestFrom(conn net.Conn, br *bufio.Reader) (*http.Request, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	o.CountRequest()
	entry := o.journal.request(conn, req)
	return req.WithContext(context.WithValue(req.Context(), reqEntryKey{}, entry)), nil
}

// PeerClosed returns a context that ends with ctx, or as soon as the peer
// closes its side of conn. From the call on it reads and discards what the
// peer sends, so call it once the request was read. A behaviour that holds a
// connection waits on it, so that it lets the connection go when the gateway
// gives up, not only when the fault clears: otherwise every request sent
// during a long fault keeps a descriptor, in CLOSE-WAIT, until the end. The
// reading ends when conn is closed (or ctx ends: the origin then sets a past
// read deadline on it).
func PeerClosed(ctx context.Context, conn net.Conn) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		_, _ = io.Copy(io.Discard, conn)
	}()
	return ctx
}

// AnswerTo is where a behaviour writes its answer to req (read with
// ReadRequest): every byte is noted as sent to req before it is written to
// w, so the origin knows what it sent, however broken, and a client's body
// can be checked against it.
func (o *Origin) AnswerTo(req *http.Request, w io.Writer) io.Writer {
	entry, _ := req.Context().Value(reqEntryKey{}).(*reqEntry)
	return &answerWriter{w: w, journal: o.journal, entry: entry}
}

// answerWriter notes a behaviour's answer bytes, then writes them.
type answerWriter struct {
	w       io.Writer
	journal *journal
	entry   *reqEntry
}

func (a *answerWriter) Write(p []byte) (int, error) {
	a.journal.wire(a.entry, p)
	return a.w.Write(p)
}

// answerRecorder notes what the HTTP server answers a request: the status,
// the body's bytes, and whether the handler finished it.
type answerRecorder struct {
	http.ResponseWriter
	journal  *journal
	entry    *reqEntry
	wrote    bool
	hijacked bool
}

func (a *answerRecorder) WriteHeader(status int) {
	if !a.wrote && status >= 200 {
		a.wrote = true
		a.journal.header(a.entry, status)
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(p []byte) (int, error) {
	if !a.wrote {
		a.WriteHeader(http.StatusOK)
	}
	a.journal.body(a.entry, p)
	return a.ResponseWriter.Write(p)
}

// Flush passes on to the server's writer.
func (a *answerRecorder) Flush() {
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection to a request behaviour: the server sends
// nothing more for this request.
func (a *answerRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := a.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	a.hijacked = true
	return hj.Hijack()
}

func (a *answerRecorder) finish() {
	if a.hijacked {
		return
	}
	if !a.wrote {
		a.WriteHeader(http.StatusOK)
	}
	a.journal.finish(a.entry)
}

// chanListener feeds the connections that carry plain HTTP to http.Server.
type chanListener struct{ o *Origin }

func (l chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.o.conns:
		return c, nil
	case <-l.o.done:
		return nil, net.ErrClosed
	}
}

func (l chanListener) Close() error   { return nil }
func (l chanListener) Addr() net.Addr { return l.o.ln.Addr() }

// Response is the answer the origin's routes give to req, as it serves them
// normally (status, route headers, body with its Content-Length), for
// behaviours that write a healthy answer themselves: late, or paced.
func (o *Origin) Response(req *http.Request) *http.Response {
	resp := &http.Response{
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{},
		Request: req,
	}
	route, ok := o.routes[req.URL.Path]
	body := route.Body
	if !ok {
		resp.StatusCode = http.StatusNotFound
		body = "gatecrash origin: no route for " + req.URL.Path + "\n"
		resp.Header.Set("Content-Type", "text/plain; charset=utf-8")
		resp.Header.Set("X-Content-Type-Options", "nosniff")
	} else {
		resp.StatusCode = cmp.Or(route.Status, http.StatusOK)
		for k, v := range route.Headers {
			resp.Header.Set(k, v)
		}
		if resp.Header.Get("Content-Type") == "" && body != "" {
			resp.Header.Set("Content-Type", http.DetectContentType([]byte(body)))
		}
	}
	if id := req.Header.Get(RequestIDHeader); id != "" {
		resp.Header.Set(AnswerToHeader, id)
	}
	resp.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	resp.ContentLength = int64(len(body))
	resp.Body = io.NopCloser(strings.NewReader(body))
	return resp
}
