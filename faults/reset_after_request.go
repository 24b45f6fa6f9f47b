package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// ResetAfterRequest makes the origin read the request, then reset the
// connection (RST) without answering.
type ResetAfterRequest struct{}

func init() {
	Register(Definition{
		Name:    "reset_after_request",
		Family:  FamilyOriginDown,
		Summary: "the origin reads the request, then resets the connection (RST) without answering",
		Example: "{reset_after_request: {probability: 0.3}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ResetAfterRequest{} },
	})
}

// Inject makes the origin reset every selected connection after its request.
func (f *ResetAfterRequest) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return withResets(env, func() Injection {
		return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
			defer closeOnDone(ctx, conn)()
			if readWholeRequest(conn, o) != nil {
				resetConn(conn)
				return
			}
			_ = conn.Close()
		})
	})
}
