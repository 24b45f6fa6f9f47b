package harness

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// h2cClient speaks HTTP/2 in clear text with prior knowledge, as a gateway
// with an h2c upstream does.
func h2cClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// TestH2COriginServesRoutes checks that the healthy h2c endpoint answers
// the origin's routes over HTTP/2, and notes each request in the origin's
// journal with its request id and the answer's status and body, as the
// HTTP/1.1 origin does.
func TestH2COriginServesRoutes(t *testing.T) {
	origin, err := StartOrigin("127.0.0.1:0", []Route{
		{Path: "/", Body: "hello over h2c"},
		{Path: "/teapot", Status: 418, Body: "short and stout", Headers: map[string]string{"X-Kind": "teapot"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()
	h, err := StartH2COrigin("127.0.0.1:0", origin)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	client := h2cClient()
	defer client.CloseIdleConnections()

	for i, tc := range []struct {
		path, id string
		status   int
		body     string
		header   string // X-Kind
	}{
		{"/", "id-1", 200, "hello over h2c", ""},
		{"/teapot", "id-2", 418, "short and stout", "teapot"},
		{"/nowhere", "id-3", 404, "gatecrash origin: no route for /nowhere\n", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			from := time.Now()
			req, _ := http.NewRequest(http.MethodGet, "http://"+h.Addr()+tc.path, nil)
			req.Header.Set(RequestIDHeader, tc.id)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 || resp.StatusCode != tc.status || string(body) != tc.body || resp.Header.Get("X-Kind") != tc.header {
				t.Fatalf("got %s %d %q X-Kind %q; want HTTP/2.0 %d %q X-Kind %q", resp.Proto, resp.StatusCode, body, resp.Header.Get("X-Kind"), tc.status, tc.body, tc.header)
			}
			evs, _ := origin.journal.attempts(tc.id, 1, from, time.Now())
			if len(evs) != 1 {
				t.Fatalf("journal: %d attempts for %s; want 1: %+v", len(evs), tc.id, evs)
			}
			a := evs[0].Attempt
			sum := sha256.Sum256([]byte(tc.body))
			if a.Endpoint != "h2c" || !a.Tagged || !a.RequestRead || a.Connection != 1 || a.Answer == nil ||
				a.Answer.Status != tc.status || a.Answer.Sent != int64(len(tc.body)) || a.Answer.SHA256 != hex.EncodeToString(sum[:]) || !a.Answer.Complete {
				t.Fatalf("journal: %+v answer %+v; want a tagged h2c attempt on connection 1 answered %d with the whole body", a, a.Answer, tc.status)
			}
			if got := origin.Requests(); got != i+1 {
				t.Fatalf("origin counted %d requests; want %d", got, i+1)
			}
		})
	}
	if got := h.Connections(); got != 1 {
		t.Fatalf("%d connections; want 1, every request multiplexed on it", got)
	}
	if got := origin.Connections(); got != 0 {
		t.Fatalf("the HTTP/1.1 port accepted %d connections; want 0", got)
	}
}

// TestH2COriginBehaviour checks that a behaviour takes new connections,
// that the pooled healthy connection is closed when it is set so that the
// next request meets it, and that clearing it restores healthy HTTP/2.
func TestH2COriginBehaviour(t *testing.T) {
	origin, err := StartOrigin("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()
	h, err := StartH2COrigin("127.0.0.1:0", origin)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	client := h2cClient()
	defer client.CloseIdleConnections()
	get := func() (int, error) {
		resp, err := client.Get("http://" + h.Addr() + "/")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if status, err := get(); err != nil || status != 200 {
		t.Fatalf("healthy: %d, %v", status, err)
	}
	h.SetBehavior(func(ctx context.Context, conn net.Conn, h *H2COrigin) {
		c, err := h.Accept(conn)
		if err != nil {
			return
		}
		r, err := c.NextRequest()
		if err != nil {
			return
		}
		FaultHit(ctx)
		_ = c.WriteHeaders(r, 503, http.Header{"content-length": {"0"}}, true)
		c.Drain()
	})
	// As env.Do does, give the client a moment to see its pooled
	// connection closed.
	time.Sleep(poolSettle)
	if status, err := get(); err != nil || status != 503 {
		t.Fatalf("with the behaviour: %d, %v; want 503 from it", status, err)
	}
	// Clearing it ends its connection, pooled by the client, with a
	// GOAWAY: the next request goes on a new one.
	h.SetBehavior(nil)
	if status, err := get(); err != nil || status != 200 {
		t.Fatalf("cleared: %d, %v", status, err)
	}
	if got := h.Connections(); got != 3 {
		t.Fatalf("%d connections; want 3 (healthy, behaviour, healthy)", got)
	}
}
