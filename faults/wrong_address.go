package faults

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// WrongAddress makes DNS resolve the origin's name to an address where
// nothing listens, as a stale or mistyped record does: the gateway's
// connect is refused there.
type WrongAddress struct {
	// Address is the IPv4 address the A record points to. It must be a
	// loopback address (127.0.0.0/8): gatecrash never sends traffic off the
	// machine.
	Address string `yaml:"address" json:"address"`
}

func init() {
	Register(Definition{
		Name:    "wrong_address",
		Family:  FamilyDNS,
		Summary: "DNS resolves the origin's name to a dead loopback address where nothing listens",
		Example: "{wrong_address: {address: 127.0.0.3}}",
		Options: Selective | Scheduled,
		New:     func() Fault { return &WrongAddress{Address: "127.0.0.2"} },
	})
}

// Validate accepts only IPv4 loopback addresses.
func (f *WrongAddress) Validate() error {
	_, err := loopbackIPv4("address", f.Address)
	return err
}

// CheckSuite checks that the address is not the origin's own: the origin
// answers there, so it is not a wrong address.
func (f *WrongAddress) CheckSuite(s SuiteFacts) error { return notOriginHost(f.Address, s) }

// notOriginHost refuses the origin's current address as a fault's address.
func notOriginHost(address string, s SuiteFacts) error {
	if ip := net.ParseIP(address); ip != nil && ip.Equal(net.ParseIP(s.OriginHost)) {
		return fmt.Errorf("address: the origin is already on %s; expected another loopback address, such as 127.0.0.2", address)
	}
	return nil
}

// loopbackIPv4 parses s as an IPv4 loopback address; field names it in
// the message.
func loopbackIPv4(field, s string) (net.IP, error) {
	ip := net.ParseIP(s)
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s: expected an IPv4 loopback address such as 127.0.0.2 (gatecrash only sends traffic to 127.0.0.0/8); got %q", field, s)
	}
	return ip.To4(), nil
}

// Inject checks that nothing listens on the address at the origin's port,
// then makes the DNS server's A records point there.
func (f *WrongAddress) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	ip, err := loopbackIPv4("address", f.Address)
	if err != nil {
		return Injection{}, err
	}
	target := net.JoinHostPort(ip.String(), env.Addresses().OriginPort)
	// A wildcard listener of another program would make the address live.
	if c, err := net.DialTimeout("tcp", target, 200*time.Millisecond); err == nil {
		c.Close()
		return Injection{}, fmt.Errorf("wrong_address: %s accepts connections, so it is not a dead address; choose another address", target)
	}
	return dnsAnswer(env, opts, func(_ context.Context, _ dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		return withAddress(env.DNS.Normal(req), ip)
	}), nil
}

// withAddress points every A record of m to ip.
func withAddress(m *dns.Msg, ip net.IP) *dns.Msg {
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			a.A = ip
		}
	}
	return m
}
