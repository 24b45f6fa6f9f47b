package faults

import (
	"context"
	"fmt"
	"strconv"

	"golang.org/x/net/http2/hpack"

	"github.com/gatecrash/gatecrash/harness"
)

// H2InvalidHeaders makes the origin's h2c endpoint answer each request
// with a HEADERS frame that HTTP/2 forbids (RFC 9113 §8.2), then the
// route's body: a response a client must treat as malformed, never pass
// on. The kinds:
//
//   - connection_specific: a Connection: keep-alive field, which only
//     HTTP/1.1 has (a server that copied its HTTP/1.1 headers);
//   - uppercase: a field name with capital letters (X-Gatecrash-Upper);
//   - pseudo_after_regular: the :status pseudo-header after a regular
//     field.
type H2InvalidHeaders struct {
	// Kind is connection_specific, uppercase or pseudo_after_regular.
	Kind string `yaml:"kind" json:"kind"`
}

func init() {
	Register(Definition{
		Name:    "h2_invalid_headers",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin answers with a HEADERS frame HTTP/2 forbids: a connection-specific field, an upper-case name, or :status after a regular field",
		Example: "{h2_invalid_headers: {kind: uppercase}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2InvalidHeaders{Kind: "connection_specific"} },
	})
}

// Validate rejects an unknown kind.
func (f *H2InvalidHeaders) Validate() error {
	switch f.Kind {
	case "connection_specific", "uppercase", "pseudo_after_regular":
		return nil
	}
	return fmt.Errorf("kind: expected connection_specific, uppercase or pseudo_after_regular; got %q", f.Kind)
}

// CheckSuite asks for the h2c endpoint.
func (f *H2InvalidHeaders) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint answer every request stream with the
// invalid HEADERS and the route's body, on the connections the options
// select.
func (f *H2InvalidHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		status, _, body := c.Response(r)
		st := hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)}
		length := hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))}
		var fields []hpack.HeaderField
		switch f.Kind {
		case "connection_specific":
			fields = []hpack.HeaderField{st, length, {Name: "connection", Value: "keep-alive"}}
		case "uppercase":
			fields = []hpack.HeaderField{st, length, {Name: "X-Gatecrash-Upper", Value: "1"}}
		case "pseudo_after_regular":
			fields = []hpack.HeaderField{length, st}
		}
		if err := c.WriteHeaderFields(r, status, fields, len(body) == 0); err != nil {
			return true
		}
		if len(body) > 0 {
			return c.WriteData(r, body, true) != nil
		}
		return false
	})
}
