package harness

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// WSPathPrefix is where the origin serves WebSocket: any request under it
// that asks for an upgrade is answered 101 and every message it sends is
// echoed back, of the same type, until it closes. A suite reaches it with
// a route under it, as it reaches the TLS endpoint under TLSPathPrefix.
const WSPathPrefix = "/ws/"

// SSEPathPrefix is where the origin serves server-sent events: a 200
// text/event-stream of SSEEvents events, one every SSEInterval, then the
// end of the answer. The query can change both: /sse/?events=3&interval=1s.
const SSEPathPrefix = "/sse/"

// The origin's server-sent events, by default.
const (
	SSEEvents   = 5
	SSEInterval = 100 * time.Millisecond
)

// TunnelProbe starts the line the streaming client writes after an answer
// to its Upgrade request that was not a switch (a 200, a 4xx): a gateway
// that parses HTTP refuses it (it is no request line), one that tunnels it
// carries it to the origin raw, where a stream fault notes it
// (Origin.NoteTunneled). Its line is "GATECRASH-TUNNEL-PROBE <request id>".
const TunnelProbe = "GATECRASH-TUNNEL-PROBE"

// streamNotes records, by request id, whether bytes the client wrote
// after its handshake reached the origin raw: an echoed WebSocket message,
// or a tunnel probe after an answer that was no switch.
type streamNotes struct {
	mu       sync.Mutex
	tunneled map[string]bool
}

func (s *streamNotes) note(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tunneled == nil {
		s.tunneled = map[string]bool{}
	}
	s.tunneled[id] = true
}

func (s *streamNotes) get(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tunneled[id]
}

func (s *streamNotes) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tunneled = nil
}

// NoteTunneled records that bytes the client of request id wrote after
// its handshake reached the origin raw, through a tunnel the gateway
// opened: what a stream fault that answers an Upgrade without switching
// calls when the client's tunnel probe arrives on its connection.
func (o *Origin) NoteTunneled(id string) {
	if id != "" {
		o.streams.note(id)
	}
}

// Tunneled reports whether bytes the client of request id wrote after its
// handshake reached this origin raw (NoteTunneled).
func (o *Origin) Tunneled(id string) bool { return o.streams.get(id) }

// serveStream serves the WebSocket and server-sent events paths; it
// returns false for any other path, which the routes answer.
func (o *Origin) serveStream(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case strings.HasPrefix(r.URL.Path, WSPathPrefix):
		o.serveWebSocket(w, r)
	case strings.HasPrefix(r.URL.Path, SSEPathPrefix):
		serveSSE(w, r, o.done)
	default:
		return false
	}
	return true
}

// serveWebSocket echoes every message of a WebSocket; a request that does
// not ask for the upgrade is answered 426 Upgrade Required.
func (o *Origin) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(RequestIDHeader)
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered the request
	}
	defer c.CloseNow()
	// A hijacked connection is not the HTTP server's to close: end it when
	// the origin stops.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-o.done:
			c.CloseNow()
		case <-ctx.Done():
		}
	}()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		o.NoteTunneled(id)
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

// serveSSE sends the events the request's query asks for (SSEEvents,
// SSEInterval by default), flushing each, then ends the answer.
func serveSSE(w http.ResponseWriter, r *http.Request, done <-chan struct{}) {
	events, interval := SSEEvents, SSEInterval
	if v, err := strconv.Atoi(r.URL.Query().Get("events")); err == nil && v >= 0 && v <= 1000 {
		events = v
	}
	if v, err := time.ParseDuration(r.URL.Query().Get("interval")); err == nil && v >= 0 && v <= time.Minute {
		interval = v
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	id := r.Header.Get(RequestIDHeader)
	for n := 1; n <= events; n++ {
		if n > 1 {
			t := time.NewTimer(interval)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-done:
				t.Stop()
				return
			}
		}
		if _, err := w.Write(SSEEvent(n, id)); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// SSEEvent is the origin's nth server-sent event for request id: an id
// line, an event line and a data line, then the blank line that ends it.
func SSEEvent(n int, id string) []byte {
	return fmt.Appendf(nil, "id: %d\nevent: tick\ndata: gatecrash event %d for %s\n\n", n, n, id)
}
