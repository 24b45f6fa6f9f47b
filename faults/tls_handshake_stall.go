package faults

import (
	"context"
	"io"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// TLSHandshakeStall makes the origin's TLS endpoint accept the connection
// and read the ClientHello, then never answer it: only the gateway's own
// handshake (or connect) timeout ends the wait.
type TLSHandshakeStall struct{}

func init() {
	Register(Definition{
		Name:    "tls_handshake_stall",
		Family:  FamilyTLS,
		Summary: "the origin accepts TCP, then never answers the TLS ClientHello",
		Example: "tls_handshake_stall",
		Options: Selective | Scheduled,
		Needs:   Needs{TLSRoute: true},
		New:     func() Fault { return &TLSHandshakeStall{} },
	})
}

// Inject makes the TLS endpoint hold every new connection, reading and
// dropping what the client sends, until the fault clears.
func (f *TLSHandshakeStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return tlsBehavior(env, opts, func(ctx context.Context, conn net.Conn, _ *harness.TLSOrigin) {
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		// Draining keeps the client's writes from blocking; the read ends
		// when the client gives up or the fault clears.
		_, _ = io.Copy(io.Discard, conn)
		conn.Close()
	}), nil
}
