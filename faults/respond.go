package faults

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// maxDrain caps how much of a request body respond reads before answering.
const maxDrain = 1 << 20

// respond makes the origin answer each selected request with exactly
// answer, then close: the shape of every malformed-response fault. The
// request body is read first, because closing a socket with unread data
// sends a reset that could destroy the answer in flight.
func respond(env *harness.Environment, opts Options, answer []byte) Injection {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		// A gateway that stops reading must not block the write past the fault.
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, maxDrain))
		_, _ = o.AnswerTo(req, conn).Write(answer)
	})
}

// statusOK is the status line of the faults whose head is otherwise valid.
const statusOK = "HTTP/1.1 200 OK\r\n"

// withBody is a valid 200 head around the header lines extra (each ending
// in CRLF), with body framed by its Content-Length.
func withBody(extra, body string) []byte {
	return []byte(statusOK + "Content-Type: text/plain\r\n" + extra +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// digitFiller is n bytes of repeated digits, easy to recognise on the wire.
func digitFiller(n int) string {
	const digits = "0123456789"
	return strings.Repeat(digits, n/len(digits)+1)[:n]
}

// oneLine rejects a parameter that would split into several lines.
func oneLine(field string, s Bytes) error {
	if strings.ContainsAny(string(s), "\r\n") {
		return fmt.Errorf("%s: expected one line, without CR or LF; got %q", field, s)
	}
	return nil
}
