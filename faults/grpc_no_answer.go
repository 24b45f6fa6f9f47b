package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// GRPCNoAnswer makes the origin's h2c endpoint read each gRPC call and
// never answer it: no HEADERS (or, with after_headers, the response
// HEADERS and nothing after), while the connection stays up, its PINGs
// answered. What ends the call is the gateway's own deadline for its
// upstream, or the client's grpc-timeout, which a gateway should honour
// (and answer DEADLINE_EXCEEDED) rather than hold the call past it.
type GRPCNoAnswer struct {
	// AfterHeaders sends the response HEADERS first: the call stalls
	// after its head.
	AfterHeaders bool `yaml:"after_headers" json:"after_headers"`
}

func init() {
	Register(Definition{
		Name:    "grpc_no_answer",
		Family:  FamilyGRPC,
		Summary: "the gRPC origin reads the call and never answers it (optionally after the response HEADERS): the gateway's deadline or the client's grpc-timeout must end it",
		Example: "{grpc_no_answer: {after_headers: true}}",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true, Request: RequestGRPC},
		New:     func() Fault { return &GRPCNoAnswer{} },
	})
}

// CheckSuite asks for the h2c endpoint.
func (f *GRPCNoAnswer) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint leave every gRPC call unanswered, on the
// connections the options select; when the client gives up (RST_STREAM)
// the connection goes on, and it ends when the fault clears.
func (f *GRPCNoAnswer) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return grpcBehavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request, _ []byte) bool {
		if f.AfterHeaders {
			return writeGRPCHead(c, r) != nil
		}
		return false
	})
}
