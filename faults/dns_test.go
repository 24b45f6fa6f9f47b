package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the DNS faults on the wire: a miekg/dns client (and Go's
// own resolver where the retry logic matters) against the fake DNS server.
var _ = Describe("DNS faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, f faults.Fault, opts faults.Options) faults.Injection {
		if v, ok := f.(faults.Validator); ok {
			Expect(v.Validate()).To(Succeed())
		}
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	exchange := func(network string, timeout time.Duration) (*dns.Msg, error) {
		c := &dns.Client{Net: network, Timeout: timeout}
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(env.Addresses().OriginName), dns.TypeA)
		r, _, err := c.Exchange(m, env.DNS.Addr())
		return r, err
	}
	query := func(network string) *dns.Msg {
		r, err := exchange(network, 2*time.Second)
		Expect(err).NotTo(HaveOccurred(), network)
		return r
	}
	// resolvesTo checks a healthy answer: one A record, to ip.
	resolvesTo := func(r *dns.Msg, ip string) {
		GinkgoHelper()
		Expect(dns.RcodeToString[r.Rcode]).To(Equal("NOERROR"))
		Expect(r.Truncated).To(BeFalse())
		Expect(r.Answer).To(HaveLen(1))
		Expect(r.Answer[0].(*dns.A).A.String()).To(Equal(ip))
	}
	healthy := func() {
		GinkgoHelper()
		for _, network := range []string{"udp", "tcp"} {
			resolvesTo(query(network), env.Addresses().OriginHost)
		}
	}

	// goResolver is Go's own resolver pointed at the fake DNS server; it
	// records the networks it dials.
	goResolver := func() (*net.Resolver, func() []string) {
		var mu sync.Mutex
		var dialed []string
		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, network)
			mu.Unlock()
			var d net.Dialer
			return d.DialContext(ctx, network, env.DNS.Addr())
		}}
		return r, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), dialed...) }
	}

	for _, c := range []struct {
		name  string
		fault faults.Fault
		rcode string
	}{
		{"servfail", &faults.ServFail{}, "SERVFAIL"},
		{"dns_refused", &faults.DNSRefused{}, "REFUSED"},
	} {
		It(c.name+": the rcode is "+c.rcode+" over UDP and TCP, with no records; healthy once cleared", func(ctx SpecContext) {
			in := inject(ctx, c.fault, faults.Options{})
			for _, network := range []string{"udp", "tcp"} {
				r := query(network)
				Expect(dns.RcodeToString[r.Rcode]).To(Equal(c.rcode), network)
				Expect(r.Answer).To(BeEmpty(), network)
			}
			Expect(in.Clear()).To(Succeed())
			healthy()
		})
	}

	It("attempts select DNS queries: the others get the normal answer, not silence", func(ctx SpecContext) {
		inject(ctx, &faults.ServFail{}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		Expect(dns.RcodeToString[query("udp").Rcode]).To(Equal("SERVFAIL"))
		healthy()
	})

	It("dns_timeout: the server gets the query and never answers, over UDP or TCP; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, &faults.DNSTimeout{}, faults.Options{})
		for i, network := range []string{"udp", "tcp"} {
			start := time.Now()
			r, err := exchange(network, 500*time.Millisecond)
			var ne net.Error
			Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "%s: timed out, got %v, %v", network, r, err)
			Expect(time.Since(start)).To(BeNumerically(">=", 500*time.Millisecond))
			Expect(env.DNS.Queries()).To(Equal(i+1), "the query arrived")
		}
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("empty_answer: NOERROR with no records at all; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, &faults.EmptyAnswer{}, faults.Options{})
		for _, network := range []string{"udp", "tcp"} {
			r := query(network)
			Expect(dns.RcodeToString[r.Rcode]).To(Equal("NOERROR"), network)
			Expect(r.Answer).To(BeEmpty())
			Expect(r.Ns).To(BeEmpty())
			Expect(r.Extra).To(BeEmpty())
		}
		r, _ := goResolver()
		_, err := r.LookupIPAddr(ctx, env.Addresses().OriginName+".")
		var de *net.DNSError
		Expect(errors.As(err, &de)).To(BeTrue(), "Go's resolver fails: %v", err)
		Expect(de.IsNotFound).To(BeTrue(), "no such host: %v", err)
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("slow_dns: the correct answer arrives no earlier than the delay; clearing releases held answers", func(ctx SpecContext) {
		in := inject(ctx, &faults.SlowDNS{Delay: 400 * time.Millisecond}, faults.Options{})
		for _, network := range []string{"udp", "tcp"} {
			start := time.Now()
			resolvesTo(query(network), env.Addresses().OriginHost)
			took := time.Since(start)
			Expect(took).To(BeNumerically(">=", 400*time.Millisecond), network)
			Expect(took).To(BeNumerically("<", 400*time.Millisecond*3+time.Second), network)
		}
		Expect(in.Clear()).To(Succeed())

		in = inject(ctx, &faults.SlowDNS{Delay: 10 * time.Second}, faults.Options{})
		done := make(chan time.Duration, 1)
		go func() {
			defer GinkgoRecover()
			start := time.Now()
			r, err := exchange("udp", 15*time.Second)
			Expect(err).NotTo(HaveOccurred())
			resolvesTo(r, env.Addresses().OriginHost)
			done <- time.Since(start)
		}()
		Eventually(env.DNS.Queries).Should(Equal(3), "the query is held")
		Expect(in.Clear()).To(Succeed())
		Eventually(done, 5*time.Second).Should(Receive(BeNumerically("<", 5*time.Second)))
		healthy()
	})

	It("slow_dns: rejects a zero delay", func() {
		Expect((&faults.SlowDNS{}).Validate()).To(MatchError(ContainSubstring("delay: expected a duration above zero")))
	})

	It("wrong_address: the A record points to a loopback address that refuses connects; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, &faults.WrongAddress{Address: "127.0.0.2"}, faults.Options{})
		for _, network := range []string{"udp", "tcp"} {
			resolvesTo(query(network), "127.0.0.2")
		}
		_, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", env.Addresses().OriginPort), time.Second)
		Expect(err).To(MatchError(ContainSubstring("connection refused")))
		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("wrong_address: accepts only IPv4 loopback addresses, and refuses one that is live", func(ctx SpecContext) {
		Expect((&faults.WrongAddress{Address: "127.1.2.3"}).Validate()).To(Succeed())
		for _, bad := range []string{"10.0.0.1", "8.8.8.8", "::1", "0.0.0.0", "localhost", ""} {
			Expect((&faults.WrongAddress{Address: bad}).Validate()).To(MatchError(ContainSubstring("expected an IPv4 loopback address")), bad)
		}
		// 127.0.0.1 at the origin's port is the proxy itself: not dead.
		_, err := faults.Inject(ctx, env, &faults.WrongAddress{Address: "127.0.0.1"}, faults.Options{})
		Expect(err).To(MatchError(ContainSubstring("accepts connections")))
		resolvesTo(query("udp"), env.Addresses().OriginHost)
	})

	It("truncated: UDP answers carry the TC bit and no records, TCP answers the record, and Go's resolver retries over TCP", func(ctx SpecContext) {
		in := inject(ctx, &faults.Truncated{TCP: "answer"}, faults.Options{})
		r := query("udp")
		Expect(r.Truncated).To(BeTrue())
		Expect(r.Answer).To(BeEmpty())
		Expect(dns.RcodeToString[r.Rcode]).To(Equal("NOERROR"))
		resolvesTo(query("tcp"), env.Addresses().OriginHost)
		Expect(env.DNS.Queries()).To(Equal(2), "the server saw the UDP query and the TCP retry")

		res, dialed := goResolver()
		ips, err := res.LookupIP(ctx, "ip4", env.Addresses().OriginName+".")
		Expect(err).NotTo(HaveOccurred())
		Expect(ips).To(HaveLen(1))
		Expect(ips[0].String()).To(Equal(env.Addresses().OriginHost))
		Expect(dialed()).To(Equal([]string{"udp", "tcp"}), "Go's resolver asked over UDP, then over TCP")

		Expect(in.Clear()).To(Succeed())
		healthy()
	})

	It("truncated with tcp servfail or drop: the TCP retry fails too", func(ctx SpecContext) {
		in := inject(ctx, &faults.Truncated{TCP: "servfail"}, faults.Options{})
		Expect(query("udp").Truncated).To(BeTrue())
		Expect(dns.RcodeToString[query("tcp").Rcode]).To(Equal("SERVFAIL"))
		res, dialed := goResolver()
		_, err := res.LookupIP(ctx, "ip4", env.Addresses().OriginName+".")
		Expect(err).To(HaveOccurred())
		Expect(dialed()).To(ContainElement("tcp"))
		Expect(in.Clear()).To(Succeed())

		inject(ctx, &faults.Truncated{TCP: "drop"}, faults.Options{})
		Expect(query("udp").Truncated).To(BeTrue())
		_, err = exchange("tcp", 500*time.Millisecond)
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "no answer over TCP: %v", err)

		Expect((&faults.Truncated{TCP: "fail"}).Validate()).To(MatchError(ContainSubstring("tcp: expected answer, servfail or drop")))
	})

	It("truncated: attempts count UDP queries only, so a selected query's TCP retry is answered", func(ctx SpecContext) {
		inject(ctx, &faults.Truncated{TCP: "servfail"}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		Expect(query("udp").Truncated).To(BeTrue())
		Expect(dns.RcodeToString[query("tcp").Rcode]).To(Equal("SERVFAIL"))
		resolvesTo(query("udp"), env.Addresses().OriginHost)
	})

	It("record_change: DNS answers the new address, the origin answers there, the old address refuses; cleared, it moves back", func(ctx SpecContext) {
		a := env.Addresses()
		moved := net.JoinHostPort("127.0.0.2", a.OriginPort)
		in := inject(ctx, &faults.RecordChange{Address: "127.0.0.2"}, faults.Options{})
		Expect(in.Method).To(Equal("moved to " + moved))
		for _, network := range []string{"udp", "tcp"} {
			resolvesTo(query(network), "127.0.0.2")
		}
		Expect(rawGetOK(moved)).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		_, err := net.DialTimeout("tcp", a.Origin, time.Second)
		Expect(err).To(MatchError(ContainSubstring("connection refused")), "the old address")

		Expect(in.Clear()).To(Succeed())
		healthy()
		Expect(rawGetOK(a.Origin)).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		_, err = net.DialTimeout("tcp", moved, time.Second)
		Expect(err).To(MatchError(ContainSubstring("connection refused")), "the new address is released")
	})

	It("record_change: accepts only another IPv4 loopback address", func(ctx SpecContext) {
		Expect((&faults.RecordChange{Address: "192.168.1.1"}).Validate()).To(MatchError(ContainSubstring("expected an IPv4 loopback address")))
		_, err := faults.Inject(ctx, env, &faults.RecordChange{Address: env.Addresses().OriginHost}, faults.Options{})
		Expect(err).To(MatchError(ContainSubstring("the origin is already on")))
		Expect(rawGetOK(env.Addresses().Origin)).To(HavePrefix("HTTP/1.1 200 OK\r\n"), "nothing moved")
	})
})

// rawGetOK sends a minimal request to addr and returns the whole answer.
func rawGetOK(addr string) string {
	GinkgoHelper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
	Expect(err).NotTo(HaveOccurred())
	b, err := io.ReadAll(conn)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
