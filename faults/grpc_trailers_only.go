package faults

import (
	"context"

	"golang.org/x/net/http2/hpack"

	"github.com/gatecrash/gatecrash/harness"
)

// GRPCTrailersOnly makes the origin's h2c endpoint answer each gRPC call
// with a trailers-only response: one HEADERS frame that carries :status
// 200, the content-type, grpc-status (UNAVAILABLE by default) and
// grpc-message together and ends the stream, with no DATA and no second
// HEADERS. It is how gRPC servers fail a call at once, and valid: a
// gateway that waits for trailers after the head, or drops the gRPC
// fields of a head that ends the stream, loses the status.
type GRPCTrailersOnly struct {
	// Code is the gRPC status code by name.
	Code GRPCCode `yaml:"code" json:"code"`
	// Message is the grpc-message field; empty sends none.
	Message string `yaml:"message" json:"message"`
}

func init() {
	Register(Definition{
		Name:    "grpc_trailers_only",
		Family:  FamilyGRPC,
		Summary: "the gRPC origin answers a trailers-only response: one HEADERS with :status 200 and grpc-status (UNAVAILABLE by default) that ends the stream",
		Example: `{grpc_trailers_only: {code: UNAVAILABLE, message: "draining"}}`,
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true, Request: RequestGRPC},
		New: func() Fault {
			return &GRPCTrailersOnly{Code: "UNAVAILABLE", Message: "gatecrash: the service is unavailable"}
		},
	})
}

// Validate rejects an unknown status code, and OK.
func (f *GRPCTrailersOnly) Validate() error {
	_, err := f.Code.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *GRPCTrailersOnly) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint answer every gRPC call trailers-only, on
// the connections the options select.
func (f *GRPCTrailersOnly) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	code, err := f.Code.code()
	if err != nil {
		return Injection{}, err
	}
	return grpcBehavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request, _ []byte) bool {
		fields := append([]hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "content-type", Value: grpcContentType(r)}},
			grpcStatusFields(code, f.Message)...)
		return c.WriteHeaderFields(r, 200, fields, true) != nil
	})
}
