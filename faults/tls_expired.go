package faults

import (
	"context"
	"fmt"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// TLSExpired makes the origin's TLS endpoint present a certificate that has
// expired, otherwise valid: the run's CA, the origin's name. A verifying
// gateway must refuse the handshake.
type TLSExpired struct {
	// ExpiredAgo is how long ago the certificate expired.
	ExpiredAgo time.Duration `yaml:"expired_ago" json:"expired_ago"`
}

func init() {
	Register(Definition{
		Name:    "tls_expired",
		Family:  FamilyTLS,
		Summary: "the origin's TLS certificate has expired (right name, trusted CA)",
		Example: "{tls_expired: {expired_ago: 24h}}",
		Options: Selective | Scheduled,
		Needs:   Needs{TLSRoute: true},
		New:     func() Fault { return &TLSExpired{ExpiredAgo: 24 * time.Hour} },
	})
}

// maxExpiredAgo keeps the certificate inside the run CA's own validity.
const maxExpiredAgo = 5 * 365 * 24 * time.Hour

// Validate rejects a certificate that has not expired yet, or expired before
// its CA existed.
func (f *TLSExpired) Validate() error {
	if f.ExpiredAgo <= 0 || f.ExpiredAgo > maxExpiredAgo {
		return fmt.Errorf("expired_ago: expected a positive duration up to %s, such as 24h (how long ago the certificate expired); got %s", maxExpiredAgo, f.ExpiredAgo)
	}
	return nil
}

// Inject makes the TLS endpoint present the expired certificate, valid for
// a day until ExpiredAgo.
func (f *TLSExpired) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	end := time.Now().Add(-f.ExpiredAgo)
	cert, err := env.TLS.CA.Issue(env.TLS.Hosts, end.Add(-24*time.Hour), end)
	if err != nil {
		return Injection{}, err
	}
	return tlsCertificate(env, opts, cert), nil
}
