package harness

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
)

// H2CBehavior takes over a raw TCP connection the h2c endpoint accepted,
// before any HTTP/2 byte (or, from its HTTP/2-over-TLS listener, a
// *tls.Conn that negotiated "h2", after the handshake: see ListenTLS): it hands it to h.ServeH2C, or misbehaves on it,
// most often as HTTP/2 opened with h.Accept. When it returns the endpoint
// ends conn: a connection opened with Accept gets a GOAWAY first, so that
// a gateway drops it from its pool (see SetBehavior), which a behaviour
// that closes conn itself prevents. ctx ends when the behaviour is cleared
// or the endpoint stops; reads on conn fail from then on, and a write
// blocked on a gateway that stopped reading gives up soon after.
type H2CBehavior func(ctx context.Context, conn net.Conn, h *H2COrigin)

// H2COrigin is the origin's h2c endpoint: a listener that serves the same
// origin's routes over cleartext HTTP/2 with prior knowledge (no upgrade
// from HTTP/1.1), with the same request-id tagging, journal of attempts
// and record of the bodies sent as the HTTP/1.1 origin. It is not behind
// the toxic proxy: like the TLS endpoint it is reached directly, and its
// faults are written frame by frame (SetBehavior, H2Conn). With ListenTLS
// it serves the same over TLS, HTTP/2 negotiated with ALPN, and its
// behaviours take those connections too.
type H2COrigin struct {
	ln          net.Listener
	tlsLn       net.Listener // the HTTP/2-over-TLS listener (ListenTLS), or nil
	origin      *Origin
	server      *http2.Server
	grpc        *grpc.Server    // serves the gRPC requests (grpc.go)
	ctx         context.Context // ends at Close
	stop        context.CancelFunc
	wg          sync.WaitGroup
	connections atomic.Int64

	mu       sync.Mutex
	serving  map[net.Conn]bool      // connections served healthy HTTP/2 now
	held     map[net.Conn]*heldConn // connections handed to a behaviour, until it returns
	behavior H2CBehavior
	faulty   spans // when a fault's behaviour was installed
	bctx     context.Context
	cancel   context.CancelFunc
	closed   bool
}

// StartH2COrigin listens on addr and serves origin's routes over h2c.
func StartH2COrigin(addr string, origin *Origin) (*H2COrigin, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("h2c origin: listen on %s: %w", addr, err)
	}
	h := &H2COrigin{ln: ln, origin: origin, serving: map[net.Conn]bool{}, held: map[net.Conn]*heldConn{},
		server: &http2.Server{IdleTimeout: time.Minute}, grpc: newGRPCServer()}
	h.ctx, h.stop = context.WithCancel(context.Background())
	h.bctx, h.cancel = context.WithCancel(h.ctx)
	h.wg.Add(1)
	go func() { defer h.wg.Done(); h.acceptLoop() }()
	return h, nil
}

// Addr is the endpoint's listening address (host:port).
func (h *H2COrigin) Addr() string { return h.ln.Addr().String() }

// Origin is the origin whose routes, counters and journal the endpoint
// shares.
func (h *H2COrigin) Origin() *Origin { return h.origin }

// Connections is how many TCP connections the endpoint accepted since the
// last Reset.
func (h *H2COrigin) Connections() int { return int(h.connections.Load()) }

// SetBehavior hands every new connection to b; nil restores healthy
// HTTP/2. Setting a behaviour closes the connections served healthy
// HTTP/2: a gateway multiplexes its requests over one pooled connection,
// which would otherwise never meet b.
//
// It also ends the previous behaviour, and returns once the connections it
// held have ended (three times endWait at most): their reads fail, the behaviour
// returns, and each connection it opened as HTTP/2 (Accept) gets a GOAWAY
// before it closes, and is closed once the gateway has closed its side.
// So when a fault clears, a gateway has already dropped from its pool
// every connection the fault held, even one that never carried a request:
// closed without a GOAWAY, Go's HTTP/2 client keeps such a connection in
// its pool for a few seconds and fails the next request on it ("http2:
// client conn could not be established"). The connections the behaviour
// handed to ServeH2C are healthy: they go on.
func (h *H2COrigin) SetBehavior(b H2CBehavior) {
	h.mu.Lock()
	h.cancel()
	h.bctx, h.cancel = context.WithCancel(h.ctx)
	h.behavior = b
	h.faulty.set(b != nil)
	var pooled []net.Conn
	if b != nil {
		for c := range h.serving {
			pooled = append(pooled, c)
		}
	}
	ending := make([]*heldConn, 0, len(h.held))
	for _, hc := range h.held {
		ending = append(ending, hc)
	}
	h.mu.Unlock()
	awaitEnded(ending)
	for _, c := range pooled {
		c.Close()
	}
	if len(pooled) > 0 {
		// The next request waits for the gateway to see them closed, as
		// after the HTTP/1.1 origin closes idle connections.
		h.origin.mu.Lock()
		h.origin.closedIdle = time.Now()
		h.origin.mu.Unlock()
	}
}

// Reset clears any behaviour and zeroes the counter.
func (h *H2COrigin) Reset() {
	h.SetBehavior(nil)
	h.connections.Store(0)
	h.faulty.reset()
}

// ServeH2C serves the origin's routes over HTTP/2 on conn, which must
// start with the client's connection preface, and returns when the
// connection ends.
func (h *H2COrigin) ServeH2C(conn net.Conn) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.Close()
		return
	}
	h.serving[conn] = true
	hc := h.held[conn]
	h.mu.Unlock()
	hc.serveHealthy(h.origin)
	defer func() {
		h.mu.Lock()
		delete(h.serving, conn)
		h.mu.Unlock()
		h.origin.journal.forget(conn)
	}()
	ctx := context.WithValue(h.ctx, connKey{}, conn)
	ctx = context.WithValue(ctx, connRequestsKey{}, new(atomic.Int64))
	// A gateway that drops its connection mid-preface is what faults do:
	// nothing for gatecrash's stderr.
	h.server.ServeConn(conn, &http2.ServeConnOpts{Context: ctx, Handler: h.origin.grpcHandler(h.grpc),
		BaseConfig: &http.Server{ErrorLog: log.New(io.Discard, "", 0)}})
}

// Close stops the endpoint and releases every connection it serves or a
// behaviour holds.
func (h *H2COrigin) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	var open []net.Conn
	for c := range h.serving {
		open = append(open, c)
	}
	tlsLn := h.tlsLn
	h.mu.Unlock()
	h.stop()
	err := h.ln.Close()
	if tlsLn != nil {
		_ = tlsLn.Close()
	}
	for _, c := range open {
		c.Close()
	}
	h.wg.Wait()
	h.grpc.Stop()
	return err
}

func (h *H2COrigin) acceptLoop() {
	for {
		conn, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.connections.Add(1)
		h.origin.journal.accept(conn, "h2c")
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.take(conn, conn)
		}()
	}
}

// take hands conn, a connection that is about to carry HTTP/2 (raw is its
// TCP connection, which the journal knows it by), to the behaviour, or
// serves it healthy HTTP/2 when there is none.
func (h *H2COrigin) take(conn, raw net.Conn) {
	h.mu.Lock()
	b, ctx := h.behavior, h.bctx
	var hc *heldConn
	if b != nil {
		hc = &heldConn{conn: conn, done: make(chan struct{})}
		h.held[conn] = hc
		h.origin.held.Add(1)
	}
	h.mu.Unlock()
	if b == nil {
		h.ServeH2C(conn)
		return
	}
	// A behaviour blocked reading must end when the fault clears or the
	// endpoint stops.
	hc.stop = context.AfterFunc(ctx, hc.end)
	b(withHit(ctx, func() { h.origin.journal.hitConn(raw) }), conn, h)
	h.release(hc)
}

// endWait bounds how long the end of a behaviour's connection waits for
// each of its steps: the client's preface, when the behaviour's context
// ended as it was accepted, a write to go out, and the gateway's close
// after GOAWAY. SetBehavior waits for no more than three of them.
const endWait = time.Second

// heldConn is a connection the h2c endpoint handed to a behaviour, from its
// accept until the behaviour returns.
type heldConn struct {
	conn net.Conn
	// stop stops the end when the behaviour's context ends.
	stop func() bool
	// done is closed when the connection has ended, or when the behaviour
	// handed it to ServeH2C.
	done chan struct{}

	mu sync.Mutex
	// ended says the behaviour's context ended: reads fail.
	ended bool
	// accepting says Accept is reading the client's preface.
	accepting bool
	// healthy says the behaviour handed the connection to ServeH2C.
	healthy bool
	// h2 is the HTTP/2 connection Accept opened on it.
	h2 *H2Conn
}

// end is called when the behaviour's context ends (the fault cleared, the
// endpoint stops): reads fail from then on (but for the client's preface,
// given endWait to arrive, so that a connection accepted just before ends
// as HTTP/2 too), and a write blocked on a gateway that stopped reading
// gives up after endWait.
func (hc *heldConn) end() {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.healthy {
		return
	}
	hc.ended = true
	now := time.Now()
	if hc.accepting {
		_ = hc.conn.SetReadDeadline(now.Add(endWait))
	} else {
		_ = hc.conn.SetReadDeadline(now)
	}
	_ = hc.conn.SetWriteDeadline(now.Add(endWait))
}

// readDeadline sets the connection's read deadline to wait from now (none
// when zero), unless the behaviour's context ended: then reads fail at
// once, or, while the preface is read (accepting), after endWait.
func (hc *heldConn) readDeadline(wait time.Duration, accepting bool) {
	if hc == nil {
		return
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.accepting = accepting
	switch {
	case hc.ended && accepting:
		wait = min(wait, endWait)
	case hc.ended:
		_ = hc.conn.SetReadDeadline(time.Now())
		return
	}
	var t time.Time
	if wait > 0 {
		t = time.Now().Add(wait)
	}
	_ = hc.conn.SetReadDeadline(t)
}

// opened notes the HTTP/2 connection Accept opened on the connection.
func (hc *heldConn) opened(c *H2Conn) {
	if hc == nil {
		return
	}
	hc.mu.Lock()
	hc.h2 = c
	hc.mu.Unlock()
}

// serveHealthy takes the connection back from its behaviour, which handed
// it to ServeH2C: the behaviour's end does not touch it, and the endpoint
// does not wait for it.
func (hc *heldConn) serveHealthy(o *Origin) {
	if hc == nil {
		return
	}
	hc.mu.Lock()
	if hc.healthy {
		hc.mu.Unlock()
		return
	}
	hc.healthy = true
	if hc.ended {
		_ = hc.conn.SetDeadline(time.Time{})
	}
	hc.mu.Unlock()
	o.held.Add(-1)
	close(hc.done)
}

// release ends the connection of a behaviour that returned, unless it
// handed the connection to ServeH2C: with a GOAWAY first when the
// behaviour opened it as HTTP/2 (H2Conn.end), then the close.
func (h *H2COrigin) release(hc *heldConn) {
	hc.stop()
	hc.mu.Lock()
	healthy, ended, c := hc.healthy, hc.ended, hc.h2
	hc.mu.Unlock()
	if !healthy {
		if c != nil {
			// Once ended, the write deadline end set stands: a write it
			// cut short may have left half a frame, after which no frame
			// must go out.
			c.end(!ended)
		}
		hc.conn.Close()
		h.origin.journal.forget(hc.conn)
	}
	h.mu.Lock()
	delete(h.held, hc.conn)
	h.mu.Unlock()
	if !healthy {
		h.origin.held.Add(-1)
		close(hc.done)
	}
}

// awaitEnded waits until each of conns has ended, for at most three times
// endWait in all.
func awaitEnded(conns []*heldConn) {
	if len(conns) == 0 {
		return
	}
	timeout := time.NewTimer(3 * endWait)
	defer timeout.Stop()
	for _, hc := range conns {
		select {
		case <-hc.done:
		case <-timeout.C:
			return
		}
	}
}
