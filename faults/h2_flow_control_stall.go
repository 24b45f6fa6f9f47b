package faults

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/net/http2"

	"github.com/gatecrash/gatecrash/harness"
)

// H2FlowControlStall makes the origin's h2c endpoint announce a small
// initial stream window (SETTINGS_INITIAL_WINDOW_SIZE, default 0) and
// never send WINDOW_UPDATE, then wait for each request's whole body before
// answering. A request body over 65535 bytes, the connection's window,
// which no SETTINGS changes, can never be sent whole: its stream stalls
// until the gateway gives up. A smaller body stalls when it is larger than
// the announced window and the client waited for the origin's SETTINGS
// before sending it; a client that sends at once may get it out under the
// protocol's default window, and be answered. A request without a body (a
// GET) is answered normally.
type H2FlowControlStall struct {
	// Window is the initial stream window the origin announces, in bytes.
	Window int `yaml:"window" json:"window"`
}

func init() {
	Register(Definition{
		Name:    "h2_flow_control_stall",
		Family:  FamilyHTTP2,
		Summary: "the h2c origin announces a small stream window and never updates any window: a request body over the window (always over 64 KiB) stalls",
		Example: "{h2_flow_control_stall: {window: 0}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true},
		New:     func() Fault { return &H2FlowControlStall{Window: 0} },
	})
}

// maxStallWindow is below the protocol's default window (65535), or the
// fault would stall nothing the default would not.
const maxStallWindow = 65534

// Validate rejects a window that stalls nothing the default would not.
func (f *H2FlowControlStall) Validate() error {
	if f.Window < 0 || f.Window > maxStallWindow {
		return fmt.Errorf("window: expected 0 to %d bytes (below HTTP/2's default window); got %d", maxStallWindow, f.Window)
	}
	return nil
}

// CheckSuite asks for the h2c endpoint.
func (f *H2FlowControlStall) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint stall request bodies on the connections
// the options select; each request is answered normally once its whole
// body came, which a body within the window does.
func (f *H2FlowControlStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		if _, err := c.ReadBody(r); err != nil {
			// The gateway gave up on the stream; its connection goes on.
			var reset http2.StreamError
			return !errors.As(err, &reset)
		}
		return c.Answer(r) != nil
	}, http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(f.Window)})
}
