package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// GRPCTrailersMissing makes the origin's h2c endpoint end each gRPC call's
// stream without a status: the response HEADERS (:status 200,
// content-type), the reply message in a DATA frame that ends the stream,
// and no trailers, so no grpc-status. The HTTP answer looks whole; the
// gRPC call did not end properly (gRPC clients report INTERNAL). A
// gateway must not make an OK of it.
type GRPCTrailersMissing struct{}

func init() {
	Register(Definition{
		Name:    "grpc_trailers_missing",
		Family:  FamilyGRPC,
		Summary: "the gRPC origin sends the response HEADERS and the reply message, then ends the stream without trailers (no grpc-status)",
		Example: "grpc_trailers_missing",
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true, Request: RequestGRPC},
		New:     func() Fault { return &GRPCTrailersMissing{} },
	})
}

// CheckSuite asks for the h2c endpoint.
func (f *GRPCTrailersMissing) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint end every gRPC call without trailers, on
// the connections the options select. A request with no whole message
// gets an empty DATA frame to end its stream.
func (f *GRPCTrailersMissing) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return grpcBehavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request, body []byte) bool {
		if err := writeGRPCHead(c, r); err != nil {
			return true
		}
		return c.WriteData(r, grpcReply(body), true) != nil
	})
}
