package harness

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// resolver is the builtin gateway's stub resolver. It is written out rather
// than taken from net.Resolver so that what the reference gateway does is
// the same on every machine: Go's resolver reads attempts, timeouts and
// search domains from the host's /etc/resolv.conf.
//
// It asks one server for A records over UDP, switches to TCP when the
// answer is truncated, asks again up to attempts times on SERVFAIL or
// REFUSED, and gives up at once on NXDOMAIN or an answer without records.
// The caller's context bounds the whole lookup.
type resolver struct {
	server   string
	attempts int
}

// dnsError is a failed lookup, worded like Go's.
type dnsError struct {
	name, server, reason string
	timeout              bool
}

func (e *dnsError) Error() string {
	return fmt.Sprintf("lookup %s on %s: %s", e.name, e.server, e.reason)
}

// Timeout makes a lookup that timed out count as a timeout (504).
func (e *dnsError) Timeout() bool { return e.timeout }

// Temporary is part of net.Error.
func (e *dnsError) Temporary() bool { return e.timeout }

func (r *resolver) lookup(ctx context.Context, name string) (netip.Addr, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	fail := func(reason string, timeout bool) (netip.Addr, error) {
		return netip.Addr{}, &dnsError{name: name, server: r.server, reason: reason, timeout: timeout}
	}
	for try := 1; ; try++ {
		reply, err := r.exchange(ctx, q, "udp")
		if err == nil && reply.Truncated {
			reply, err = r.exchange(ctx, q, "tcp")
		}
		if err != nil {
			var ne interface{ Timeout() bool }
			timeout := errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
			return fail(err.Error(), timeout)
		}
		switch reply.Rcode {
		case dns.RcodeSuccess:
			for _, rr := range reply.Answer {
				if a, ok := rr.(*dns.A); ok {
					if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
						return ip, nil
					}
				}
			}
			return fail("no such host (no A record in the answer)", false)
		case dns.RcodeNameError:
			return fail("no such host", false)
		case dns.RcodeServerFailure, dns.RcodeRefused:
			if try < r.attempts {
				continue
			}
		}
		return fail("server answered "+dns.RcodeToString[reply.Rcode], false)
	}
}

func (r *resolver) exchange(ctx context.Context, q *dns.Msg, network string) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: time.Minute} // ctx sets the real bound
	reply, _, err := c.ExchangeContext(ctx, q, r.server)
	return reply, err
}
