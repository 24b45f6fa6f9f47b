package faults

import (
	"context"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// TLSUnknownCA makes the origin's TLS endpoint present a certificate for the
// right name, in date, but signed by a CA the gateway was not told to trust.
type TLSUnknownCA struct{}

func init() {
	Register(Definition{
		Name:    "tls_unknown_ca",
		Family:  FamilyTLS,
		Summary: "the origin's TLS certificate is signed by a CA the gateway does not trust",
		Example: "tls_unknown_ca",
		Options: Selective | Scheduled,
		Needs:   Needs{TLSRoute: true},
		New:     func() Fault { return &TLSUnknownCA{} },
	})
}

// Inject makes a CA of its own, not the run's, and presents its certificate.
func (f *TLSUnknownCA) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	ca, err := harness.NewCA("gatecrash untrusted CA")
	if err != nil {
		return Injection{}, err
	}
	now := time.Now()
	cert, err := ca.Issue(env.TLS.Hosts, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return Injection{}, err
	}
	return tlsCertificate(env, opts, cert), nil
}
