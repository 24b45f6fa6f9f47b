package faults

import (
	"context"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// EmptyAnswer makes DNS say the origin's name exists but has no address:
// NOERROR with no records (NODATA), which resolvers must not take for a
// success.
type EmptyAnswer struct{}

func init() {
	Register(Definition{
		Name:    "empty_answer",
		Family:  FamilyDNS,
		Summary: "DNS answers NOERROR with no records for the origin's name: it has no address",
		Example: "empty_answer",
		Options: Selective | Scheduled,
		New:     func() Fault { return &EmptyAnswer{} },
	})
}

// Inject makes the DNS server answer with no records.
func (f *EmptyAnswer) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		return m
	}), nil
}
