package faults

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// DesyncCLTE makes the origin answer the first request of each connection
// with both a Content-Length and Transfer-Encoding: chunked, kept alive.
// The chunked body is one chunk holding a whole answer (a 200 naming
// itself a leftover); the Content-Length counts only the chunk's size
// line. Read as chunked (RFC 9112 says chunked wins, and that a proxy
// must drop the Content-Length or the connection), the body is that
// answer's bytes and the connection is clean; read by its Content-Length,
// the answer and the last-chunk stay on the connection for the next
// request.
type DesyncCLTE struct{}

func init() {
	Register(Definition{
		Name:      "desync_cl_te",
		Family:    FamilyDesync,
		Summary:   "the origin answers a connection's first request with Content-Length and chunked framings that end apart (a whole answer in between), kept alive",
		Example:   "{desync_cl_te: {}}",
		Options:   Selective | Scheduled | Targeted,
		FollowUps: desyncFollowUps,
		New:       func() Fault { return &DesyncCLTE{} },
	})
}

// Inject makes the origin answer each connection's first request with
// both framings.
func (f *DesyncCLTE) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return desyncBehavior(env, opts, func(_ context.Context, w io.Writer, req *http.Request, _ *harness.Origin) error {
		id := req.Header.Get(harness.RequestIDHeader)
		inner := harness.LeftoverAnswer(id)
		size := strconv.FormatInt(int64(len(inner)), 16) + "\r\n"
		head := statusOK + "Content-Type: text/plain\r\n" + harness.AnswerToHeader + ": " + id +
			"\r\nContent-Length: " + strconv.Itoa(len(size)) + "\r\nTransfer-Encoding: chunked\r\n\r\n"
		_, err := w.Write([]byte(head + size + string(inner) + "\r\n0\r\n\r\n"))
		return err
	}), nil
}
