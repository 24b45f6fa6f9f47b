package faults

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
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
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Bytes Bytes `yaml:"bytes" json:"bytes"`
}

func init() {
	Register(Definition{
		Name:    "tls_plaintext",
		Family:  FamilyTLS,
		Summary: "the origin's TLS port answers the ClientHello in plain text (an HTTP 400), then closes",
		Example: `{tls_plaintext: {bytes: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"}}`,
		Options: Selective | Scheduled,
		Needs:   Needs{TLSRoute: true},
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
	if f.Bytes[0] >= 20 && f.Bytes[0] <= 24 {
		return errors.New("bytes: expected bytes that do not start like a TLS record (content type 20-24)")
	}
	return nil
}

// Inject makes the TLS endpoint answer every ClientHello with the bytes.
func (f *TLSPlaintext) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return tlsBehavior(env, opts, func(ctx context.Context, conn net.Conn, _ *harness.TLSOrigin) {
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		defer conn.Close()
		// Answer once the client has spoken, as an HTTP server does, and
		// read its whole first record (a ClientHello with post-quantum key
		// shares may come in pieces): closing with unread bytes would send
		// an RST that can destroy the answer.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		header := make([]byte, 5)
		if _, err := io.ReadFull(conn, header); err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, conn, int64(binary.BigEndian.Uint16(header[3:5]))); err != nil {
			return
		}
		_, _ = conn.Write([]byte(f.Bytes))
	}), nil
}
