package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// Hang makes the origin accept the connection and read the request, then
// never answer: the gateway's read timeout is what ends the wait.
type Hang struct{}

func init() {
	Register(Definition{
		Name:    "hang",
		Family:  FamilySlowOrigin,
		Summary: "the origin reads the request and never answers, holding the connection open",
		Example: "hang",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &Hang{} },
	})
}

// Inject makes the origin hold every new connection until the fault clears,
// or until the gateway closes its side.
func (f *Hang) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		if _, err := o.ReadRequest(conn); err != nil {
			return
		}
		// Held until the fault clears or the gateway gives up.
		<-harness.PeerClosed(ctx, conn).Done()
	}), nil
}
