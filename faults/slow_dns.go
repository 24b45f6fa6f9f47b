package faults

import (
	"context"
	"errors"
	"time"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// SlowDNS makes DNS answer correctly, but late: resolution eats into the
// gateway's connect budget, or outlasts its resolver timeout.
type SlowDNS struct {
	// Delay is how long the server waits before answering each query.
	Delay time.Duration `yaml:"delay" json:"delay"`
}

func init() {
	Register(Definition{
		Name:    "slow_dns",
		Family:  FamilyDNS,
		Summary: "DNS answers correctly for the origin's name, but only after a delay",
		Example: "{slow_dns: {delay: 2s}}",
		Options: Selective | Scheduled,
		New:     func() Fault { return &SlowDNS{Delay: 500 * time.Millisecond} },
	})
}

// Validate rejects a zero delay: that is a healthy server.
func (f *SlowDNS) Validate() error {
	if f.Delay <= 0 {
		return errors.New("delay: expected a duration above zero, such as 500ms")
	}
	return nil
}

// Inject makes the DNS server hold each answer for the delay. Clearing
// sends the answers still held at once.
func (f *SlowDNS) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(ctx context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done(): // cleared, reset or stopped: answer now
		}
		return env.DNS.Normal(req)
	}), nil
}
