package faults

import (
	"context"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// ServFail makes DNS fail to resolve the origin's name: SERVFAIL, the
// answer of a resolver whose upstream is broken. Resolvers treat it as
// temporary and may retry.
type ServFail struct{}

func init() {
	Register(Definition{
		Name:    "servfail",
		Family:  FamilyDNS,
		Summary: "DNS answers SERVFAIL for the origin's name: the server failed to resolve it",
		Example: "{servfail: {attempts: 1..2}}",
		Options: Selective | Scheduled,
		New:     func() Fault { return &ServFail{} },
	})
}

// Inject makes the DNS server answer SERVFAIL.
func (f *ServFail) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
		return m
	}), nil
}
