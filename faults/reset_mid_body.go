package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// ResetMidBody makes the origin answer 200 with a Content-Length, send part
// of the body, then reset the connection (RST): a gateway that has already
// relayed the head can only cut its own answer short.
type ResetMidBody struct {
	// Bytes is how many body bytes the origin sends before the reset.
	Bytes int `yaml:"bytes" json:"bytes"`
	// Length is the Content-Length the origin declares, more than Bytes.
	Length int `yaml:"length" json:"length"`
}

func init() {
	Register(Definition{
		Name:    "reset_mid_body",
		Family:  FamilyOriginDown,
		Summary: "the origin sends a 200 head with a Content-Length and part of the body, then resets (RST)",
		Example: "{reset_mid_body: {bytes: 100, length: 1000}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ResetMidBody{Bytes: 100, Length: 1000} },
	})
}

// Validate wants a body cut short: 0 <= bytes < length.
func (f *ResetMidBody) Validate() error { return validatePartial(f.Bytes, f.Length) }

// Inject makes the origin answer every selected connection in part, then reset it.
func (f *ResetMidBody) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return withResets(env, func() Injection {
		return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
			defer closeOnDone(ctx, conn)()
			if req := readWholeRequest(conn, o); req != nil && writePartialResponse(o.AnswerTo(req, conn), f.Length, f.Bytes) == nil {
				resetConn(conn)
				return
			}
			_ = conn.Close()
		})
	})
}
