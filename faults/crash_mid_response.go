package faults

import (
	"context"
	"net"

	"github.com/gatecrash/gatecrash/harness"
)

// CrashMidResponse makes the origin answer 200 with a Content-Length, send
// part of the body, then close the connection cleanly (FIN), as the kernel
// does for a process that crashed: unlike reset_mid_body, the gateway sees
// an orderly end of stream, only too early.
type CrashMidResponse struct {
	// Bytes is how many body bytes the origin sends before it closes.
	Bytes int `yaml:"bytes" json:"bytes"`
	// Length is the Content-Length the origin declares, more than Bytes.
	Length int `yaml:"length" json:"length"`
}

func init() {
	Register(Definition{
		Name:    "crash_mid_response",
		Family:  FamilyOriginDown,
		Summary: "the origin sends a 200 head with a Content-Length and part of the body, then closes (FIN) as a crashed process",
		Example: "{crash_mid_response: {bytes: 100, length: 1000}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &CrashMidResponse{Bytes: 100, Length: 1000} },
	})
}

// Validate wants a body cut short: 0 <= bytes < length.
func (f *CrashMidResponse) Validate() error { return validatePartial(f.Bytes, f.Length) }

// Inject makes the origin answer every selected connection in part, then close it.
func (f *CrashMidResponse) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer closeOnDone(ctx, conn)()
		defer conn.Close()
		if req := readWholeRequest(conn, o); req != nil {
			_ = writePartialResponse(o.AnswerTo(req, conn), f.Length, f.Bytes)
		}
	}), nil
}
