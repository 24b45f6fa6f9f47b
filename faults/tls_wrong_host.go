package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// TLSWrongHost makes the origin's TLS endpoint present a certificate that is
// valid, from the run's CA, but for another host name only: a gateway that
// checks the name must refuse the handshake.
type TLSWrongHost struct {
	// Host is the only name the certificate is valid for.
	Host string `yaml:"host" json:"host"`
}

func init() {
	Register(Definition{
		Name:    "tls_wrong_host",
		Family:  FamilyTLS,
		Summary: "the origin's TLS certificate is valid, from a trusted CA, but for another host name",
		Example: "{tls_wrong_host: {host: www.example.test}}",
		Options: Selective | Scheduled,
		Needs:   Needs{TLSRoute: true},
		New:     func() Fault { return &TLSWrongHost{Host: "wrong-host.gatecrash.test"} },
	})
}

// Validate wants a DNS name: an address would not be another host name.
func (f *TLSWrongHost) Validate() error {
	h := strings.TrimSuffix(f.Host, ".")
	if h == "" || net.ParseIP(h) != nil || strings.ContainsAny(h, " /:") {
		return errors.New("host: expected a DNS name other than the origin's, such as www.example.test")
	}
	return nil
}

// CheckSuite refuses the origin's own name, which the endpoint's
// certificate is valid for: nothing would be wrong (Inject refuses it too).
func (f *TLSWrongHost) CheckSuite(s SuiteFacts) error {
	if h := strings.TrimSuffix(f.Host, "."); s.OriginName != "" && strings.EqualFold(h, strings.TrimSuffix(s.OriginName, ".")) {
		return fmt.Errorf("host: %q is the origin's own name (origin.name); expected another DNS name, such as www.example.test", f.Host)
	}
	return nil
}

// Inject makes the TLS endpoint present a certificate for Host only.
func (f *TLSWrongHost) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	h := strings.TrimSuffix(f.Host, ".")
	if slices.ContainsFunc(env.TLS.Hosts, func(s string) bool { return strings.EqualFold(s, h) }) {
		return Injection{}, fmt.Errorf("host: %q is the origin's own name; expected another", h)
	}
	now := time.Now()
	cert, err := env.TLS.CA.Issue([]string{h}, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		return Injection{}, err
	}
	return tlsCertificate(env, opts, cert), nil
}
