package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// DesyncExtraAnswer makes the origin answer the first request of each
// connection in full, kept alive, then send a whole second answer that no
// request asked for (a 200 naming itself a leftover), Delay after the
// first.
//
// The extra answer arrives on a connection the gateway has put back in
// its pool. When the next request went out on it first, the extra answer
// reads like that request's answer, which no HTTP/1.1 client can tell from
// a slow one: that is response queue poisoning, and what a gateway can do
// against it is not reuse the origin's connections; the canary shows
// whether it does. The default delay leaves the gateway time to send the
// scenario's first follow-up on the connection. With a delay of 0 the
// extra answer goes out with the answer, in one write: a gateway sees the
// bytes past the answer as it reads it, and must drop the connection.
type DesyncExtraAnswer struct {
	// Delay is how long after its answer the origin sends the extra one.
	Delay time.Duration `yaml:"delay" json:"delay"`
}

func init() {
	Register(Definition{
		Name:      "desync_extra_answer",
		Family:    FamilyDesync,
		Summary:   "the origin answers a connection's first request, then (250ms later) a whole extra answer no request asked for, and keeps the connection alive",
		Example:   "{desync_extra_answer: {delay: 0s}}",
		Options:   Selective | Scheduled | Targeted,
		FollowUps: desyncFollowUps,
		New:       func() Fault { return &DesyncExtraAnswer{Delay: 250 * time.Millisecond} },
	})
}

// maxExtraDelay bounds the delay before the extra answer.
const maxExtraDelay = 10 * time.Second

// Validate bounds the delay.
func (f *DesyncExtraAnswer) Validate() error {
	if f.Delay < 0 || f.Delay > maxExtraDelay {
		return fmt.Errorf("delay: expected a duration from 0s to %s; got %s", maxExtraDelay, f.Delay)
	}
	return nil
}

// Inject makes the origin follow its answer to each connection's first
// request with an extra one.
func (f *DesyncExtraAnswer) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return desyncBehavior(env, opts, func(ctx context.Context, w io.Writer, req *http.Request, o *harness.Origin) error {
		answer, extra := healthyAnswer(req, o), harness.LeftoverAnswer(req.Header.Get(harness.RequestIDHeader))
		if f.Delay == 0 {
			_, err := w.Write(append(answer, extra...))
			return err
		}
		if _, err := w.Write(answer); err != nil {
			return err
		}
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		_, err := w.Write(extra)
		return err
	}), nil
}
