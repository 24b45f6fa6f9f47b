package faults

import (
	"context"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// WSStall makes the origin accept a WebSocket (a 101), then neither send
// nor read anything, holding the connection until the fault clears: the
// client's messages go unanswered, and only a gateway's idle timeout (or
// the client) ends the stream.
type WSStall struct{}

func init() {
	Register(Definition{
		Name:    "ws_stall",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestWebSocket},
		Summary: "the origin accepts a WebSocket (101), then stops sending and reading, holding the connection",
		Example: "{ws_stall: {attempts: 1}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &WSStall{} },
	})
}

// Inject makes the origin stall every selected WebSocket after its 101.
func (f *WSStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return streamFault(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		if _, err := o.AnswerTo(req, conn).Write(switchHead(req)); err != nil {
			return
		}
		<-ctx.Done()
	}), nil
}
