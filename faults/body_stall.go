package faults

import (
	"context"
	"errors"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// BodyStall makes the origin send headers declaring a body's length, the
// first bytes of that body, then nothing, holding the connection open until
// the fault clears. The gateway has a 200 in hand and an incomplete body:
// it must not pass it on as if it were whole.
//
// nginx: proxy_read_timeout is a timeout between two successive reads; it
// fires that long after the last byte that came, and nginx then sends
// the client the 200 head with the declared length and closes: a truncated
// 200 (see the nginx example suite).
type BodyStall struct {
	// Bytes is how many body bytes the origin sends before it stalls.
	Bytes int `yaml:"bytes" json:"bytes"`
	// ContentLength is the body length the headers declare; more than bytes.
	ContentLength int `yaml:"content_length" json:"content_length"`
}

func init() {
	Register(Definition{
		Name:    "body_stall",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends headers with a Content-Length and the first N body bytes, then nothing, holding the connection",
		Example: "{body_stall: {bytes: 100, content_length: 1000}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &BodyStall{Bytes: 100, ContentLength: 1000} },
	})
}

// Validate wants a declared length beyond the bytes sent.
func (f *BodyStall) Validate() error {
	if f.Bytes < 0 {
		return errors.New("bytes: expected a number of body bytes, 0 or more")
	}
	if f.Bytes > 64<<20 {
		return errors.New("bytes: expected at most 64 MiB sent before the stall")
	}
	if f.ContentLength <= f.Bytes {
		return errors.New("content_length: expected more than bytes (otherwise the body is complete and nothing stalls)")
	}
	return nil
}

// Inject makes the origin stall each selected answer; clearing the fault
// closes the connections it holds, cutting their bodies short.
func (f *BodyStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		if _, err := o.AnswerTo(req, conn).Write(append(madeUpHead(f.ContentLength), filler(f.Bytes)...)); err != nil {
			return
		}
		<-ctx.Done()
	}), nil
}
