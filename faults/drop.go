package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// Drop makes the path between gateway and origin silently drop data on
// established connections, as a firewall that lost its connection state
// does: bytes on the chosen stream vanish and no error comes back. The
// gateway's read timeout is what ends the wait.
//
// It is toxiproxy's timeout toxic with no timeout. Data is dropped, but a
// close by the sender still passes; clearing closes the connections it held.
type Drop struct{}

func init() {
	Register(Definition{
		Name:    "drop",
		Family:  FamilyFirewall,
		Summary: "data on established connections is silently dropped; the connections stay open",
		Example: "{drop: {direction: upstream}}",
		Options: Probabilistic | Scheduled | Directional,
		New:     func() Fault { return &Drop{} },
	})
}

// Inject adds the timeout toxic on the chosen stream.
func (f *Drop) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return toxic(env, opts, "timeout", map[string]any{"timeout": 0})
}
