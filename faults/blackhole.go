package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// Blackhole makes the origin's address swallow SYNs, as a firewall that
// silently drops packets does: the gateway's connect never completes and
// only its connect timeout ends the wait.
//
// It needs no privileges: the address is taken over by a listener whose
// accept queue is full and never drained, so Linux drops further SYNs.
type Blackhole struct{}

func init() {
	Register(Definition{
		Name:    "blackhole",
		Family:  FamilyFirewall,
		Summary: "SYNs to the origin are silently dropped: the connect never completes",
		Example: "blackhole",
		Options: Scheduled,
		New:     func() Fault { return &Blackhole{} },
	})
}

// Inject swaps the origin's listener for a full accept queue.
func (f *Blackhole) Inject(_ context.Context, env *harness.Environment, _ Options) (Injection, error) {
	if err := env.Proxy.Blackhole(); err != nil {
		return Injection{}, err
	}
	return Injection{Clear: env.Proxy.Up, Method: "full accept queue (unprivileged)"}, nil
}
