package faults

import (
	"context"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// DNSTimeout makes DNS drop queries for the origin's name: no answer ever
// comes, so only the resolver's own timeout ends the wait.
type DNSTimeout struct{}

func init() {
	Register(Definition{
		Name:    "dns_timeout",
		Family:  FamilyDNS,
		Summary: "DNS never answers queries for the origin's name: the resolver times out",
		Example: "{dns_timeout: {probability: 0.5}}",
		Options: Selective | Scheduled,
		New:     func() Fault { return &DNSTimeout{} },
	})
}

// Inject makes the DNS server drop the queries, over UDP and TCP alike.
func (f *DNSTimeout) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(context.Context, dns.ResponseWriter, *dns.Msg) *dns.Msg { return nil }), nil
}
