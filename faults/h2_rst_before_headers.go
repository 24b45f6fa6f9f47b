package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// H2RSTBeforeHeaders makes the origin's h2c endpoint reset each request's
// stream (RST_STREAM) before any response HEADERS: the gateway gets no
// answer at all on that stream, while the connection stays up.
// REFUSED_STREAM says the request was not processed and may be retried
// anywhere; the default, INTERNAL_ERROR, says nothing of the kind.
type H2RSTBeforeHeaders struct {
	// ErrorCode is the RST_STREAM frame's error code.
	ErrorCode ErrCode `yaml:"error_code" json:"error_code"`
}

func init() {
	Register(Definition{
		Name:    "h2_rst_before_headers",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin resets the request's stream (RST_STREAM) before sending any response HEADERS",
		Example: "{h2_rst_before_headers: {error_code: REFUSED_STREAM}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2RSTBeforeHeaders{ErrorCode: "INTERNAL_ERROR"} },
	})
}

// Validate rejects an unknown error code.
func (f *H2RSTBeforeHeaders) Validate() error {
	_, err := f.ErrorCode.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *H2RSTBeforeHeaders) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint reset every request stream on the
// connections the options select.
func (f *H2RSTBeforeHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	code, err := f.ErrorCode.code()
	if err != nil {
		return Injection{}, err
	}
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		return c.WriteRSTStream(r, code) != nil
	})
}
