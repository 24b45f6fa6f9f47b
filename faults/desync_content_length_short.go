package faults

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// DesyncContentLengthShort makes the origin answer the first request of
// each connection with a body longer than its Content-Length: the
// route's body, which the Content-Length counts, then a whole answer it
// does not (a 200 naming itself a leftover), in one write, kept alive.
// RFC 9112 (section 6.3) lets a recipient drop the excess or the
// connection; a gateway that keeps the connection with the excess unread
// hands it to the next request it sends there.
type DesyncContentLengthShort struct{}

func init() {
	Register(Definition{
		Name:      "desync_content_length_short",
		Family:    FamilyDesync,
		Summary:   "the origin answers a connection's first request with a body longer than its Content-Length (a whole answer past it), kept alive",
		Example:   "{desync_content_length_short: {}}",
		Options:   Selective | Scheduled | Targeted,
		FollowUps: desyncFollowUps,
		New:       func() Fault { return &DesyncContentLengthShort{} },
	})
}

// Inject makes the origin send a body past its Content-Length on each
// connection's first request.
func (f *DesyncContentLengthShort) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return desyncBehavior(env, opts, func(_ context.Context, w io.Writer, req *http.Request, o *harness.Origin) error {
		resp := o.Response(req)
		body, _ := io.ReadAll(resp.Body)
		extra := harness.LeftoverAnswer(req.Header.Get(harness.RequestIDHeader))
		var b bytes.Buffer
		b.WriteString("HTTP/1.1 " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + "\r\n")
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		_ = resp.Header.Write(&b)
		b.WriteString("\r\n")
		b.Write(body)
		b.Write(extra)
		_, err := w.Write(b.Bytes())
		return err
	}), nil
}
