package faults

import (
	"context"
	"errors"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// H2DataBeyondContentLength makes the origin's h2c endpoint answer each
// request with HEADERS that declare the route's body length
// (content-length), then DATA that carries the body and Extra bytes more:
// a malformed response (RFC 9113 §8.1.1) that a gateway must not pass on
// with the extra bytes, nor as a whole answer.
type H2DataBeyondContentLength struct {
	// Extra is how many bytes past the declared length the DATA carries.
	Extra int `yaml:"extra" json:"extra"`
}

func init() {
	Register(Definition{
		Name:    "h2_data_beyond_content_length",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin sends more DATA than the content-length its HEADERS declared",
		Example: "{h2_data_beyond_content_length: {extra: 100}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2DataBeyondContentLength{Extra: 16} },
	})
}

// maxExtra bounds the extra bytes to one DATA frame of the default size
// with the body.
const maxExtra = 8192

// Validate rejects no extra bytes (a healthy answer) and more than fit a
// frame.
func (f *H2DataBeyondContentLength) Validate() error {
	if f.Extra < 1 || f.Extra > maxExtra {
		return errors.New("extra: expected 1 to " + strconv.Itoa(maxExtra) + " bytes past the declared length")
	}
	return nil
}

// CheckSuite asks for the h2c endpoint.
func (f *H2DataBeyondContentLength) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint answer every request stream with the body
// and the extra bytes (digits), on the connections the options select.
func (f *H2DataBeyondContentLength) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		status, header, body := c.Response(r)
		header.Set("Content-Length", strconv.Itoa(len(body)))
		if err := c.WriteHeaders(r, status, header, false); err != nil {
			return true
		}
		// One frame, within the default 16384 bytes for bodies up to
		// 8 KiB; a longer body goes first in frames of its own.
		for len(body) > maxExtra {
			if err := c.WriteData(r, body[:maxExtra], false); err != nil {
				return true
			}
			body = body[maxExtra:]
		}
		return c.WriteData(r, append(body, digitFiller(f.Extra)...), true) != nil
	})
}
