package harness

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TestH2COriginServesGRPC checks that the h2c endpoint answers a real
// gRPC client's calls, any method, with the echo of its message and OK,
// beside the routes over plain HTTP/2 on the same connection's endpoint,
// and notes each call in the journal under the client's request id with
// the length-prefixed answer as its body.
func TestH2COriginServesGRPC(t *testing.T) {
	origin, err := StartOrigin("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()
	h, err := StartH2COrigin("127.0.0.1:0", origin)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	cc, err := grpc.NewClient(h.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(RawCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()

	for i, tc := range []struct{ method, id, msg string }{
		{GRPCMethod, "grpc-1", "ping"},
		{"/any.Service/Whatever", "grpc-2", "a longer message, echoed whole"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			from := time.Now()
			ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), RequestIDHeader, tc.id), 10*time.Second)
			defer cancel()
			var reply []byte
			var trailer metadata.MD
			if err := cc.Invoke(ctx, tc.method, []byte(tc.msg), &reply, grpc.Trailer(&trailer)); err != nil {
				t.Fatalf("call: %v", err)
			}
			if string(reply) != tc.msg {
				t.Fatalf("reply %q; want the echo %q", reply, tc.msg)
			}
			evs, _ := origin.journal.attempts(tc.id, 1, from, time.Now())
			if len(evs) != 1 {
				t.Fatalf("journal: %d attempts for %s; want 1: %+v", len(evs), tc.id, evs)
			}
			a := evs[0].Attempt
			framed := make([]byte, 5+len(tc.msg))
			binary.BigEndian.PutUint32(framed[1:], uint32(len(tc.msg)))
			copy(framed[5:], tc.msg)
			sum := sha256.Sum256(framed)
			if a.Endpoint != "h2c" || !a.Tagged || a.Answer == nil || a.Answer.Status != 200 ||
				a.Answer.Sent != int64(len(framed)) || a.Answer.SHA256 != hex.EncodeToString(sum[:]) || !a.Answer.Complete {
				t.Fatalf("journal: %+v answer %+v; want a tagged h2c attempt answered 200 with the framed echo", a, a.Answer)
			}
			if got := origin.Requests(); got != i+1 {
				t.Fatalf("origin counted %d requests; want %d", got, i+1)
			}
		})
	}

	// A call with no message at all is refused by the method.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := cc.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, GRPCMethod)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var reply []byte
	if err := stream.RecvMsg(&reply); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("an empty call: %v; want InvalidArgument", err)
	}
	if got := h.Connections(); got != 1 {
		t.Fatalf("%d connections; want 1", got)
	}
}

// TestGRPCWireHelpers checks the helpers that read and write gRPC's
// fields and framing: grpc-timeout values, status codes by name or
// number, grpc-message's percent-encoding, and counting the messages of a
// body.
func TestGRPCWireHelpers(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{300 * time.Millisecond, "300000u"}, {time.Nanosecond, "1n"}, {2 * time.Minute, "120000m"}, {200 * time.Hour, "720000S"}} {
		if got := grpcTimeout(tc.d); got != tc.want {
			t.Errorf("grpcTimeout(%s) = %q; want %q", tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{{"UNAVAILABLE", 14, false}, {"deadline_exceeded", 4, false}, {"0", 0, false}, {"16", 16, false}, {"17", 0, true}, {"Unavailable ", 0, true}, {"", 0, true}} {
		got, err := ParseGRPCCode(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseGRPCCode(%q) = %d, %v; want %d, error %t", tc.in, got, err, tc.want, tc.err)
		}
	}
	if GRPCCodeName(14) != "UNAVAILABLE" || GRPCCodeName(42) != "42" {
		t.Errorf("GRPCCodeName: %q %q", GRPCCodeName(14), GRPCCodeName(42))
	}
	for _, msg := range []string{"plain", "100% sure", "é\n", ""} {
		enc := EncodeGRPCMessage(msg)
		if DecodeGRPCMessage(enc) != msg || strings.ContainsAny(enc, "\n") {
			t.Errorf("grpc-message %q encoded %q decodes to %q", msg, enc, DecodeGRPCMessage(enc))
		}
	}
	if got := EncodeGRPCMessage("100% sure"); got != "100%25 sure" {
		t.Errorf("EncodeGRPCMessage: %q", got)
	}
	two := append(GRPCFrame([]byte("ab")), GRPCFrame(nil)...)
	for _, tc := range []struct {
		body  []byte
		whole int
		cut   bool
	}{{nil, 0, false}, {two, 2, false}, {two[:len(two)-1], 1, true}, {GRPCFrame([]byte("abc"))[:7], 0, true}, {[]byte{0, 0}, 0, true}} {
		if whole, cut := countGRPCMessages(tc.body); whole != tc.whole || cut != tc.cut {
			t.Errorf("countGRPCMessages(%q) = %d, %t; want %d, %t", tc.body, whole, cut, tc.whole, tc.cut)
		}
	}
}
