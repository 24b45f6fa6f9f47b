package faults

import (
	"context"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// H2RSTMidData makes the origin's h2c endpoint send each request's
// response HEADERS (the route's status, a Content-Length of its body) and
// the first half of the body (rounded down) in a DATA frame, then
// reset the stream (RST_STREAM): the body is cut short of its declared
// length. A gateway must not pass it on as a whole answer.
type H2RSTMidData struct {
	// ErrorCode is the RST_STREAM frame's error code.
	ErrorCode ErrCode `yaml:"error_code" json:"error_code"`
}

func init() {
	Register(Definition{
		Name:    "h2_rst_mid_data",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin sends the response HEADERS and half the body in DATA, then resets the stream (RST_STREAM)",
		Example: "{h2_rst_mid_data: {error_code: INTERNAL_ERROR}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2RSTMidData{ErrorCode: "INTERNAL_ERROR"} },
	})
}

// Validate rejects an unknown error code.
func (f *H2RSTMidData) Validate() error {
	_, err := f.ErrorCode.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *H2RSTMidData) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint cut every request stream's body with a
// reset, on the connections the options select. A route's body of less
// than two bytes has no half to send: it gets its head and the reset.
func (f *H2RSTMidData) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	code, err := f.ErrorCode.code()
	if err != nil {
		return Injection{}, err
	}
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		status, header, body := c.Response(r)
		header.Set("Content-Length", strconv.Itoa(len(body)))
		if err := c.WriteHeaders(r, status, header, false); err != nil {
			return true
		}
		if half := len(body) / 2; half > 0 {
			if err := c.WriteData(r, body[:half], false); err != nil {
				return true
			}
		}
		return c.WriteRSTStream(r, code) != nil
	})
}
