package faults

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// The response-desync faults make the origin answer the first request of
// each connection they take with framing that leaves bytes on the
// connection after what a gateway may read as the whole answer: an extra
// answer, a body longer than its Content-Length, a chunked body behind a
// Content-Length, an interim 1xx or a 101 the gateway may take for the
// final answer. Each leaves a whole answer behind (harness.LeftoverAnswer,
// or the origin's own answer after the interim), then serves the
// connection's next requests healthy, keeping it alive. A gateway that
// reuses the connection without noticing reads those bytes as the answer
// to the next request, which is another client's: the scenario's
// follow-up requests (Definition.FollowUps) catch that, as a cross-wired
// answer (harness.CrossWire).

// desyncFollowUps is how many follow-up requests a scenario of a desync
// fault sends: enough for a gateway that pools several connections to
// reuse the poisoned one.
const desyncFollowUps = 3

// desyncBehavior makes the origin answer the first request of each
// connection the options select with answer, written through w (the
// journal's record of it), then serve the connection's next requests
// with the routes' answers, kept alive, until the gateway closes it or the
// fault clears.
func desyncBehavior(env *harness.Environment, opts Options, answer func(ctx context.Context, w io.Writer, req *http.Request, o *harness.Origin) error) Injection {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		// A gateway that stops reading must not block a write past the fault.
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		br := bufio.NewReader(conn)
		req, err := o.ReadRequestFrom(conn, br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, maxDrain))
		if answer(ctx, o.AnswerTo(req, conn), req, o) != nil || req.Close {
			return
		}
		for {
			req, err := o.ReadRequestFrom(conn, br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, maxDrain))
			if o.Response(req).Write(o.AnswerTo(req, conn)) != nil || req.Close {
				return
			}
		}
	})
}

// healthyAnswer is the origin's own answer to req, as its routes give it,
// kept alive.
func healthyAnswer(req *http.Request, o *harness.Origin) []byte {
	var b bytes.Buffer
	resp := o.Response(req)
	resp.Close = false
	_ = resp.Write(&b)
	return b.Bytes()
}
