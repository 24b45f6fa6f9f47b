package harness

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// startH2TLS starts an origin and its h2c endpoint listening for HTTP/2
// over TLS with a certificate for 127.0.0.1 from a new CA, whose pool it
// returns.
func startH2TLS(t *testing.T, routes []Route) (*H2COrigin, *x509.CertPool) {
	t.Helper()
	origin, err := StartOrigin("127.0.0.1:0", routes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { origin.Close() })
	h, err := StartH2COrigin("127.0.0.1:0", origin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ca, err := NewCA("h2tls test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ListenTLS("127.0.0.1:0", cert); err != nil {
		t.Fatal(err)
	}
	if err := h.ListenTLS("127.0.0.1:0", cert); err == nil {
		t.Error("a second ListenTLS succeeded")
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return h, roots
}

// TestH2TLSNegotiatesWithALPN checks what each client's ALPN offer gets
// from the HTTP/2-over-TLS endpoint: HTTP/2 when it offers h2, HTTP/1.1
// when it offers only http/1.1 or nothing, and a refused handshake when it
// offers neither; the same route's answer either way.
func TestH2TLSNegotiatesWithALPN(t *testing.T) {
	for _, tc := range []struct {
		name      string
		offer     []string
		wantProto string // negotiated; "" for none
		wantMajor int    // 0: the handshake fails
		wantH2    bool   // ServeH2C holds the client's connection (and maybe the closed probe's, still)
	}{
		{"h2 first", []string{"h2", "http/1.1"}, "h2", 2, true},
		{"h2 only", []string{"h2"}, "h2", 2, true},
		{"http/1.1 only", []string{"http/1.1"}, "http/1.1", 1, false},
		{"no ALPN", nil, "", 1, false},
		{"neither", []string{"spdy/3.1"}, "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// An endpoint of its own, so that no other case's connection
			// is still served.
			h, roots := startH2TLS(t, []Route{{Path: "/h2tls/", Body: "hello over TLS"}})
			url := "https://" + h.TLSAddr() + "/h2tls/"
			conf := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: tc.offer}
			conn, err := tls.Dial("tcp", h.TLSAddr(), conf)
			if tc.wantMajor == 0 {
				if err == nil {
					conn.Close()
					t.Fatalf("the handshake offering %v succeeded", tc.offer)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := conn.ConnectionState().NegotiatedProtocol; got != tc.wantProto {
				t.Errorf("negotiated %q, want %q", got, tc.wantProto)
			}
			conn.Close()

			var rt http.RoundTripper
			if tc.wantMajor == 2 {
				rt = &http2.Transport{TLSClientConfig: conf}
			} else {
				rt = &http.Transport{TLSClientConfig: conf, ForceAttemptHTTP2: false}
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: rt}
			resp, err := client.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.ProtoMajor != tc.wantMajor || resp.TLS == nil || resp.TLS.NegotiatedProtocol != tc.wantProto {
				t.Errorf("got %s, negotiated %q; want HTTP/%d, %q", resp.Proto, resp.TLS.NegotiatedProtocol, tc.wantMajor, tc.wantProto)
			}
			if resp.StatusCode != 200 || string(body) != "hello over TLS" {
				t.Errorf("got %d %q", resp.StatusCode, body)
			}
			h.mu.Lock()
			served := len(h.serving)
			h.mu.Unlock()
			if (served > 0) != tc.wantH2 {
				t.Errorf("%d connections served HTTP/2 by ServeH2C; want some: %t", served, tc.wantH2)
			}
			if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
				c.CloseIdleConnections()
			}
		})
	}
}
