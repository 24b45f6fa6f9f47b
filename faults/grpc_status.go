package faults

import (
	"context"

	"github.com/gatecrash/gatecrash/harness"
)

// GRPCStatus makes the origin's h2c endpoint answer each gRPC call with a
// failure status in its trailers: the response HEADERS (:status 200,
// content-type), then, with after_message, the reply message in DATA,
// then trailers with grpc-status (the code, UNAVAILABLE by default) and
// grpc-message, ending the stream. Over HTTP the answer is a 200: a
// gateway that judges by the HTTP status alone passes the failure on as
// it is, which is right for gRPC clients; one that maps it (UNAVAILABLE to
// HTTP 503 for a JSON client, say) must keep the code's meaning.
type GRPCStatus struct {
	// Code is the gRPC status code by name: UNAVAILABLE,
	// DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL...
	Code GRPCCode `yaml:"code" json:"code"`
	// Message is the grpc-message trailer; empty sends none.
	Message string `yaml:"message" json:"message"`
	// AfterMessage sends the reply message before the failure's trailers.
	AfterMessage bool `yaml:"after_message" json:"after_message"`
}

func init() {
	Register(Definition{
		Name:    "grpc_status",
		Family:  FamilyGRPC,
		Summary: "the gRPC origin answers HTTP 200 and ends the call with a failure status in its trailers (UNAVAILABLE by default), optionally after a reply message",
		Example: `{grpc_status: {code: RESOURCE_EXHAUSTED, message: "quota exceeded", after_message: true}}`,
		Options: Selective | Scheduled,
		Needs:   Needs{H2C: true, Request: RequestGRPC},
		New: func() Fault {
			return &GRPCStatus{Code: "UNAVAILABLE", Message: "gatecrash: the service is unavailable"}
		},
	})
}

// Validate rejects an unknown status code, and OK.
func (f *GRPCStatus) Validate() error {
	_, err := f.Code.code()
	return err
}

// CheckSuite asks for the h2c endpoint.
func (f *GRPCStatus) CheckSuite(s SuiteFacts) error { return checkH2C(s) }

// Inject makes the h2c endpoint end every gRPC call with the status, on
// the connections the options select.
func (f *GRPCStatus) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	code, err := f.Code.code()
	if err != nil {
		return Injection{}, err
	}
	return grpcBehavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request, body []byte) bool {
		if err := writeGRPCHead(c, r); err != nil {
			return true
		}
		if reply := grpcReply(body); f.AfterMessage && reply != nil {
			if err := c.WriteData(r, reply, false); err != nil {
				return true
			}
		}
		return writeGRPCTrailers(c, r, code, f.Message) != nil
	})
}
