package faults

import (
	"context"

	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/harness"
)

// H2MaxConcurrentStreamsZero makes the origin's h2c endpoint announce
// SETTINGS_MAX_CONCURRENT_STREAMS 0, a server that takes no request now,
// and refuse every stream the client opens anyway with RST_STREAM
// REFUSED_STREAM (RFC 9113 §5.1.2), keeping the connection open. A client
// may retry elsewhere; waiting on the connection never ends.
type H2MaxConcurrentStreamsZero struct{}

func init() {
	Register(Definition{
		Name:    "h2_max_concurrent_streams_zero",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin announces SETTINGS_MAX_CONCURRENT_STREAMS 0 and refuses every stream (RST_STREAM REFUSED_STREAM)",
		Example: "{h2_max_concurrent_streams_zero: {attempts: 1..2}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2MaxConcurrentStreamsZero{} },
	})
}

// CheckSuite asks for the h2c endpoint.
func (f *H2MaxConcurrentStreamsZero) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint take no stream on the connections the
// options select.
func (f *H2MaxConcurrentStreamsZero) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		return c.WriteRSTStream(r, http2.ErrCodeRefusedStream) != nil
	}, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 0})
}
