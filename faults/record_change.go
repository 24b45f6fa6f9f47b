package faults

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// RecordChange moves the origin to another address mid-run, as a DNS
// failover or a redeploy does: DNS starts answering the new address, where
// the origin is served on the same port, and the old address stops
// accepting connections. A gateway that re-resolves follows; one that keeps
// a stale address gets its connects refused. Clearing moves it back.
type RecordChange struct {
	// Address is the origin's new IPv4 address. It must be a loopback
	// address (127.0.0.0/8) other than the current one.
	Address string `yaml:"address" json:"address"`
}

func init() {
	Register(Definition{
		Name:    "record_change",
		Family:  FamilyDNS,
		Summary: "the origin moves to another address and DNS follows: the old address refuses connections",
		Example: "{record_change: {address: 127.0.0.3, after: 1s}}",
		Options: Scheduled,
		New:     func() Fault { return &RecordChange{Address: "127.0.0.2"} },
	})
}

// Validate accepts only IPv4 loopback addresses.
func (f *RecordChange) Validate() error {
	_, err := loopbackIPv4("address", f.Address)
	return err
}

// CheckSuite checks that the address is not the origin's own.
func (f *RecordChange) CheckSuite(s SuiteFacts) error { return notOriginHost(f.Address, s) }

// Inject serves the first origin on the new address through a proxy of its
// own, points DNS there, then takes the old address down.
func (f *RecordChange) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	ip, err := loopbackIPv4("address", f.Address)
	if err != nil {
		return Injection{}, err
	}
	a := env.Addresses()
	if ip.Equal(net.ParseIP(a.OriginHost)) {
		return Injection{}, fmt.Errorf("address: the origin is already on %s; expected another loopback address", ip)
	}
	moved, err := harness.StartProxy(net.JoinHostPort(ip.String(), a.OriginPort), env.Origin.Addr())
	if err != nil {
		return Injection{}, fmt.Errorf("record_change: serve the origin on its new address: %w", err)
	}
	in := dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		return withAddress(env.DNS.Normal(req), ip)
	})
	env.Proxy.Down()
	clearDNS := in.Clear
	in.Clear = func() error {
		err := errors.Join(clearDNS(), env.Proxy.Up())
		moved.Close()
		return err
	}
	in.Method = "moved to " + moved.Addr()
	return in, nil
}
