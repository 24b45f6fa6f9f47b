package faults

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/gatecrash/gatecrash/harness"
)

// The gRPC faults act on the origin's h2c endpoint too (origin.h2c:
// true), where the frame-level server of the HTTP/2 faults takes the
// connections the options select. On them it answers a gRPC request
// (content-type application/grpc) wrongly, after reading its message,
// and any other request with the route's normal answer. A healthy gRPC
// answer is HEADERS (:status 200, content-type), DATA with the
// length-prefixed reply, then trailers (a HEADERS frame ending the stream)
// with grpc-status and grpc-message; these faults break it frame by frame.

// grpcCall is what a gRPC fault does with one gRPC request whose message
// (the request body, length-prefixed messages) it read. It returns true
// when it ended the connection, false to go on serving the connection's
// next streams.
type grpcCall func(c *harness.H2Conn, r *harness.H2Request, body []byte) (closed bool)

// grpcBehavior makes the h2c endpoint hand the connections the options
// select to the frame-level server, which answers each gRPC request with
// act once it read its body, and every other request normally.
func grpcBehavior(env *harness.Environment, opts Options, act grpcCall) (Injection, error) {
	return h2Behavior(env, opts, func(c *harness.H2Conn, r *harness.H2Request) bool {
		if !harness.IsGRPC(r.Request) {
			return c.Answer(r) != nil
		}
		body, err := c.ReadBody(r)
		if err != nil {
			var se http2.StreamError
			// The client reset the stream: the connection goes on.
			return !errors.As(err, &se)
		}
		return act(c, r, body)
	})
}

// GRPCCode is a gRPC status code by name, as the gRPC protocol spells it
// (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL...).
type GRPCCode string

// code is the status code's number, or an error naming the valid ones.
// A fault never sends OK as its failure.
func (c GRPCCode) code() (int, error) {
	n, err := harness.ParseGRPCCode(string(c))
	if err != nil || fmt.Sprint(n) == string(c) {
		return 0, fmt.Errorf("code: expected a gRPC status code name other than OK, one of %s; got %q",
			strings.Join(harness.GRPCCodeNames()[1:], ", "), string(c))
	}
	if n == 0 {
		return 0, errors.New("code: expected a gRPC status code other than OK: OK is no failure")
	}
	return n, nil
}

// grpcReply is the origin's reply to a gRPC request body: the echo of its
// first message, length-prefixed, or nothing when the body holds no whole
// message.
func grpcReply(body []byte) []byte {
	if len(body) < 5 {
		return nil
	}
	n := int(body[1])<<24 | int(body[2])<<16 | int(body[3])<<8 | int(body[4])
	if len(body) < 5+n {
		return nil
	}
	return harness.GRPCFrame(harness.GRPCReply(body[5 : 5+n]))
}

// grpcContentType is the content-type of the answer to r: the request's
// own gRPC content-type.
func grpcContentType(r *harness.H2Request) string {
	return r.Request.Header.Get("Content-Type")
}

// writeGRPCHead sends the response HEADERS of a gRPC answer: :status 200
// and the content-type, the stream left open.
func writeGRPCHead(c *harness.H2Conn, r *harness.H2Request) error {
	return c.WriteHeaderFields(r, 200, []hpack.HeaderField{
		{Name: ":status", Value: "200"}, {Name: "content-type", Value: grpcContentType(r)},
	}, false)
}

// grpcStatusFields are the trailer fields of a gRPC status: grpc-status,
// and grpc-message (percent-encoded) unless message is empty.
func grpcStatusFields(code int, message string) []hpack.HeaderField {
	fields := []hpack.HeaderField{{Name: "grpc-status", Value: fmt.Sprint(code)}}
	if message != "" {
		fields = append(fields, hpack.HeaderField{Name: "grpc-message", Value: harness.EncodeGRPCMessage(message)})
	}
	return fields
}

// writeGRPCTrailers ends r's stream with trailers: a HEADERS frame with
// the gRPC status fields.
func writeGRPCTrailers(c *harness.H2Conn, r *harness.H2Request, code int, message string) error {
	return c.WriteHeaderFields(r, 200, grpcStatusFields(code, message), true)
}
