package faults

import (
	"context"
	"fmt"
	"net"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// Truncated makes DNS answer over UDP with the TC bit set and no records,
// as a server does when the answer does not fit a datagram: the resolver
// must retry over TCP, where the answer is given. A resolver that cannot
// use TCP fails to resolve the name.
type Truncated struct {
	// TCP is the answer over TCP: answer (the correct record, the default),
	// servfail, or drop (no reply), to fail the retry too.
	TCP string `yaml:"tcp" json:"tcp"`
}

func init() {
	Register(Definition{
		Name:    "truncated",
		Family:  FamilyDNS,
		Summary: "DNS answers over UDP with the TC bit and no records, forcing a retry over TCP",
		Example: "{truncated: {tcp: servfail}}",
		Options: Selective | Scheduled,
		New:     func() Fault { return &Truncated{TCP: "answer"} },
	})
}

// Validate checks the TCP answer.
func (f *Truncated) Validate() error {
	switch f.TCP {
	case "answer", "servfail", "drop":
		return nil
	}
	return fmt.Errorf("tcp: expected answer, servfail or drop; got %q", f.TCP)
}

// Inject truncates the UDP answers the options select; every TCP query
// while the fault lasts gets the TCP answer.
func (f *Truncated) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	sel := newSelector(opts)
	env.DNS.SetAnswer(func(ctx context.Context, w dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		if _, tcp := w.RemoteAddr().(*net.TCPAddr); tcp {
			if f.TCP != "answer" {
				harness.FaultHit(ctx)
			}
			switch f.TCP {
			case "servfail":
				m := new(dns.Msg)
				m.SetRcode(req, dns.RcodeServerFailure)
				return m
			case "drop":
				return nil
			}
			return env.DNS.Normal(req)
		}
		// Only UDP queries for A records count as attempts: the TCP retry
		// belongs to the truncated one, and AAAA queries are not attempts
		// (as for every DNS fault).
		if req.Question[0].Qtype != dns.TypeA || !sel.hit() {
			return env.DNS.Normal(req)
		}
		harness.FaultHit(ctx)
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		m.Truncated = true
		return m
	})
	return Injection{Clear: func() error { env.DNS.SetAnswer(nil); return nil }}, nil
}
