package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// CA is a certificate authority made at run time, so no key ever sits in
// the repository and every run trusts only its own certificates.
type CA struct {
	// Cert is the CA's certificate.
	Cert *x509.Certificate
	// PEM is Cert PEM-encoded: what a gateway is told to trust.
	PEM []byte
	key *ecdsa.PrivateKey
}

// NewCA makes a CA (ECDSA P-256) named name, valid from ten years ago to a
// year from now, so a certificate it issued may have expired long ago.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", name, err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", name, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"gatecrash"}},
		NotBefore:             now.AddDate(-10, 0, 0),
		NotAfter:              now.AddDate(1, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("CA %s: %w", name, err)
	}
	return &CA{Cert: cert, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}, nil
}

// Issue makes a server certificate for hosts (DNS names or IP addresses),
// valid from notBefore to notAfter, signed by the CA.
func (ca *CA) Issue(hosts []string, notBefore, notAfter time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := newSerial()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(hosts) > 0 {
		tmpl.Subject.CommonName = hosts[0]
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("issue a certificate for %v: %w", hosts, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// TLSBehavior takes over a raw TCP connection the TLS endpoint accepted,
// before any TLS byte. It owns conn: it closes it, or hands it to
// t.ServeTLS. ctx ends when the behaviour is cleared or the endpoint stops.
type TLSBehavior func(ctx context.Context, conn net.Conn, t *TLSOrigin)

// TLSOrigin is the origin's TLS endpoint: a listener that serves the same
// origin's routes over HTTPS, with a certificate from a CA made for the run.
// Faults take it over with SetBehavior: present another certificate, stall
// the handshake, answer without TLS.
type TLSOrigin struct {
	// CA issued Cert; a gateway trusts it.
	CA *CA
	// Cert is the good certificate, for the origin's name and addresses.
	Cert tls.Certificate
	// Hosts are the names and addresses Cert is valid for.
	Hosts []string

	ln          net.Listener
	origin      *Origin
	ctx         context.Context // ends at Close
	stop        context.CancelFunc
	wg          sync.WaitGroup
	connections atomic.Int64

	mu       sync.Mutex
	behavior TLSBehavior
	faulty   spans // when a fault's behaviour was installed
	bctx     context.Context
	cancel   context.CancelFunc
	closed   bool
}

// tlsHandshakeTimeout bounds a handshake the origin serves, so a client that
// connects and says nothing does not hold a goroutine for long.
const tlsHandshakeTimeout = 10 * time.Second

// StartTLSOrigin listens on addr and serves origin's routes over HTTPS with
// a new CA's certificate for hosts (the origin's name, its addresses).
func StartTLSOrigin(addr string, origin *Origin, hosts []string) (*TLSOrigin, error) {
	ca, err := NewCA("gatecrash run CA")
	if err != nil {
		return nil, fmt.Errorf("TLS origin: %w", err)
	}
	now := time.Now()
	cert, err := ca.Issue(hosts, now.Add(-time.Hour), now.Add(7*24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("TLS origin: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("TLS origin: listen on %s: %w", addr, err)
	}
	t := &TLSOrigin{CA: ca, Cert: cert, Hosts: slices.Clone(hosts), ln: ln, origin: origin}
	t.ctx, t.stop = context.WithCancel(context.Background())
	t.bctx, t.cancel = context.WithCancel(t.ctx)
	t.wg.Add(1)
	go func() { defer t.wg.Done(); t.acceptLoop() }()
	return t, nil
}

// Addr is the endpoint's listening address (host:port).
func (t *TLSOrigin) Addr() string { return t.ln.Addr().String() }

// Connections is how many TCP connections the endpoint accepted since the
// last Reset.
func (t *TLSOrigin) Connections() int { return int(t.connections.Load()) }

// WriteCA writes the CA certificate as PEM to path, readable by all: a
// gateway's worker often runs as an unprivileged user.
func (t *TLSOrigin) WriteCA(path string) error {
	if err := os.WriteFile(path, t.CA.PEM, 0o644); err != nil {
		return fmt.Errorf("TLS origin: write CA: %w", err)
	}
	// WriteFile's mode is subject to the umask.
	return os.Chmod(path, 0o644)
}

// SetBehavior hands every new connection to b; nil restores HTTPS with the
// good certificate. Setting a behaviour ends the context of the previous
// one, and drains keep-alive connections so the next request meets b.
func (t *TLSOrigin) SetBehavior(b TLSBehavior) {
	t.mu.Lock()
	t.cancel()
	t.bctx, t.cancel = context.WithCancel(t.ctx)
	t.behavior = b
	t.faulty.set(b != nil)
	t.mu.Unlock()
	if b != nil {
		t.origin.Drain()
	}
}

// Reset clears any behaviour and zeroes the counter.
func (t *TLSOrigin) Reset() {
	t.SetBehavior(nil)
	t.connections.Store(0)
	t.faulty.reset()
}

// ServeTLS does the TLS handshake on conn with cert (nil: the good
// certificate), then serves the origin's routes on it. A failed handshake,
// such as a client rejecting the certificate, just closes conn.
func (t *TLSOrigin) ServeTLS(conn net.Conn, cert *tls.Certificate) {
	if cert == nil {
		cert = &t.Cert
	}
	tc := tls.Server(conn, &tls.Config{
		Certificates: []tls.Certificate{*cert},
		NextProtos:   []string{"http/1.1"},
		// Without resumption every connection shows its certificate, so a
		// certificate fault hits a gateway that cached a session.
		SessionTicketsDisabled: true,
	})
	ctx, cancel := context.WithTimeout(t.ctx, tlsHandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		tc.Close()
		return
	}
	// http.Server sees a *tls.Conn and serves HTTPS on it.
	t.origin.Serve(tc)
}

// Close stops the endpoint and releases the connections its behaviours hold.
func (t *TLSOrigin) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	t.stop()
	err := t.ln.Close()
	t.wg.Wait()
	return err
}

func (t *TLSOrigin) acceptLoop() {
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			return
		}
		t.connections.Add(1)
		t.origin.journal.accept(conn, "tls")
		t.mu.Lock()
		b, ctx := t.behavior, t.bctx
		t.mu.Unlock()
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			if b == nil {
				t.ServeTLS(conn, nil)
				return
			}
			b(withHit(ctx, func() { t.origin.journal.hitConn(conn) }), conn, t)
		}()
	}
}
