package faults

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// DelayedHeaders makes the origin read the request, wait, then answer
// normally: a slow time to first byte. A gateway whose read timeout is
// below the delay answers 504; above it, it passes the 200 on late.
//
// nginx: proxy_read_timeout runs from the request sent, so a delay above
// it gives 504 at the timeout, and no body has started yet.
type DelayedHeaders struct {
	// Delay is how long the origin waits after reading the request before
	// it sends the first byte of its answer.
	Delay time.Duration `yaml:"delay" json:"delay"`
}

func init() {
	Register(Definition{
		Name:    "delayed_headers",
		Family:  FamilySlowOrigin,
		Summary: "the origin reads the request and answers normally, but only after a delay (time to first byte)",
		Example: "{delayed_headers: {delay: 3s}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &DelayedHeaders{Delay: 3 * time.Second} },
	})
}

// Validate rejects a zero delay: the origin would simply answer.
func (f *DelayedHeaders) Validate() error {
	if f.Delay <= 0 {
		return errors.New("delay: expected a duration above zero, such as 3s (without a delay the origin answers normally)")
	}
	return nil
}

// Inject makes the origin answer each selected request after the delay.
// Clearing the fault ends the waits: held requests are answered at once.
func (f *DelayedHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		held := harness.PeerClosed(ctx, conn)
		if !pause(held, f.Delay) {
			if ctx.Err() == nil {
				return // the gateway gave up
			}
			cleared(conn)
		}
		head, body := wireBytes(o.Response(req))
		_, _ = o.AnswerTo(req, conn).Write(append(head, body...))
	}), nil
}
