package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// SSEStall makes the origin answer a 200 text/event-stream (chunked), send
// Events whole events, then nothing more, holding the connection until the
// gateway lets it go or the fault clears: the stream stays open, silent,
// past any response-header timeout.
type SSEStall struct {
	// Events is how many events go out before the silence.
	Events int `yaml:"events" json:"events"`
}

func init() {
	Register(Definition{
		Name:    "sse_stall",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestSSE},
		Summary: "the origin sends server-sent events, then falls silent between events, holding the connection",
		Example: "{sse_stall: {events: 2}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &SSEStall{Events: 2} },
	})
}

// Validate bounds the events.
func (f *SSEStall) Validate() error {
	if f.Events < 0 || f.Events > 1000 {
		return fmt.Errorf("events: expected 0 to 1000; got %d", f.Events)
	}
	return nil
}

// Inject makes the origin stall every selected event stream.
func (f *SSEStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return streamFault(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		id := req.Header.Get(harness.RequestIDHeader)
		out := sseHead(true)
		for n := 1; n <= f.Events; n++ {
			out = append(out, chunk(harness.SSEEvent(n, id), true)...)
		}
		if _, err := o.AnswerTo(req, conn).Write(out); err != nil {
			return
		}
		<-harness.PeerClosed(ctx, conn).Done()
	}), nil
}
