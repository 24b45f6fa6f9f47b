package faults

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// SlowClose makes the origin send a complete answer, then hold the
// connection open for a delay before closing it. A gateway that knows the
// body's length has its answer at once; one that waits for the close (a body
// delimited by the close, with close_delimited) waits out the delay.
//
// It is done at the origin rather than with toxiproxy's slow_close toxic:
// the toxic only delays a close the origin makes, so it does nothing to a
// keep-alive origin that never closes, and as a toxic it can only take a
// probability, not attempts.
//
// nginx: proxy_read_timeout is a timeout between two successive reads. With
// Content-Length, nginx has its answer before the delay starts; with a body
// delimited by the close and a delay above the timeout, the timeout fires
// after the whole body came, and nginx ends the client's answer there, cut:
// a truncated 200 (see the nginx example suite).
type SlowClose struct {
	// Delay is how long the origin holds the connection open after its
	// answer, before it closes it.
	Delay time.Duration `yaml:"delay" json:"delay"`
	// CloseDelimited leaves out Content-Length, so that only the close
	// ends the body (as HTTP/1.0 origins do): the gateway cannot know the
	// answer is complete before the delay is over.
	CloseDelimited bool `yaml:"close_delimited" json:"close_delimited"`
}

func init() {
	Register(Definition{
		Name:    "slow_close",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends a complete answer, then holds the connection open for a delay before closing it",
		Example: "{slow_close: {delay: 3s, close_delimited: true}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &SlowClose{Delay: 3 * time.Second} },
	})
}

// Validate rejects a zero delay: the origin would close as usual.
func (f *SlowClose) Validate() error {
	if f.Delay <= 0 {
		return errors.New("delay: expected a duration above zero, such as 3s (without a delay the origin closes as usual)")
	}
	return nil
}

// Inject makes the origin hold each selected connection after answering;
// clearing the fault closes the connections it holds.
func (f *SlowClose) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		resp := o.Response(req)
		if f.CloseDelimited {
			resp.ContentLength = -1
		}
		head, body := wireBytes(resp)
		if _, err := o.AnswerTo(req, conn).Write(append(head, body...)); err != nil {
			return
		}
		pause(harness.PeerClosed(ctx, conn), f.Delay) // or until the gateway closes first
	}), nil
}
