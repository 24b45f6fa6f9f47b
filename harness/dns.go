package harness

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// DNSAnswer decides the reply to one query for the origin's name. It returns
// nil to send no reply at all (the query is dropped); Normal is the healthy
// reply. Faults install one to break DNS.
type DNSAnswer func(ctx context.Context, w dns.ResponseWriter, req *dns.Msg) *dns.Msg

// DNS is the fake DNS server: UDP and TCP on one port, authoritative for the
// origin's name, which it resolves to the address the gateway should reach.
type DNS struct {
	name string // fully qualified, lower case
	ip   net.IP
	ttl  uint32
	udp  *dns.Server
	tcp  *dns.Server

	mu      sync.Mutex
	answer  DNSAnswer
	actx    context.Context    // ends when the answer is replaced or the server stops
	cancel  context.CancelFunc // ends actx
	queries int
	// elsewhere is the last time the server resolved the origin's name to
	// another address than ip, and that address.
	elsewhere     time.Time
	elsewhereAddr string
	// faulty notes when a fault's answer was installed; log is the
	// queries for the origin's name since the last Reset.
	faulty spans
	log    []*dnsQuery
}

// dnsQuery is one query for the origin's name: when it arrived and
// whether a fault's answer took it (FaultHit).
type dnsQuery struct {
	at      time.Time
	faulted bool
}

// maxDNSLog bounds the queries noted between resets.
const maxDNSLog = 1 << 14

// DNSTTL is the TTL of the fake DNS server's answers: short, so gateways that
// cache re-resolve soon after a fault clears.
const DNSTTL = 1

// StartDNS starts a DNS server on addr ("127.0.0.1:0" picks one free port for
// both UDP and TCP) answering name with ip.
func StartDNS(addr, name string, ip net.IP) (*DNS, error) {
	d := &DNS{name: dns.Fqdn(strings.ToLower(name)), ip: ip, ttl: DNSTTL}
	d.actx, d.cancel = context.WithCancel(context.Background())
	// UDP and TCP must share the port number; with port 0, take the UDP
	// port first and retry when TCP finds it taken.
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("dns: listen udp %s: %w", addr, err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			lastErr = err
			if !strings.HasSuffix(addr, ":0") {
				break
			}
			continue
		}
		d.udp = &dns.Server{PacketConn: pc, Handler: d}
		d.tcp = &dns.Server{Listener: ln, Handler: d}
		break
	}
	if d.udp == nil {
		return nil, fmt.Errorf("dns: listen tcp %s: %w", addr, lastErr)
	}
	if err := startDNSServer(d.udp); err != nil {
		d.tcp.Listener.Close()
		return nil, err
	}
	if err := startDNSServer(d.tcp); err != nil {
		_ = d.udp.Shutdown()
		return nil, err
	}
	return d, nil
}

func startDNSServer(s *dns.Server) error {
	started := make(chan struct{})
	s.NotifyStartedFunc = func() { close(started) }
	errc := make(chan error, 1)
	go func() { errc <- s.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-errc:
		return fmt.Errorf("dns: serve: %w", err)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("dns: server did not start within 5s")
	}
}

// Addr is the server's address (host:port), the same for UDP and TCP.
func (d *DNS) Addr() string { return d.udp.PacketConn.LocalAddr().String() }

// Name is the origin's name the server answers, fully qualified.
func (d *DNS) Name() string { return d.name }

// IP is the address the origin's name resolves to.
func (d *DNS) IP() net.IP { return d.ip }

// Queries is how many queries for the origin's name arrived since the last Reset.
func (d *DNS) Queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries
}

// SetAnswer installs a to decide replies; nil restores normal answers.
// The context an answer gets ends when it is replaced, so an answer that
// holds a reply back (a slow DNS) lets go of it.
func (d *DNS) SetAnswer(a DNSAnswer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cancel()
	d.actx, d.cancel = context.WithCancel(context.Background())
	d.answer = a
	d.faulty.set(a != nil)
}

// Reset restores normal answers, zeroes the query count and forgets the
// other addresses it gave out.
func (d *DNS) Reset() {
	d.SetAnswer(nil)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queries = 0
	d.elsewhere, d.elsewhereAddr = time.Time{}, ""
	d.log = nil
	d.faulty.reset()
}

// queriesBetween counts the queries for the origin's name between from and
// to, and those a fault's answer took; faulty says a fault's answer was
// installed at some moment in that time.
func (d *DNS) queriesBetween(from, to time.Time) (n, faulted int, faulty bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, q := range d.log {
		if !q.at.Before(from) && !q.at.After(to) {
			n++
			if q.faulted {
				faulted++
			}
		}
	}
	faulty, _ = d.faulty.during(from, to)
	return n, faulted, faulty
}

// ElsewhereSince reports whether the server resolved the origin's name to
// another address than its own at t or later, and the last such address:
// a gateway that connects there is not seen at the origin.
func (d *DNS) ElsewhereSince(t time.Time) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.elsewhere.IsZero() || d.elsewhere.Before(t) {
		return "", false
	}
	return d.elsewhereAddr, true
}

// noteElsewhere notes an answer that sends the origin's name elsewhere.
func (d *DNS) noteElsewhere(m *dns.Msg) {
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok && !a.A.Equal(d.ip) {
			d.mu.Lock()
			d.elsewhere, d.elsewhereAddr = time.Now(), a.A.String()
			d.mu.Unlock()
			return
		}
	}
}

// Close stops both servers; answers held back are let go first.
func (d *DNS) Close() error {
	d.SetAnswer(nil)
	err1 := d.udp.Shutdown()
	err2 := d.tcp.Shutdown()
	if err1 != nil {
		return err1
	}
	return err2
}

// ServeDNS answers one query.
func (d *DNS) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	if !strings.EqualFold(q.Name, d.name) {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeRefused)
		_ = w.WriteMsg(m)
		return
	}
	d.mu.Lock()
	d.queries++
	answer, ctx := d.answer, d.actx
	if len(d.log) >= maxDNSLog {
		d.log = d.log[len(d.log)/2:]
	}
	noted := &dnsQuery{at: time.Now()}
	d.log = append(d.log, noted)
	d.mu.Unlock()
	if answer != nil {
		hit := func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			noted.faulted = true
		}
		if m := answer(withHit(ctx, hit), w, req); m != nil {
			d.noteElsewhere(m)
			_ = w.WriteMsg(m)
		}
		return
	}
	_ = w.WriteMsg(d.Normal(req))
}

// Normal is the healthy answer to req: an A record for the origin's name, no
// records for other types (NOERROR, so resolvers do not fail over).
func (d *DNS) Normal(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	if q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY {
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: d.ttl},
			A:   d.ip.To4(),
		})
	}
	return m
}
