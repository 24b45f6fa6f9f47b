package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/harness"
)

// The HTTP/2 faults act on the origin's h2c endpoint (origin.h2c: true),
// where a hand-written server, frame by frame, takes the connections the
// options select: it reads the client's preface and SETTINGS, sends its
// own, reads each request's HEADERS and misbehaves on it. They act the
// same on its HTTP/2-over-TLS endpoint (origin.h2tls: true), which hands
// each connection that negotiated h2 to the same behaviour, as a
// *tls.Conn.

// errNoH2C is why an HTTP/2 fault cannot be injected into an environment
// started without the h2c endpoint.
var errNoH2C = errors.New("the origin's h2c endpoint is not started: the suite needs origin.h2c: true or origin.h2tls: true")

// checkH2C is the CheckSuite of the HTTP/2 faults.
func checkH2C(s SuiteFacts) error {
	if !s.H2C && !s.H2TLS {
		return errors.New("an HTTP/2 fault acts on the origin's h2c or h2tls endpoint: expected origin.h2c: true or origin.h2tls: true in the suite")
	}
	return nil
}

// h2Stream is what an HTTP/2 fault does with one request stream on a
// connection it took. It returns true when it ended the connection (a
// GOAWAY), false to go on serving the connection's next streams with it.
type h2Stream func(c *harness.H2Conn, r *harness.H2Request) (closed bool)

// h2Behavior makes the h2c endpoint hand the connections the options
// select to the frame-level server, which serves every request stream on
// them with act (after sending settings in its SETTINGS), and serve the
// others healthy HTTP/2. Each connection is
// one attempt: a gateway multiplexes its requests on one connection, and
// a connection's streams all meet the same server.
func h2Behavior(env *harness.Environment, opts Options, act h2Stream, settings ...http2.Setting) (Injection, error) {
	if env.H2C == nil {
		return Injection{}, errNoH2C
	}
	sel := newSelector(opts)
	env.H2C.SetBehavior(func(ctx context.Context, conn net.Conn, h *harness.H2COrigin) {
		if !sel.hit() {
			h.ServeH2C(conn)
			return
		}
		harness.FaultHit(ctx)
		// When the fault clears, reads fail and a blocked write gives up;
		// once this returns the endpoint ends the connection with a
		// GOAWAY, and closes it.
		c, err := h.Accept(conn, settings...)
		if err != nil {
			return
		}
		for {
			r, err := c.NextRequest()
			if err != nil {
				return
			}
			if act(c, r) {
				return
			}
		}
	})
	return Injection{Clear: func() error { env.H2C.SetBehavior(nil); return nil }}, nil
}

// ErrCode is an HTTP/2 error code, as RFC 9113 names it
// (INTERNAL_ERROR, REFUSED_STREAM...), in RST_STREAM and GOAWAY frames.
type ErrCode string

// code is the error code's number, or an error naming the valid ones.
func (e ErrCode) code() (http2.ErrCode, error) {
	var names []string
	for c := http2.ErrCodeNo; c <= http2.ErrCodeHTTP11Required; c++ {
		if c.String() == string(e) {
			return c, nil
		}
		names = append(names, c.String())
	}
	return 0, fmt.Errorf("error_code: expected an HTTP/2 error code, one of %s; got %q", strings.Join(names, ", "), string(e))
}

// h2Close ends a connection after the fault's last frame without losing
// it: it closes the write side, then reads until the client closes (or a
// second passes). Closing with the client's frames unread would send an
// RST that can destroy the frames before the client reads them. Over TLS
// closing the write side is a close_notify alert.
func h2Close(c *harness.H2Conn) {
	conn := c.Conn()
	closeWrite(conn)
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, conn)
}

// closeWrite closes conn's write side: a TCP half-close, or over TLS a
// close_notify alert.
func closeWrite(conn net.Conn) {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}
