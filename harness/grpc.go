package harness

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The origin's h2c endpoint answers gRPC too: a request whose
// content-type is application/grpc (or application/grpc+something) is
// served by google.golang.org/grpc, whatever its method, with no protobuf
// code: messages are carried as raw bytes (RawCodec), and every method
// echoes the message it was sent (GRPCReply). The request is counted and
// noted in the journal under the client's request id like any other, and
// the answer's bytes (length-prefixed messages) as its body.

// GRPCContentType is the content-type of a gRPC request or answer, as
// gatecrash's client sends it (the raw codec takes the name "proto", so
// that its messages look like any serialized protobuf on the wire).
const GRPCContentType = "application/grpc+proto"

// GRPCMethod is the gRPC method gatecrash calls when a scenario names
// none: the origin answers every method the same.
const GRPCMethod = "/gatecrash.Echo/Call"

// IsGRPC says r is a gRPC request: its content-type is application/grpc,
// with or without a subtype.
func IsGRPC(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") || strings.HasPrefix(ct, "application/grpc;")
}

// GRPCReply is the message the origin's gRPC methods answer request
// with: the request's message, echoed.
func GRPCReply(request []byte) []byte { return append([]byte(nil), request...) }

// RawCodec is a gRPC codec whose messages are raw bytes: it marshals a
// []byte or *[]byte as it is, and unmarshals into a *[]byte. It lets
// gatecrash's origin and client call any method with no generated code.
type RawCodec struct{}

// Marshal returns the bytes of v, a []byte or *[]byte.
func (RawCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case []byte:
		return m, nil
	case *[]byte:
		return *m, nil
	}
	return nil, fmt.Errorf("raw codec: expected []byte or *[]byte, got %T", v)
}

// Unmarshal copies data into v, a *[]byte.
func (RawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: expected *[]byte, got %T", v)
	}
	*m = append((*m)[:0], data...)
	return nil
}

// Name is "proto": the messages go as application/grpc+proto.
func (RawCodec) Name() string { return "proto" }

// newGRPCServer is the origin's gRPC server: every method of every
// service reads the client's messages and answers each with GRPCReply,
// then OK.
func newGRPCServer() *grpc.Server {
	return grpc.NewServer(grpc.ForceServerCodec(RawCodec{}), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		n := 0
		for {
			var in []byte
			if err := stream.RecvMsg(&in); err != nil {
				if !errors.Is(err, io.EOF) {
					return err
				}
				if n == 0 {
					return status.Error(codes.InvalidArgument, "gatecrash origin: no request message")
				}
				return nil
			}
			n++
			if err := stream.SendMsg(GRPCReply(in)); err != nil {
				return err
			}
		}
	}))
}

// grpcHandler serves the origin's gRPC requests with srv and the others
// with the origin's routes, noting each gRPC request and its answer in the
// journal as serveHTTP does.
func (o *Origin) grpcHandler(srv *grpc.Server) http.Handler {
	return http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
		if !IsGRPC(r) {
			o.serveHTTP(hw, r)
			return
		}
		o.requests.Add(1)
		if c, ok := r.Context().Value(connRequestsKey{}).(*atomic.Int64); ok {
			c.Add(1)
		}
		conn, _ := r.Context().Value(connKey{}).(net.Conn)
		w := &answerRecorder{ResponseWriter: hw, journal: o.journal, entry: o.journal.request(conn, r)}
		defer w.finish()
		srv.ServeHTTP(w, r)
	})
}
