package faults

import (
	"context"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// DNSRefused makes DNS refuse to answer for the origin's name: REFUSED, what
// a server answers a client its policy does not serve.
type DNSRefused struct{}

func init() {
	Register(Definition{
		Name:    "dns_refused",
		Family:  FamilyDNS,
		Summary: "DNS answers REFUSED for the origin's name: the server will not resolve it",
		Example: "dns_refused",
		Options: Selective | Scheduled,
		New:     func() Fault { return &DNSRefused{} },
	})
}

// Inject makes the DNS server answer REFUSED.
func (f *DNSRefused) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeRefused)
		return m
	}), nil
}
