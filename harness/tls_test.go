package harness_test

import (
	"context"
	"crypto/x509"
	"net"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

var _ = Describe("the origin's TLS endpoint and the builtin gateway", func() {
	var env *harness.Environment
	tlsReq := harness.Request{Path: "/tls/", Timeout: 10 * time.Second}

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{Routes: []harness.Route{
			{Path: "/", Body: "plain"}, {Path: "/tls/", Body: "secure"},
		}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	It("sends /tls/ paths over HTTPS to the TLS endpoint, the others over HTTP to the proxy", func(ctx SpecContext) {
		obs := env.Do(ctx, tlsReq)
		Expect(obs).To(match.HaveStatus(200))
		Expect(string(obs.Body)).To(Equal("secure"))
		Expect(obs.Attempts).To(Equal(1))
		Expect(env.TLS.Connections()).To(Equal(1))
		Expect(env.Origin.Connections()).To(BeZero(), "not through the plain port")

		obs = env.Do(ctx, harness.Request{Path: "/", Timeout: 10 * time.Second})
		Expect(string(obs.Body)).To(Equal("plain"))
		Expect(env.TLS.Connections()).To(Equal(1))
		Expect(env.Origin.Connections()).To(Equal(1))
	})

	It("answers 502 when the endpoint presents a certificate the run's CA did not issue", func(ctx SpecContext) {
		other, err := harness.NewCA("another CA")
		Expect(err).NotTo(HaveOccurred())
		cert, err := other.Issue(env.TLS.Hosts, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		Expect(err).NotTo(HaveOccurred())
		env.TLS.SetBehavior(func(_ context.Context, conn net.Conn, t *harness.TLSOrigin) { t.ServeTLS(conn, &cert) })
		Expect(env.Do(ctx, tlsReq)).To(match.HaveStatus(502))
		Expect(env.Gateway.Logs()).To(ContainSubstring("x509: certificate signed by unknown authority"))

		Expect(env.Reset()).To(Succeed())
		Expect(env.Do(ctx, tlsReq)).To(match.HaveStatus(200))
	})

	It("issues certificates that verify against the CA file for the origin's name and 127.0.0.1", func() {
		roots := x509.NewCertPool()
		roots.AddCert(env.TLS.CA.Cert)
		for _, name := range []string{env.Addresses().OriginName, "127.0.0.1"} {
			_, err := env.TLS.Cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name})
			Expect(err).NotTo(HaveOccurred(), name)
		}
		Expect(env.TLS.Cert.Leaf.PublicKeyAlgorithm).To(Equal(x509.ECDSA))
		file, err := os.ReadFile(env.Addresses().CAFile)
		Expect(err).NotTo(HaveOccurred())
		Expect(file).To(Equal(env.TLS.CA.PEM))
		Expect(string(file)).To(HavePrefix("-----BEGIN CERTIFICATE-----\n"))
		Expect(string(file)).NotTo(ContainSubstring("PRIVATE KEY"))
	})
})
