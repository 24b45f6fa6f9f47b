package faults

import (
	"context"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// ResetOnAccept makes the origin accept the connection and reset it (RST)
// before reading anything: the gateway's connect succeeds, then "connection
// reset by peer".
//
// The reset comes as soon as the connection is in use: at the first byte
// from the gateway, or after resetOnAcceptWait without one. Sooner, it could
// beat the proxy's own connect to the origin, and the proxy would close the
// gateway's side with a FIN instead.
type ResetOnAccept struct{}

// resetOnAcceptWait bounds the wait for the gateway's first byte.
const resetOnAcceptWait = 50 * time.Millisecond

func init() {
	Register(Definition{
		Name:    "reset_on_accept",
		Family:  FamilyOriginDown,
		Summary: "the origin accepts the connection and resets it (RST) before reading anything",
		Example: "{reset_on_accept: {attempts: 1..2}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ResetOnAccept{} },
	})
}

// Inject makes the origin reset every selected connection as it accepts it.
func (f *ResetOnAccept) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return withResets(env, func() Injection {
		return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, _ *harness.Origin) {
			defer closeOnDone(ctx, conn)()
			_ = conn.SetReadDeadline(time.Now().Add(resetOnAcceptWait))
			_, _ = conn.Read(make([]byte, 1))
			resetConn(conn)
		})
	})
}
