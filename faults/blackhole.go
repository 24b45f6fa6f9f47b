package faults

import (
	"context"
	"strings"

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
		Options: Scheduled | Targeted,
		New:     func() Fault { return &Blackhole{} },
	})
}

// Inject swaps the listener of every origin instance it targets for a full
// accept queue.
func (f *Blackhole) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	in, err := proxies(env, opts, func(p *harness.Proxy) (func() error, error) {
		return p.Up, p.Blackhole()
	})
	in.Method = strings.TrimSuffix("full accept queue (unprivileged), "+in.Method, ", ")
	return in, err
}
