package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// SSECutMidEvent makes the origin answer a 200 text/event-stream, send
// Events whole events (harness.SSEEvent), then the first half of one more
// and close: chunked (the default), the cut shows as a chunked stream
// without its last chunk, which a gateway must not end cleanly; without
// chunked, the answer is delimited by the close and nothing tells the
// cut but the half event.
type SSECutMidEvent struct {
	// Events is how many whole events go out before the cut one.
	Events int `yaml:"events" json:"events"`
	// Chunked frames the stream with Transfer-Encoding: chunked.
	Chunked bool `yaml:"chunked" json:"chunked"`
}

func init() {
	Register(Definition{
		Name:    "sse_cut_mid_event",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestSSE},
		Summary: "the origin sends server-sent events, then half an event and closes the connection",
		Example: "{sse_cut_mid_event: {events: 2, chunked: false}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &SSECutMidEvent{Events: 2, Chunked: true} },
	})
}

// Validate bounds the events.
func (f *SSECutMidEvent) Validate() error {
	if f.Events < 0 || f.Events > 1000 {
		return fmt.Errorf("events: expected 0 to 1000; got %d", f.Events)
	}
	return nil
}

// Inject makes the origin cut every selected event stream mid-event.
func (f *SSECutMidEvent) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return streamFault(env, opts, func(_ context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		id := req.Header.Get(harness.RequestIDHeader)
		out := sseHead(f.Chunked)
		for n := 1; n <= f.Events; n++ {
			out = append(out, chunk(harness.SSEEvent(n, id), f.Chunked)...)
		}
		last := harness.SSEEvent(f.Events+1, id)
		out = append(out, chunk(last[:len(last)/2], f.Chunked)...)
		if _, err := o.AnswerTo(req, conn).Write(out); err == nil {
			closeAfter(conn)
		}
	}), nil
}
