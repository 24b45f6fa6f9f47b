package runner_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios/runner"
)

// brokenRelay is a deliberately broken HTTP/1.1 gateway, the kind the
// desync canary is for: it relays every request over one upstream
// connection that it keeps alive, and reads each answer the naive way: a
// status line and headers, then as many body bytes as Content-Length says
// (Transfer-Encoding ignored), taking any status, a 1xx too, for the final
// answer, and never checking for bytes left over. It answers the client
// with what it read, and closes the client's connection.
type brokenRelay struct {
	ln       net.Listener
	upstream string

	mu   sync.Mutex // one exchange at a time on the kept-alive connection
	conn net.Conn
	br   *bufio.Reader
	wg   sync.WaitGroup
}

func startBrokenRelay(t *testing.T, upstream string) *brokenRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &brokenRelay{ln: ln, upstream: upstream}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		if r.conn != nil {
			r.conn.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *brokenRelay) URL() string { return "http://" + r.ln.Addr().String() }

func (r *brokenRelay) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	answer, err := r.exchange(req, body)
	if err != nil {
		fmt.Fprintf(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	_, _ = c.Write(answer)
}

// exchange sends req on the kept-alive connection and reads an answer the
// naive way; a connection the origin closed is dialled again, once.
func (r *brokenRelay) exchange(req *http.Request, body []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for try := 0; ; try++ {
		if r.conn == nil {
			c, err := net.DialTimeout("tcp", r.upstream, 2*time.Second)
			if err != nil {
				return nil, err
			}
			r.conn, r.br = c, bufio.NewReader(c)
		}
		_ = r.conn.SetDeadline(time.Now().Add(5 * time.Second))
		answer, err := r.roundTrip(req, body)
		if err == nil {
			return answer, nil
		}
		r.conn.Close()
		r.conn = nil
		if try > 0 {
			return nil, err
		}
	}
}

func (r *brokenRelay) roundTrip(req *http.Request, body []byte) ([]byte, error) {
	out := req.Clone(context.Background())
	out.RequestURI, out.Close = "", false
	out.Body = io.NopCloser(strings.NewReader(string(body)))
	out.Header.Del("Connection")
	if err := out.Write(r.conn); err != nil {
		return nil, err
	}
	tp := textproto.NewReader(r.br)
	status, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	head, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(head.Get("Content-Length"))
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, err
	}
	var answer strings.Builder
	answer.WriteString(status + "\r\n")
	for k, vs := range head {
		if k == "Transfer-Encoding" || k == "Connection" {
			continue
		}
		for _, v := range vs {
			answer.WriteString(k + ": " + v + "\r\n")
		}
	}
	answer.WriteString("Connection: close\r\n\r\n")
	answer.Write(b)
	return []byte(answer.String()), nil
}

// desyncSuite is a suite of the desync faults through the broken relay,
// with each scenario's expect given.
func desyncSuite(t *testing.T, expect string) string {
	t.Helper()
	origin, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dns, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	relay := startBrokenRelay(t, origin)
	var b strings.Builder
	fmt.Fprintf(&b, "suite: desync through a broken relay\ngateway: {url: %q, ready: {within: 5s}}\norigin: {listen: %q}\ndns: {listen: %q}\nscenarios:\n",
		relay.URL(), origin, dns)
	for _, f := range []string{"desync_extra_answer", "{desync_extra_answer: {delay: 50ms}}", "desync_content_length_short", "desync_cl_te", "desync_interim",
		"{desync_interim: {status: 100}}", "desync_switch_without_upgrade"} {
		fmt.Fprintf(&b, "  - {name: %q, fault: %s, request: {timeout: 3s}, expect: {%s}}\n", f, f, expect)
	}
	return b.String()
}

// TestDesyncCanary: through a relay that reuses its upstream connection
// without checking its framing, every desync fault cross-wires the next
// request's answer, which the canary catches in a follow-up (a finding
// pinned with cross_wired: true passes); left unpinned, each fails the
// scenario with whose answer the client got. A control, fault: none,
// through the same relay, gets no cross-wired answer.
func TestDesyncCanary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("pinned as a finding", func(t *testing.T) {
		code, out, records := run(t, ctx, desyncSuite(t, "cross_wired: true, fault_met: true"), nil, runner.Options{})
		if code != runner.ExitPassed {
			t.Fatalf("exit %d, want every cross-wired answer caught:\n%s", code, out)
		}
		for _, rec := range records {
			if !wired(rec) {
				t.Errorf("%s: no follow-up cross-wired", rec.Name)
			}
		}
	})

	t.Run("unpinned, each fails with whose answer the client got", func(t *testing.T) {
		code, out, records := run(t, ctx, desyncSuite(t, "fault_met: true"), nil, runner.Options{})
		if code != runner.ExitFailed {
			t.Fatalf("exit %d, want failed:\n%s", code, out)
		}
		for _, rec := range records {
			if rec.State != reports.Failed || !strings.Contains(rec.Failure, "expected no cross-wired answer, observed follow-up ") ||
				!strings.Contains(rec.Failure, "cross-wired: the ") {
				t.Errorf("%s: %s: %q", rec.Name, rec.State, rec.Failure)
			}
		}
		if !strings.Contains(out, "cross-wired") {
			t.Errorf("the console does not say cross-wired:\n%s", out)
		}
	})

	t.Run("left to a race, passes and still shows each cross-wired answer", func(t *testing.T) {
		code, out, records := run(t, ctx, desyncSuite(t, "cross_wired: sometimes, fault_met: true"), nil, runner.Options{})
		if code != runner.ExitPassed {
			t.Fatalf("exit %d, want passed:\n%s", code, out)
		}
		for _, rec := range records {
			if !wired(rec) {
				t.Errorf("%s: no follow-up cross-wired", rec.Name)
			}
		}
		if !strings.Contains(out, "cross-wired") {
			t.Errorf("the console does not say cross-wired:\n%s", out)
		}
	})

	t.Run("a control through the same relay", func(t *testing.T) {
		suite := desyncSuite(t, "status: 200")
		suite = suite[:strings.Index(suite, "  - ")] + "  - {name: control, fault: none, expect: {status: 200, cross_wired: false}}\n"
		code, out, _ := run(t, ctx, suite, nil, runner.Options{})
		if code != runner.ExitPassed {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}

// wired says a scenario's request or a follow-up got a cross-wired answer.
func wired(rec *reports.Scenario) bool {
	if rec.Observed != nil && rec.Observed.CrossWired != nil {
		return true
	}
	for _, o := range rec.FollowUps {
		if o.CrossWired != nil {
			return true
		}
	}
	return false
}
