package faults

import (
	"context"

	"github.com/Shopify/toxiproxy/v2/toxics"

	"github.com/gatecrash/gatecrash/harness"
)

// Drop makes the path between gateway and origin silently drop data on
// established connections, as a firewall that lost its connection state
// does: bytes on the chosen stream vanish, and so does the sender's close,
// so the connection stays open until the fault clears, which closes it. The
// gateway's read timeout is what ends the wait.
type Drop struct{}

func init() {
	Register(Definition{
		Name:    "drop",
		Family:  FamilyFirewall,
		Summary: "data on established connections is silently dropped; the connections stay open",
		Example: "{drop: {direction: upstream}}",
		Options: Probabilistic | Scheduled | Directional | Targeted,
		New:     func() Fault { return &Drop{} },
	})
	toxics.Register(dropToxicType, new(dropToxic))
}

// dropToxicType names dropToxic in toxiproxy's registry.
const dropToxicType = "gatecrash_drop"

// Inject adds the drop toxic on the chosen stream.
func (f *Drop) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return toxic(env, opts, dropToxicType, map[string]any{})
}

// dropToxic is toxiproxy's timeout toxic with no timeout, except that it
// also swallows the end of the stream: the timeout toxic closes the
// connection when the sender closes, which a firewall dropping packets
// would drop too.
type dropToxic struct{}

// Pipe drops every chunk, then holds the stream until the toxic is removed.
func (t *dropToxic) Pipe(stub *toxics.ToxicStub) {
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				<-stub.Interrupt
				return
			}
		}
	}
}

// Cleanup closes the stream when the toxic is removed, as the timeout toxic
// does: the data it dropped is gone, so the connection cannot go on.
func (t *dropToxic) Cleanup(stub *toxics.ToxicStub) { stub.Close() }
