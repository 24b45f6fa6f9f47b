package faults

import (
	"context"
	"fmt"

	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/harness"
)

// H2GoAway makes the origin's h2c endpoint end the connection with GOAWAY
// once it has read a request's HEADERS. Its last-stream-id tells the
// client which streams the server may have processed (RFC 9113 §6.8):
//
//   - immediate: GOAWAY with the request's own stream as the last one
//     (the request may have been processed) and the connection closed
//     without an answer: a gateway must answer 502 and must not replay a
//     request that is not idempotent;
//   - graceful: the two-step graceful shutdown: GOAWAY with the highest
//     stream id (2^31-1) and NO_ERROR, the request answered normally,
//     then GOAWAY with the request's stream as the last, then the close: a
//     gateway must pass the answer on and open a new connection next time;
//   - below_last_stream: GOAWAY with a last-stream-id below the request's
//     stream, then the close: the request was not processed, so a gateway
//     may retry it on a new connection, even if it is not idempotent.
type H2GoAway struct {
	// Mode is immediate, graceful or below_last_stream.
	Mode string `yaml:"mode" json:"mode"`
	// ErrorCode is the error code of the GOAWAY frame that ends the
	// connection (graceful's first GOAWAY is always NO_ERROR).
	ErrorCode ErrCode `yaml:"error_code" json:"error_code"`
}

func init() {
	Register(Definition{
		Name:    "h2_goaway",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin sends GOAWAY on the request and closes: at once, gracefully after answering, or with a last-stream-id below the request's",
		Example: "{h2_goaway: {mode: below_last_stream, error_code: NO_ERROR}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2GoAway{Mode: "immediate", ErrorCode: "NO_ERROR"} },
	})
}

// The modes of h2_goaway.
const (
	goAwayImmediate = "immediate"
	goAwayGraceful  = "graceful"
	goAwayBelow     = "below_last_stream"
)

// Validate rejects an unknown mode or error code.
func (f *H2GoAway) Validate() error {
	switch f.Mode {
	case goAwayImmediate, goAwayGraceful, goAwayBelow:
	default:
		return fmt.Errorf("mode: expected %s, %s or %s; got %q", goAwayImmediate, goAwayGraceful, goAwayBelow, f.Mode)
	}
	_, err := f.ErrorCode.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *H2GoAway) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// maxStreamID is the highest stream id, graceful's first last-stream-id.
const maxStreamID = 1<<31 - 1

// Inject makes the h2c endpoint end every connection the options select
// with GOAWAY on its first request.
func (f *H2GoAway) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	code, _ := f.ErrorCode.code()
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		last := r.StreamID
		switch f.Mode {
		case goAwayGraceful:
			if c.WriteGoAway(maxStreamID, http2.ErrCodeNo, "graceful shutdown") != nil || c.Answer(r) != nil {
				return true
			}
		case goAwayBelow:
			last = max(r.StreamID, 2) - 2 // client streams are odd: 1, 3, 5...
		}
		if c.WriteGoAway(last, code, "") == nil {
			h2Close(c)
		}
		return true
	})
}
