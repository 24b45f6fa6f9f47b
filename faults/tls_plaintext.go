package faults

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// TLSPlaintext makes the origin's TLS port speak plain text: it reads the
// ClientHello, answers with bytes that are not TLS, then closes. The default
// is what Go's HTTP server answers when a client speaks TLS to its plain
// HTTP port, the usual way this happens.
type TLSPlaintext struct {
	// Bytes is what the origin answers the ClientHello with.
	Bytes string `yaml:"bytes" json:"bytes"`
}

func init() {
	Register(Definition{
		Name:    "tls_plaintext",
		Family:  FamilyTLS,
		Summary: "the origin's TLS port answers the ClientHello in plain text (an HTTP 400), then closes",
		Example: `{tls_plaintext: {bytes: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"}}`,
		Options: Selective | Scheduled,
		New: func() Fault {
			return &TLSPlaintext{Bytes: "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"}
		},
	})
}

// Validate rejects an empty answer: that is a close, not plain text.
func (f *TLSPlaintext) Validate() error {
	if f.Bytes == "" {
		return errors.New("bytes: expected at least one byte, such as an HTTP/1.1 400 response")
	}
	return nil
}

// Inject makes the TLS endpoint answer every ClientHello with the bytes.
func (f *TLSPlaintext) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return tlsBehavior(env, opts, func(ctx context.Context, conn net.Conn, _ *harness.TLSOrigin) {
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		defer conn.Close()
		// Answer once the client has spoken, as an HTTP server does.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Read(make([]byte, 4096)); err != nil {
			return
		}
		_, _ = conn.Write([]byte(f.Bytes))
	}), nil
}
