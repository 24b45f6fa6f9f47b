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
		Options: Scheduled,
		New:     func() Fault { return &Refused{} },
	})
}

// Inject stops the origin's listener.
func (f *Refused) Inject(_ context.Context, env *harness.Environment, _ Options) (Injection, error) {
	env.Proxy.Down()
	return Injection{Clear: env.Proxy.Up}, nil
}
