package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// ClosedOnAccept makes the origin accept the connection and close it at
// once, before reading anything: the gateway's connect succeeds, then it
// meets a FIN (or an RST when its request was already there, unread).
type ClosedOnAccept struct{}

func init() {
	Register(Definition{
		Name:    "closed_on_accept",
		Family:  FamilyOriginDown,
		Summary: "the origin accepts the connection and closes it at once, before reading anything",
		Example: "{closed_on_accept: {attempts: 1}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ClosedOnAccept{} },
	})
}

// Inject makes the origin close every selected connection as it accepts it.
func (f *ClosedOnAccept) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(_ context.Context, conn net.Conn, _ *harness.Origin) {
		_ = conn.Close()
	}), nil
}
