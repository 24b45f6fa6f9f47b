package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// Refused takes the origin down: nothing listens on its address, so the
// gateway's connect is refused (the kernel answers the SYN with RST).
type Refused struct{}

func init() {
	Register(Definition{
		Name:    "refused",
		Family:  FamilyOriginDown,
		Summary: "nothing listens on the origin's address: every connect is refused",
		Example: "refused",
		Options: Scheduled | Targeted,
		New:     func() Fault { return &Refused{} },
	})
}

// Inject stops the listener of every origin instance it targets.
func (f *Refused) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return proxies(env, opts, func(p *harness.Proxy) (func() error, error) {
		p.Down()
		return p.Up, nil
	})
}
