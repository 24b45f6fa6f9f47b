package faults

import (
	"context"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// H2RSTAfterHeaders makes the origin's h2c endpoint send each request's
// response HEADERS (the route's status, a Content-Length of its body),
// then reset the stream (RST_STREAM) before any DATA: a gateway that has
// already passed the head on can only cut its own answer.
type H2RSTAfterHeaders struct {
	// ErrorCode is the RST_STREAM frame's error code.
	ErrorCode ErrCode `yaml:"error_code" json:"error_code"`
}

func init() {
	Register(Definition{
		Name:    "h2_rst_after_headers",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin sends the response HEADERS, then resets the stream (RST_STREAM) before any DATA",
		Example: "{h2_rst_after_headers: {error_code: INTERNAL_ERROR}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2RSTAfterHeaders{ErrorCode: "INTERNAL_ERROR"} },
	})
}

// Validate rejects an unknown error code.
func (f *H2RSTAfterHeaders) Validate() error {
	_, err := f.ErrorCode.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *H2RSTAfterHeaders) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint answer every request stream with its head
// and a reset, on the connections the options select.
func (f *H2RSTAfterHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
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
		return c.WriteRSTStream(r, code) != nil
	})
}
