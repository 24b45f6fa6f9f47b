package faults

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/gatecrash/gatecrash/harness"
)

// GRPCMessageCut makes the origin's h2c endpoint send each gRPC call a
// reply cut short: the response HEADERS, then a DATA frame with a
// length-prefixed message whose prefix announces missing more bytes than
// follow (the reply, then nothing), then the stream's end: END_STREAM on
// an empty DATA frame (end: end_stream), or RST_STREAM INTERNAL_ERROR
// (end: rst_stream). No trailers either way. A gateway that forwards
// DATA as it comes passes on a message its client can never complete.
type GRPCMessageCut struct {
	// Missing is how many more bytes the prefix announces than are sent.
	Missing int `yaml:"missing" json:"missing"`
	// End is how the stream ends: end_stream or rst_stream.
	End string `yaml:"end" json:"end"`
}

func init() {
	Register(Definition{
		Name:    "grpc_message_cut",
		Family:  FamilyGRPC,
		Summary: "the gRPC origin sends a length-prefixed reply whose prefix announces more bytes than it sends, then ends the stream (END_STREAM or RST_STREAM), no trailers",
		Example: "{grpc_message_cut: {missing: 16, end: rst_stream}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true, Request: RequestGRPC},
		New:     func() Fault { return &GRPCMessageCut{Missing: 16, End: "end_stream"} },
	})
}

// Validate checks the missing count and the end.
func (f *GRPCMessageCut) Validate() error {
	if f.Missing < 1 || f.Missing > 1<<20 {
		return fmt.Errorf("missing: expected 1 to %d bytes; got %d", 1<<20, f.Missing)
	}
	if f.End != "end_stream" && f.End != "rst_stream" {
		return fmt.Errorf("end: expected end_stream or rst_stream; got %q", f.End)
	}
	return nil
}

// CheckSuite asks for the h2c endpoint.
func (f *GRPCMessageCut) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint cut every gRPC call's reply, on the
// connections the options select.
func (f *GRPCMessageCut) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return grpcBehavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request, body []byte) bool {
		if err := writeGRPCHead(c, r); err != nil {
			return true
		}
		reply := grpcReply(body)
		if reply == nil {
			reply = harness.GRPCFrame(nil)
		}
		binary.BigEndian.PutUint32(reply[1:5], uint32(len(reply)-5+f.Missing))
		if f.End == "rst_stream" {
			if err := c.WriteData(r, reply, false); err != nil {
				return true
			}
			return c.Framer.WriteRSTStream(r.StreamID, 2) != nil // INTERNAL_ERROR
		}
		if err := c.WriteData(r, reply, false); err != nil {
			return true
		}
		return c.WriteData(r, nil, true) != nil
	})
}
