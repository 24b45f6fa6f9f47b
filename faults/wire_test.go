package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"time"

	"github.com/miekg/dns"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove each fault on the wire, with raw TCP and DNS clients
// talking to the origin's address (the proxy) and the DNS server directly,
// independent of any gateway.
var _ = Describe("faults on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, name string) faults.Injection {
		def, ok := faults.Lookup(name)
		Expect(ok).To(BeTrue(), "fault %q is registered", name)
		in, err := faults.Inject(ctx, env, def.New(), faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// rawGet sends a minimal request and returns what came back before EOF.
	rawGet := func(addr string, wait time.Duration) (string, error) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return "", err
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(wait))
		_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		b, err := io.ReadAll(conn)
		return string(b), err
	}

	It("serves the origin's route through the proxy when healthy", func() {
		out, err := rawGet(env.Proxy.Addr(), 5*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(out).To(HaveSuffix("hello from the gatecrash origin\n"))
	})

	It("refused: the connect is refused, and accepted again once cleared", func(ctx SpecContext) {
		in := inject(ctx, "refused")
		_, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).To(MatchError(ContainSubstring("connection refused")))
		Expect(in.Clear()).To(Succeed())
		out, err := rawGet(env.Proxy.Addr(), 5*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200"))
	})

	It("hang: the request is read, then nothing comes back", func(ctx SpecContext) {
		inject(ctx, "hang")
		out, err := rawGet(env.Proxy.Addr(), 700*time.Millisecond)
		Expect(out).To(BeEmpty())
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "the read timed out rather than seeing a close: %v", err)
		Eventually(env.Origin.Requests).Should(Equal(1), "the origin read the request")
	})

	It("garbage: the answer is the configured bytes and a close", func(ctx SpecContext) {
		inject(ctx, "garbage")
		out, err := rawGet(env.Proxy.Addr(), 5*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal("this is not an HTTP response\r\n\r\n"))
	})

	It("blackhole: the connect is still pending after a connect timeout, and completes once cleared", func(ctx SpecContext) {
		in := inject(ctx, "blackhole")
		Expect(in.Method).To(ContainSubstring("unprivileged"))
		_, err := net.DialTimeout("tcp", env.Proxy.Addr(), 500*time.Millisecond)
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "timed out, not refused: %v", err)
		Expect(in.Clear()).To(Succeed())
		out, err := rawGet(env.Proxy.Addr(), 5*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200"))
	})

	It("nxdomain: DNS says NXDOMAIN over UDP and TCP, then the name resolves once cleared", func(ctx SpecContext) {
		query := func(network string) *dns.Msg {
			c := &dns.Client{Net: network, Timeout: 2 * time.Second}
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(env.Addresses().OriginName), dns.TypeA)
			r, _, err := c.Exchange(m, env.DNS.Addr())
			Expect(err).NotTo(HaveOccurred())
			return r
		}
		Expect(query("udp").Rcode).To(Equal(dns.RcodeSuccess))
		in := inject(ctx, "nxdomain")
		for _, network := range []string{"udp", "tcp"} {
			r := query(network)
			Expect(dns.RcodeToString[r.Rcode]).To(Equal("NXDOMAIN"), network)
			Expect(r.Answer).To(BeEmpty())
		}
		Expect(in.Clear()).To(Succeed())
		r := query("udp")
		Expect(r.Rcode).To(Equal(dns.RcodeSuccess))
		Expect(r.Answer).To(HaveLen(1))
		Expect(r.Answer[0].(*dns.A).A.String()).To(Equal(env.Addresses().OriginHost))
	})
})

var _ = Describe("the catalog", func() {
	It("lists each fault once, grouped by known families, with fresh defaults from each constructor", func() {
		families := []string{faults.FamilyOriginDown, faults.FamilySlowOrigin, faults.FamilyDNS, faults.FamilyFirewall,
			faults.FamilyMalformed, faults.FamilyTLS, faults.FamilyReuse, faults.FamilyErrors, faults.FamilyHTTP2, faults.FamilyGRPC, faults.FamilyStreams, faults.FamilyDesync}
		rank := map[string]int{}
		for i, f := range families {
			rank[f] = i
		}
		seen := map[string]bool{}
		last := 0
		for _, d := range faults.All() {
			r, known := rank[d.Family]
			Expect(known).To(BeTrue(), "%s: unknown family %q", d.Name, d.Family)
			Expect(r).To(BeNumerically(">=", last), "%s is listed with its family", d.Name)
			last = r
			Expect(seen[d.Name]).To(BeFalse(), d.Name)
			seen[d.Name] = true
			if reflect.TypeOf(d.New()).Elem().Size() > 0 { // zero-size values share an address
				Expect(d.New()).NotTo(BeIdenticalTo(d.New()), "%s: each scenario gets its own parameters", d.Name)
			}
		}
		Expect(faults.Names()).To(HaveLen(len(seen)))
	})
})
