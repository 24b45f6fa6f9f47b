package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/gatecrash/gatecrash/harness"
)

// What the origin-down faults share: how an origin ends a connection, with a
// FIN or an RST, and the partial answer it sends before.

// readWholeRequest reads the request head and body, so that closing the
// connection afterwards sends a FIN: Linux answers the close of a socket
// with unread data by an RST, which is another fault. It returns nil when
// the request did not arrive whole.
func readWholeRequest(conn net.Conn, o *harness.Origin) *http.Request {
	req, err := o.ReadRequest(conn)
	if err != nil {
		return nil
	}
	if _, err = io.Copy(io.Discard, io.LimitReader(req.Body, 16<<20)); err != nil {
		return nil
	}
	return req
}

// resetConn closes conn with an RST: SO_LINGER 0 makes the close abort the
// connection instead of ending it with a FIN.
func resetConn(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// closeOnDone closes conn when ctx ends, so a behaviour blocked reading a
// request that never comes returns once the fault is cleared.
func closeOnDone(ctx context.Context, conn net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { conn.Close() })
}

// passResetsToxic names the toxic of withResets.
const passResetsToxic = "gatecrash_pass_resets"

// withResets starts inject with the proxy passing the origin's RSTs on to
// the gateway. On its own, toxiproxy meets an RST from the origin by closing
// the gateway's side with a FIN, which would turn every reset into a clean
// close. A reset_peer toxic of toxicity 0 never touches the data, but
// toxiproxy sets SO_LINGER 0 on both sides of each connection accepted while
// it is there, so its close of the gateway's side is an RST too. Those
// connections keep it after the fault clears: a keep-alive connection opened
// meanwhile ends with an RST later.
func withResets(env *harness.Environment, inject func() Injection) (Injection, error) {
	// Every proxy passes resets on: the toxic never touches the data.
	for i, p := range env.Proxies {
		if err := p.AddToxic(passResetsToxic, "reset_peer", "downstream", 0, map[string]any{"timeout": 0}); err != nil {
			for _, q := range env.Proxies[:i] {
				_ = q.RemoveToxic(passResetsToxic)
			}
			return Injection{}, err
		}
	}
	in := inject()
	var once sync.Once
	var err error
	return Injection{
		Clear: func() error {
			once.Do(func() {
				errs := []error{in.Clear()}
				for _, p := range env.Proxies {
					errs = append(errs, p.RemoveToxic(passResetsToxic))
				}
				err = errors.Join(errs...)
			})
			return err
		},
		Method: strings.TrimSuffix("origin RST passed on by the proxy (SO_LINGER 0), "+in.Method, ", "),
	}, nil
}

// writePartialResponse writes a 200 whose head declares length body bytes,
// then the first n of them, in one write to w (the origin's AnswerTo the
// request): with TCP_NODELAY (Go's default) they leave at once, before
// whatever close follows.
func writePartialResponse(w io.Writer, length, n int) error {
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n", length)
	_, err := w.Write(append([]byte(head), bodyFiller(n)...))
	return err
}

// bodyFiller is n bytes of a readable body.
func bodyFiller(n int) []byte {
	const line = "gatecrash partial body\n"
	return []byte(strings.Repeat(line, n/len(line)+1)[:n])
}

// validatePartial checks the bytes and length of a partial response.
func validatePartial(bytes, length int) error {
	switch {
	case bytes < 0:
		return fmt.Errorf("bytes: expected the number of body bytes sent before the end, 0 or more; got %d", bytes)
	case length <= bytes:
		return fmt.Errorf("length: expected a Content-Length larger than bytes (%d), so the body is cut short; got %d", bytes, length)
	case length > 1<<30:
		return fmt.Errorf("length: expected a Content-Length of at most 1GiB; got %d", length)
	}
	return nil
}
