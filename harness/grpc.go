package harness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
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

// grpcCodeNames are the gRPC status codes' names, by number, as the gRPC
// protocol spells them (codes.Code's String is CamelCase).
var grpcCodeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
	"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

// GRPCCodeName is a gRPC status code's name (UNAVAILABLE for 14), or its
// number for a code gRPC does not define.
func GRPCCodeName(code int) string {
	if code >= 0 && code < len(grpcCodeNames) {
		return grpcCodeNames[code]
	}
	return strconv.Itoa(code)
}

// GRPCCodeNames lists the gRPC status codes' names, from OK (0) to
// UNAUTHENTICATED (16).
func GRPCCodeNames() []string { return append([]string(nil), grpcCodeNames[:]...) }

// ParseGRPCCode reads a gRPC status code by name (UNAVAILABLE, any case)
// or number (14, from 0 to 16).
func ParseGRPCCode(s string) (int, error) {
	for i, n := range grpcCodeNames {
		if strings.EqualFold(s, n) {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(grpcCodeNames) {
		return n, nil
	}
	return 0, fmt.Errorf("expected a gRPC status code, a name (%s) or a number from 0 to %d; got %q",
		strings.Join(grpcCodeNames[:], ", "), len(grpcCodeNames)-1, s)
}

// EncodeGRPCMessage percent-encodes a grpc-message value as the gRPC
// protocol asks: bytes outside printable ASCII, and '%', as %XX.
func EncodeGRPCMessage(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// DecodeGRPCMessage undoes EncodeGRPCMessage; a malformed escape is kept
// as it is.
func DecodeGRPCMessage(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	var b []byte
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if n, err := strconv.ParseUint(v[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, v[i])
	}
	return string(b)
}

// GRPCFrame is msg as a gRPC length-prefixed message: a zero byte (not
// compressed), its length on four bytes (big endian), then its bytes.
func GRPCFrame(msg []byte) []byte {
	framed := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(framed[1:], uint32(len(msg)))
	copy(framed[5:], msg)
	return framed
}

// clientProtocols are the protocols the builtin gateway accepts from
// clients: HTTP/1.1, and HTTP/2 in clear text with prior knowledge, which
// gRPC clients speak (net/http's server answers the HTTP/2 preface on the
// same port). Its ReverseProxy passes a gRPC answer's trailers on, and
// its ErrorHandler answers a plain 502 or 504, no grpc-status: as a gRPC
// client sees them, UNAVAILABLE or UNKNOWN from the HTTP status.
func clientProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return p
}
