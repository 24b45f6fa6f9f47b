package faults

import (
	"context"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// NXDomain makes DNS say the origin's name does not exist.
type NXDomain struct{}

func init() {
	Register(Definition{
		Name:    "nxdomain",
		Family:  FamilyDNS,
		Summary: "DNS answers NXDOMAIN for the origin's name: it does not exist",
		Example: "nxdomain",
		Options: Selective | Scheduled,
		New:     func() Fault { return &NXDomain{} },
	})
}

// Inject makes the DNS server answer NXDOMAIN.
func (f *NXDomain) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeNameError)
		m.Authoritative = true
		return m
	}), nil
}
