package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// EmptyReply makes the origin read the request, then close the connection
// (FIN) without sending a byte: curl's "Empty reply from server".
type EmptyReply struct{}

func init() {
	Register(Definition{
		Name:    "empty_reply",
		Family:  FamilyOriginDown,
		Summary: "the origin reads the request, then closes the connection (FIN) without sending a byte",
		Example: "{empty_reply: {probability: 0.5}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &EmptyReply{} },
	})
}

// Inject makes the origin close every selected connection after its request.
func (f *EmptyReply) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer closeOnDone(ctx, conn)()
		defer conn.Close()
		readWholeRequest(conn, o)
	}), nil
}
