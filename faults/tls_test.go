package faults_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the TLS faults with a crypto/tls client that trusts the
// run's CA (read from the CA file a gateway is given) and checks the origin's
// name, as a verifying gateway does.
var _ = Describe("TLS faults on the wire", func() {
	var (
		env   *harness.Environment
		addrs harness.Addresses
		roots *x509.CertPool
	)

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		addrs = env.Addresses()
		ca, err := os.ReadFile(addrs.CAFile)
		Expect(err).NotTo(HaveOccurred())
		roots = x509.NewCertPool()
		Expect(roots.AppendCertsFromPEM(ca)).To(BeTrue())
	})

	inject := func(ctx context.Context, name string, opts faults.Options) faults.Injection {
		def, ok := faults.Lookup(name)
		Expect(ok).To(BeTrue(), "fault %q is registered", name)
		Expect(def.Family).To(Equal(faults.FamilyTLS))
		in, err := faults.Inject(ctx, env, def.New(), opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// handshake connects to the TLS endpoint and shakes hands within wait.
	handshake := func(wait time.Duration) (*tls.Conn, error) {
		conn, err := net.DialTimeout("tcp", addrs.OriginTLS, time.Second)
		Expect(err).NotTo(HaveOccurred(), "TCP connect to the TLS endpoint")
		tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: addrs.OriginName})
		_ = tc.SetDeadline(time.Now().Add(wait))
		if err := tc.Handshake(); err != nil {
			tc.Close()
			return nil, err
		}
		return tc, nil
	}

	// expectHealthy shakes hands and gets the origin's route over HTTPS.
	expectHealthy := func() {
		tc, err := handshake(5 * time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer tc.Close()
		_, err = tc.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		out, err := io.ReadAll(tc)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(string(out)).To(HaveSuffix("hello from the gatecrash origin\n"))
	}

	// verificationError is the certificate a failed handshake was shown.
	verificationError := func(err error) *x509.Certificate {
		var ve *tls.CertificateVerificationError
		Expect(errors.As(err, &ve)).To(BeTrue(), "a certificate verification error: %v", err)
		Expect(ve.UnverifiedCertificates).To(HaveLen(1))
		return ve.UnverifiedCertificates[0]
	}

	It("serves the origin's routes over HTTPS for its name and 127.0.0.1, with a CA file readable by all", func(ctx SpecContext) {
		fi, err := os.Stat(addrs.CAFile)
		Expect(err).NotTo(HaveOccurred())
		Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o644)))
		_, port, _ := net.SplitHostPort(addrs.OriginTLS)
		Expect(addrs.OriginTLSPort).To(Equal(port))
		expectHealthy()
		Expect(env.Origin.Requests()).To(Equal(1))
		Expect(env.TLS.Connections()).To(Equal(1))

		conn, err := net.DialTimeout("tcp", addrs.OriginTLS, time.Second)
		Expect(err).NotTo(HaveOccurred())
		tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
		defer tc.Close()
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		Expect(tc.Handshake()).To(Succeed())
	})

	It("tls_expired: the certificate has expired, and is otherwise valid; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, "tls_expired", faults.Options{})
		_, err := handshake(5 * time.Second)
		var invalid x509.CertificateInvalidError
		Expect(errors.As(err, &invalid)).To(BeTrue(), "a CertificateInvalidError: %v", err)
		Expect(invalid.Reason).To(Equal(x509.Expired))
		Expect(err).To(MatchError(ContainSubstring("x509: certificate has expired or is not yet valid")))
		cert := verificationError(err)
		Expect(cert.NotAfter).To(BeTemporally("~", time.Now().Add(-24*time.Hour), time.Minute))
		// Valid in every other respect: it verifies as of its last day.
		_, err = cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: addrs.OriginName, CurrentTime: cert.NotAfter.Add(-time.Hour)})
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Origin.Requests()).To(BeZero(), "no request reached the origin")

		Expect(in.Clear()).To(Succeed())
		expectHealthy()
	})

	It("tls_wrong_host: the certificate is valid, for another name only; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, "tls_wrong_host", faults.Options{})
		_, err := handshake(5 * time.Second)
		var hostErr x509.HostnameError
		Expect(errors.As(err, &hostErr)).To(BeTrue(), "a HostnameError: %v", err)
		Expect(hostErr.Host).To(Equal(addrs.OriginName))
		Expect(err).To(MatchError(ContainSubstring("x509: certificate is valid for wrong-host.gatecrash.test, not " + addrs.OriginName)))
		cert := verificationError(err)
		_, err = cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "wrong-host.gatecrash.test"})
		Expect(err).NotTo(HaveOccurred(), "valid for the other name, from the run's CA")

		Expect(in.Clear()).To(Succeed())
		expectHealthy()
	})

	It("tls_unknown_ca: the certificate is for the right name, in date, from another CA; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, "tls_unknown_ca", faults.Options{})
		_, err := handshake(5 * time.Second)
		var unknown x509.UnknownAuthorityError
		Expect(errors.As(err, &unknown)).To(BeTrue(), "an UnknownAuthorityError: %v", err)
		Expect(err).To(MatchError(ContainSubstring("x509: certificate signed by unknown authority")))
		cert := verificationError(err)
		Expect(cert.VerifyHostname(addrs.OriginName)).To(Succeed())
		Expect(time.Now()).To(BeTemporally(">", cert.NotBefore))
		Expect(time.Now()).To(BeTemporally("<", cert.NotAfter))
		Expect(cert.Issuer.CommonName).To(Equal("gatecrash untrusted CA"))

		Expect(in.Clear()).To(Succeed())
		expectHealthy()
	})

	It("tls_handshake_stall: TCP connects, the ClientHello is never answered, until cleared", func(ctx SpecContext) {
		in := inject(ctx, "tls_handshake_stall", faults.Options{})
		start := time.Now()
		_, err := handshake(700 * time.Millisecond)
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "the handshake timed out: %v", err)
		Expect(time.Since(start)).To(BeNumerically(">=", 700*time.Millisecond))
		Expect(env.TLS.Connections()).To(Equal(1), "the TCP connection was accepted")

		// A connection held by the fault is closed when it clears, not answered.
		conn, err := net.DialTimeout("tcp", addrs.OriginTLS, time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_, err = conn.Write([]byte("\x16\x03\x01\x00\x05hello"))
		Expect(err).NotTo(HaveOccurred())
		_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := conn.Read(make([]byte, 64))
		Expect(n).To(BeZero())
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "nothing came back: %v", err)

		Expect(in.Clear()).To(Succeed())
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err = conn.Read(make([]byte, 64))
		Expect(n).To(BeZero())
		Expect(err).To(MatchError(io.EOF))
		expectHealthy()
	})

	// plaintextReply shakes hands with addr and returns the plain text
	// that came back instead of a ServerHello, up to the close.
	plaintextReply := func(addr string) string {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		rec := &recordingConn{Conn: conn}
		err = tls.Client(rec, &tls.Config{RootCAs: roots, ServerName: addrs.OriginName}).Handshake()
		var rhe tls.RecordHeaderError
		Expect(errors.As(err, &rhe)).To(BeTrue(), "a RecordHeaderError: %v", err)
		Expect(rhe.Msg).To(Equal("first record does not look like a TLS handshake"))
		Expect(string(rhe.RecordHeader[:])).To(Equal("HTTP/"))
		rest, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "the origin closed after its answer")
		return rec.read.String() + string(rest)
	}

	It("tls_plaintext: the ClientHello gets Go's plain HTTP 400 answer and a close; healthy once cleared", func(ctx SpecContext) {
		in := inject(ctx, "tls_plaintext", faults.Options{})
		got := plaintextReply(addrs.OriginTLS)
		def, _ := faults.Lookup("tls_plaintext")
		Expect(got).To(Equal(string(def.New().(*faults.TLSPlaintext).Bytes)))

		// That default is what a Go HTTP server really answers on its plain port.
		plain := httptest.NewServer(http.NotFoundHandler())
		defer plain.Close()
		Expect(plaintextReply(plain.Listener.Addr().String())).To(Equal(got))

		Expect(in.Clear()).To(Succeed())
		expectHealthy()
	})

	It("attempts 1 presents the bad certificate on the first handshake only", func(ctx SpecContext) {
		inject(ctx, "tls_unknown_ca", faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		_, err := handshake(5 * time.Second)
		Expect(errors.As(err, new(x509.UnknownAuthorityError))).To(BeTrue(), "%v", err)
		expectHealthy()
	})

	It("a keep-alive HTTPS client meets the fault on its next request", func(ctx SpecContext) {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: addrs.OriginName},
		}}
		defer client.CloseIdleConnections()
		url := "https://" + addrs.OriginTLS + "/"
		resp, err := client.Get(url)
		Expect(err).NotTo(HaveOccurred())
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))

		inject(ctx, "tls_unknown_ca", faults.Options{})
		_, err = client.Get(url)
		Expect(errors.As(err, new(x509.UnknownAuthorityError))).To(BeTrue(), "%v", err)
		Expect(env.TLS.Connections()).To(Equal(2), "the idle connection was closed, a new one made")
	})
})

// recordingConn keeps what was read through it.
type recordingConn struct {
	net.Conn
	read bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Write(p[:n])
	return n, err
}
