package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// H2TLSPathPrefix is where the builtin gateway sends requests to the
// origin's HTTP/2-over-TLS endpoint (H2COrigin.ListenTLS), when the
// environment has it.
const H2TLSPathPrefix = "/h2tls/"

// The ALPN protocol ids the HTTP/2-over-TLS endpoint offers, in its order
// of preference.
const (
	ALPNH2     = "h2"
	ALPNHTTP11 = "http/1.1"
)

// ListenTLS makes the h2c endpoint listen on addr too, for HTTP/2 over
// TLS: each connection's handshake presents cert and negotiates the
// protocol with ALPN. A client that offers "h2" gets HTTP/2, and its
// connection then goes exactly where an h2c connection goes: to the
// behaviour SetBehavior installed (every HTTP/2 and gRPC fault acts on it,
// frame by frame, on the *tls.Conn), or to ServeH2C. A client that offers
// only "http/1.1", or no ALPN at all, gets HTTP/1.1 from the origin's
// server, always healthy: the HTTP/2 faults are frame-level and have no
// hold on it. A client that offers ALPN without either gets a
// no_application_protocol alert and no connection. A failed handshake just
// closes the connection.
//
// The journal notes its connections as endpoint "h2tls", whatever the
// protocol negotiated; Connections counts them with the h2c listener's.
func (h *H2COrigin) ListenTLS(addr string, cert tls.Certificate) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("h2tls origin: listen on %s: %w", addr, err)
	}
	h.mu.Lock()
	if h.closed || h.tlsLn != nil {
		closed := h.closed
		h.mu.Unlock()
		ln.Close()
		if closed {
			return fmt.Errorf("h2tls origin: the h2c endpoint is closed")
		}
		return fmt.Errorf("h2tls origin: already listening on %s", h.tlsLn.Addr())
	}
	h.tlsLn = ln
	// Added under the lock, so Close, which sees tlsLn, waits for it.
	h.wg.Add(1)
	h.mu.Unlock()
	conf := &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{ALPNH2, ALPNHTTP11},
		// Without resumption every connection shows its certificate, as
		// at the TLS endpoint.
		SessionTicketsDisabled: true,
	}
	go func() { defer h.wg.Done(); h.tlsAcceptLoop(ln, conf) }()
	return nil
}

// TLSAddr is the HTTP/2-over-TLS listening address (host:port), or ""
// when ListenTLS was not called.
func (h *H2COrigin) TLSAddr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tlsLn == nil {
		return ""
	}
	return h.tlsLn.Addr().String()
}

func (h *H2COrigin) tlsAcceptLoop(ln net.Listener, conf *tls.Config) {
	for {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		h.connections.Add(1)
		h.origin.journal.accept(raw, "h2tls")
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.serveTLS(raw, conf)
		}()
	}
}

// serveTLS does the handshake on raw, then hands the connection on by the
// protocol negotiated.
func (h *H2COrigin) serveTLS(raw net.Conn, conf *tls.Config) {
	tc := tls.Server(raw, conf)
	ctx, cancel := context.WithTimeout(h.ctx, tlsHandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		tc.Close()
		h.origin.journal.forget(raw)
		return
	}
	if tc.ConnectionState().NegotiatedProtocol != ALPNH2 {
		// http.Server sees a *tls.Conn that did not negotiate h2 and
		// serves HTTP/1.1 on it.
		h.origin.Serve(tc)
		return
	}
	h.take(tc, raw)
}
