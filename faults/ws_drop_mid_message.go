package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// WSDropMidMessage makes the origin accept a WebSocket (a 101), send
// Messages whole text messages, then the first half of one more frame,
// and close the connection (a FIN) without a close frame: the client
// should see the whole messages and an abnormal close (1006), never the
// half message.
type WSDropMidMessage struct {
	// Messages is how many whole messages go out before the cut one.
	Messages int `yaml:"messages" json:"messages"`
}

func init() {
	Register(Definition{
		Name:    "ws_drop_mid_message",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestWebSocket},
		Summary: "the origin accepts a WebSocket, sends some whole messages, then half a frame and closes without a close frame",
		Example: "{ws_drop_mid_message: {messages: 2}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &WSDropMidMessage{Messages: 2} },
	})
}

// Validate bounds the messages.
func (f *WSDropMidMessage) Validate() error {
	if f.Messages < 0 || f.Messages > 1000 {
		return fmt.Errorf("messages: expected 0 to 1000; got %d", f.Messages)
	}
	return nil
}

// Inject makes the origin cut every selected WebSocket mid-message.
func (f *WSDropMidMessage) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return streamFault(env, opts, func(_ context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		id := req.Header.Get(harness.RequestIDHeader)
		out := switchHead(req)
		for n := 1; n <= f.Messages; n++ {
			out = append(out, serverFrame(streamMessage(n, id))...)
		}
		last := serverFrame(streamMessage(f.Messages+1, id))
		out = append(out, last[:len(last)/2]...)
		if _, err := o.AnswerTo(req, conn).Write(out); err == nil {
			closeAfter(conn)
		}
	}), nil
}
