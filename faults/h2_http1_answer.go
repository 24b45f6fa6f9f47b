package faults

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/harness"
)

// H2HTTP1Answer makes the origin's h2c endpoint answer in HTTP/1.1: it
// reads the client's connection preface ("PRI * HTTP/2.0...") and sends
// HTTP/1.1 bytes back, then closes. The default is what an HTTP/1.1-only
// server answers that preface, the usual way this happens: a gateway
// configured for h2c in front of an origin that does not speak it.
type H2HTTP1Answer struct {
	// Bytes is what the origin answers the preface with.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Bytes Bytes `yaml:"bytes" json:"bytes"`
}

func init() {
	Register(Definition{
		Name:    "h2_http1_answer",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin answers the HTTP/2 connection preface in HTTP/1.1 (a 400), then closes",
		Example: `{h2_http1_answer: {bytes: "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n"}}`,
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New: func() Fault {
			return &H2HTTP1Answer{Bytes: "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"}
		},
	})
}

// Validate rejects an empty answer (a close) and an answer that is not
// HTTP/1.x.
func (f *H2HTTP1Answer) Validate() error {
	if !strings.HasPrefix(string(f.Bytes), "HTTP/1.") {
		return errors.New("bytes: expected an HTTP/1.x answer, starting with HTTP/1.1 or HTTP/1.0")
	}
	return nil
}

// CheckSuite asks for the h2c endpoint.
func (f *H2HTTP1Answer) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint answer every connection the options select
// in HTTP/1.1.
func (f *H2HTTP1Answer) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
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
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(conn, make([]byte, len(http2.ClientPreface))); err != nil {
			return
		}
		if _, err := conn.Write([]byte(f.Bytes)); err != nil {
			return
		}
		closeWrite(conn)
		// Read what the client sent after the preface (its SETTINGS, its
		// request) so that the close sends no RST over the answer.
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		_, _ = io.Copy(io.Discard, conn)
	})
	return Injection{Clear: func() error { env.H2C.SetBehavior(nil); return nil }}, nil
}
