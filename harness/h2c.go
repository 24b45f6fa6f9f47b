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
)

// H2CBehavior takes over a raw TCP connection the h2c endpoint accepted,
// before any HTTP/2 byte. It owns conn: it closes it, or hands it to
// h.ServeH2C. ctx ends when the behaviour is cleared or the endpoint stops;
// reads on conn fail from then on.
type H2CBehavior func(ctx context.Context, conn net.Conn, h *H2COrigin)

// H2COrigin is the origin's h2c endpoint: a listener that serves the same
// origin's routes over cleartext HTTP/2 with prior knowledge (no upgrade
// from HTTP/1.1), with the same request-id tagging, journal of attempts
// and record of the bodies sent as the HTTP/1.1 origin. It is not behind
// the toxic proxy: like the TLS endpoint it is reached directly, and its
// faults are written frame by frame (SetBehavior, H2Conn).
type H2COrigin struct {
	ln          net.Listener
	origin      *Origin
	server      *http2.Server
	ctx         context.Context // ends at Close
	stop        context.CancelFunc
	wg          sync.WaitGroup
	connections atomic.Int64

	mu       sync.Mutex
	serving  map[net.Conn]bool // connections served healthy HTTP/2 now
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
	h := &H2COrigin{ln: ln, origin: origin, serving: map[net.Conn]bool{},
		server: &http2.Server{IdleTimeout: time.Minute}}
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
// HTTP/2. Setting a behaviour ends the context of the previous one and
// closes the connections served healthy HTTP/2: a gateway multiplexes its
// requests over one pooled connection, which would otherwise never meet b.
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
	h.mu.Unlock()
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
	h.mu.Unlock()
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
	h.server.ServeConn(conn, &http2.ServeConnOpts{Context: ctx, Handler: http.HandlerFunc(h.origin.serveHTTP),
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
	h.mu.Unlock()
	h.stop()
	err := h.ln.Close()
	for _, c := range open {
		c.Close()
	}
	h.wg.Wait()
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
		h.mu.Lock()
		b, ctx := h.behavior, h.bctx
		h.mu.Unlock()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			if b == nil {
				h.ServeH2C(conn)
				return
			}
			h.origin.held.Add(1)
			defer h.origin.held.Add(-1)
			// A behaviour blocked reading must end when the fault clears
			// or the endpoint stops.
			stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
			defer stop()
			// Once the behaviour returns (the fault cleared), its
			// connection ends: a gateway must not keep a misbehaving
			// connection (no streams allowed, say) in its pool after it.
			defer conn.Close()
			defer h.origin.journal.forget(conn)
			b(withHit(ctx, func() { h.origin.journal.hitConn(conn) }), conn, h)
		}()
	}
}
