package faults_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// rawGRPC sends one gRPC call (/gatecrash.Echo/Call, the message "ping")
// over h2c with prior knowledge, written frame by frame, and lists every
// frame the origin sends back until the frame that ends or resets the
// stream, or the connection's end, or wait passes. A HEADERS frame shows
// every field but the date, in order.
func rawGRPC(addr string, wait time.Duration) []string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))
	_, err = conn.Write([]byte(http2.ClientPreface))
	Expect(err).NotTo(HaveOccurred())
	fr := http2.NewFramer(conn, conn)
	Expect(fr.WriteSettings()).To(Succeed())
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "origin"}, {":path", harness.GRPCMethod},
		{"content-type", harness.GRPCContentType}, {"te", "trailers"}, {"x-gatecrash-request", "raw-grpc-1"}} {
		Expect(enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})).To(Succeed())
	}
	Expect(fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true})).To(Succeed())
	Expect(fr.WriteData(1, true, harness.GRPCFrame([]byte("ping")))).To(Succeed())
	dec := hpack.NewDecoder(4096, nil)
	var seen []string
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return append(seen, "EOF")
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return append(seen, "timeout")
			}
			return append(seen, "error: "+err.Error())
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				Expect(fr.WriteSettingsAck()).To(Succeed())
				seen = append(seen, "SETTINGS")
			} else {
				seen = append(seen, "SETTINGS ack")
			}
		case *http2.HeadersFrame:
			Expect(f.HeadersEnded()).To(BeTrue(), "one HEADERS frame, no CONTINUATION")
			fields, err := dec.DecodeFull(f.HeaderBlockFragment())
			Expect(err).NotTo(HaveOccurred())
			var kv []string
			for _, hf := range fields {
				if hf.Name != "date" {
					kv = append(kv, hf.Name+"="+hf.Value)
				}
			}
			seen = append(seen, fmt.Sprintf("HEADERS end_stream=%t %s", f.StreamEnded(), strings.Join(kv, " ")))
			if f.StreamEnded() {
				return seen
			}
		case *http2.DataFrame:
			seen = append(seen, fmt.Sprintf("DATA %q end_stream=%t", f.Data(), f.StreamEnded()))
			if f.StreamEnded() {
				return seen
			}
		case *http2.RSTStreamFrame:
			return append(seen, "RST_STREAM "+f.ErrCode.String())
		case *http2.WindowUpdateFrame, *http2.PingFrame:
		default:
			seen = append(seen, f.Header().Type.String())
		}
	}
}

// grpcResult is what a real gRPC client got from a call.
type grpcResult struct {
	Reply   string
	Code    codes.Code
	Message string
	Elapsed time.Duration
}

// grpcCall makes one unary call with grpc-go, dialing addr over h2c with
// insecure credentials, with timeout as its deadline (sent as
// grpc-timeout).
func grpcCall(ctx context.Context, addr string, timeout time.Duration) grpcResult {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(harness.RawCodec{})))
	Expect(err).NotTo(HaveOccurred())
	defer cc.Close()
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, harness.RequestIDHeader, "grpc-client-1"), timeout)
	defer cancel()
	var reply []byte
	start := time.Now()
	err = cc.Invoke(ctx, harness.GRPCMethod, []byte("ping"), &reply)
	st := status.Convert(err)
	return grpcResult{Reply: string(reply), Code: st.Code(), Message: st.Message(), Elapsed: time.Since(start)}
}

// These specs prove the gRPC faults on the wire: the frames a raw client
// reads, and what a real gRPC client (grpc-go) makes of them, both
// dialing the origin's h2c endpoint directly.
var _ = Describe("gRPC faults on the wire", func() {
	var (
		env  *harness.Environment
		addr string
	)

	BeforeEach(func(ctx SpecContext) {
		env = startEnvWith(ctx, harness.Config{H2C: true})
		addr = env.Addresses().OriginH2C
		Expect(addr).NotTo(BeEmpty())
	})

	inject := func(ctx context.Context, f faults.Fault, opts faults.Options) {
		in, err := faults.Inject(ctx, env, f, opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	// grpc-go's handler declares its trailers in the head (Trailer), as
	// net/http asks; x/net/http2's server sends that field as it is.
	It("answers gRPC healthy with google.golang.org/grpc: the echo, then grpc-status 0 in trailers", func(ctx SpecContext) {
		Expect(rawGRPC(addr, 2*time.Second)).To(Equal([]string{
			"SETTINGS", "SETTINGS ack",
			"HEADERS end_stream=false :status=200 content-type=application/grpc+proto trailer=Grpc-Status trailer=Grpc-Message trailer=Grpc-Status-Details-Bin",
			`DATA "\x00\x00\x00\x00\x04ping" end_stream=false`,
			"HEADERS end_stream=true grpc-status=0",
		}))
		Expect(grpcCall(ctx, addr, 5*time.Second)).To(And(HaveField("Code", codes.OK), HaveField("Reply", "ping")))
		Expect(env.Origin.Requests()).To(Equal(2))
	})

	DescribeTable("the frames each fault sends, and what a real gRPC client gets",
		func(ctx SpecContext, name string, f faults.Fault, frames []string, client OmegaMatcher) {
			def, ok := faults.Lookup(name)
			Expect(ok).To(BeTrue(), "fault %q is registered", name)
			Expect(def.Family).To(Equal(faults.FamilyGRPC))
			Expect(def.Needs.H2C).To(BeTrue())
			if f == nil {
				f = def.New()
			}
			inject(ctx, f, faults.Options{})
			Expect(rawGRPC(addr, 2*time.Second)).To(Equal(frames))
			Expect(grpcCall(ctx, addr, 5*time.Second)).To(client)
			Expect(env.Origin.Requests()).To(Equal(2), "both calls were read and noted")
		},
		Entry("grpc_status: the head, then UNAVAILABLE in trailers", "grpc_status", nil,
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=false :status=200 content-type=application/grpc+proto",
				"HEADERS end_stream=true grpc-status=14 grpc-message=gatecrash: the service is unavailable"},
			And(HaveField("Code", codes.Unavailable), HaveField("Message", "gatecrash: the service is unavailable"), HaveField("Reply", ""))),
		Entry("grpc_status after a message, with a message to percent-encode", "grpc_status",
			&faults.GRPCStatus{Code: "RESOURCE_EXHAUSTED", Message: "quota 100% used", AfterMessage: true},
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=false :status=200 content-type=application/grpc+proto",
				`DATA "\x00\x00\x00\x00\x04ping" end_stream=false`,
				"HEADERS end_stream=true grpc-status=8 grpc-message=quota 100%25 used"},
			And(HaveField("Code", codes.ResourceExhausted), HaveField("Message", "quota 100% used"))),
		Entry("grpc_trailers_only: one HEADERS with :status and grpc-status, ending the stream", "grpc_trailers_only", nil,
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=true :status=200 content-type=application/grpc+proto grpc-status=14 grpc-message=gatecrash: the service is unavailable"},
			And(HaveField("Code", codes.Unavailable), HaveField("Message", "gatecrash: the service is unavailable"))),
		Entry("grpc_trailers_missing: the head and the message, the stream ended without trailers", "grpc_trailers_missing", nil,
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=false :status=200 content-type=application/grpc+proto",
				`DATA "\x00\x00\x00\x00\x04ping" end_stream=true`},
			And(HaveField("Code", codes.Internal), HaveField("Message", ContainSubstring("without sending trailers")))),
		Entry("grpc_message_cut: a prefix announcing 20 bytes, 4 sent, then END_STREAM", "grpc_message_cut", nil,
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=false :status=200 content-type=application/grpc+proto",
				`DATA "\x00\x00\x00\x00\x14ping" end_stream=false`, `DATA "" end_stream=true`},
			And(HaveField("Code", codes.Internal), HaveField("Reply", ""))),
		Entry("grpc_message_cut ending with RST_STREAM", "grpc_message_cut", &faults.GRPCMessageCut{Missing: 1, End: "rst_stream"},
			[]string{"SETTINGS", "SETTINGS ack",
				"HEADERS end_stream=false :status=200 content-type=application/grpc+proto",
				`DATA "\x00\x00\x00\x00\x05ping" end_stream=false`, "RST_STREAM INTERNAL_ERROR"},
			And(HaveField("Code", codes.Internal), HaveField("Reply", ""))),
	)

	It("grpc_no_answer: nothing after SETTINGS; the client's deadline (grpc-timeout) ends the call", func(ctx SpecContext) {
		inject(ctx, &faults.GRPCNoAnswer{}, faults.Options{})
		Expect(rawGRPC(addr, 500*time.Millisecond)).To(Equal([]string{"SETTINGS", "SETTINGS ack", "timeout"}))
		got := grpcCall(ctx, addr, 300*time.Millisecond)
		Expect(got.Code).To(Equal(codes.DeadlineExceeded))
		Expect(got.Elapsed).To(And(BeNumerically(">=", 300*time.Millisecond), BeNumerically("<", 3*time.Second)))
		Expect(env.Origin.Requests()).To(Equal(2))
	})

	It("grpc_no_answer after_headers: the head, then nothing", func(ctx SpecContext) {
		inject(ctx, &faults.GRPCNoAnswer{AfterHeaders: true}, faults.Options{})
		Expect(rawGRPC(addr, 500*time.Millisecond)).To(Equal([]string{"SETTINGS", "SETTINGS ack",
			"HEADERS end_stream=false :status=200 content-type=application/grpc+proto", "timeout"}))
		Expect(grpcCall(ctx, addr, 300*time.Millisecond).Code).To(Equal(codes.DeadlineExceeded))
	})

	It("answers a plain HTTP/2 request on a faulty connection normally, and clears", func(ctx SpecContext) {
		inject(ctx, &faults.GRPCTrailersOnly{Code: "UNAVAILABLE"}, faults.Options{Attempts: faults.Attempts{From: 1, To: 1}})
		status, body, err := h2cGet(h2cClient(), addr)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(200))
		Expect(body).To(Equal(h2Body))
		Expect(grpcCall(ctx, addr, 5*time.Second)).To(And(HaveField("Code", codes.OK), HaveField("Reply", "ping")), "the second connection is not selected")
	})

	// The builtin gateway (ReverseProxy on net/http's HTTP/2 server) is
	// checked here too, with the same two clients: what gatecrash's own
	// client observes through it (suites' grpc_status) must be what a gRPC
	// client concludes.
	It("through the builtin gateway, a trailers-only answer stays trailers-only (with a content-length: 0 added)", func(ctx SpecContext) {
		gw := strings.TrimPrefix(env.Gateway.URL(), "http://")
		Expect(rawGRPC(gw, 2*time.Second)).To(ContainElement(HavePrefix("HEADERS end_stream=true grpc-status=0")), "healthy, the trailers go through")
		inject(ctx, &faults.GRPCTrailersOnly{Code: "UNAVAILABLE", Message: "draining"}, faults.Options{})
		Expect(rawGRPC(gw, 2*time.Second)).To(Equal([]string{"SETTINGS", "SETTINGS ack",
			"HEADERS end_stream=true :status=200 content-type=application/grpc+proto grpc-message=draining grpc-status=14 content-length=0"}))
		Expect(grpcCall(ctx, gw, 5*time.Second)).To(And(HaveField("Code", codes.Unavailable), HaveField("Message", "draining")))
		obs := env.Do(ctx, harness.Request{Timeout: 5 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping"}})
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: 14, Message: "draining", Where: "trailers-only"}))
	})

	// A head with a grpc-status that does not end the stream is no
	// trailers-only answer: gRPC clients ignore the status in it, and so
	// does gatecrash's client.
	It("a grpc-status in a head the stream goes on after is no status, for grpc-go and gatecrash's client alike", func(ctx SpecContext) {
		env.H2C.SetBehavior(func(ctx context.Context, conn net.Conn, h *harness.H2COrigin) {
			c, err := h.Accept(conn)
			if err != nil {
				return
			}
			for {
				r, err := c.NextRequest()
				if err != nil {
					return
				}
				if _, err := c.ReadBody(r); err != nil {
					return
				}
				_ = c.WriteHeaderFields(r, 200, []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "content-type", Value: harness.GRPCContentType},
					{Name: "grpc-status", Value: "14"}, {Name: "content-length", Value: "0"}}, false)
				_ = c.WriteData(r, nil, true)
			}
		})
		DeferCleanup(env.H2C.SetBehavior, harness.H2CBehavior(nil))
		Expect(grpcCall(ctx, addr, 5*time.Second).Code).To(Equal(codes.Internal))
		obs := harness.Do(ctx, "http://"+addr, harness.Request{Timeout: 5 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping"}})
		Expect(obs.ErrorKind).To(BeEmpty())
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: -1, InHead: "14"}))
	})

	It("through the builtin gateway, a status in trailers reaches a gRPC client, and a stalled call ends at the response timeout (504), grpc-timeout or not", func(ctx SpecContext) {
		gw := strings.TrimPrefix(env.Gateway.URL(), "http://")
		inject(ctx, &faults.GRPCStatus{Code: "UNAVAILABLE", Message: "draining"}, faults.Options{})
		Expect(grpcCall(ctx, gw, 5*time.Second)).To(And(HaveField("Code", codes.Unavailable), HaveField("Message", "draining")))
		obs := env.Do(ctx, harness.Request{Timeout: 5 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping"}})
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: 14, Message: "draining", Where: "trailers"}))
	})

	It("validates the code, the missing count and the end; refuses to inject without the h2c endpoint", func(ctx SpecContext) {
		Expect((&faults.GRPCStatus{Code: "OK"}).Validate()).To(MatchError(ContainSubstring("OK is no failure")))
		Expect((&faults.GRPCStatus{Code: "14"}).Validate()).To(MatchError(ContainSubstring("code: expected a gRPC status code name other than OK, one of CANCELLED, UNKNOWN")))
		Expect((&faults.GRPCTrailersOnly{Code: "UNAVAILABEL"}).Validate()).To(MatchError(ContainSubstring(`got "UNAVAILABEL"`)))
		Expect((&faults.GRPCStatus{Code: "deadline_exceeded"}).Validate()).To(Succeed())
		Expect((&faults.GRPCMessageCut{Missing: 0, End: "end_stream"}).Validate()).To(MatchError(ContainSubstring("missing: expected 1 to")))
		Expect((&faults.GRPCMessageCut{Missing: 1, End: "fin"}).Validate()).To(MatchError(`end: expected end_stream or rst_stream; got "fin"`))
		plain := startEnv(ctx)
		for _, d := range faults.All() {
			if d.Family != faults.FamilyGRPC {
				continue
			}
			if v, ok := d.New().(faults.Validator); ok {
				Expect(v.Validate()).To(Succeed(), "%s's defaults", d.Name)
			}
			_, err := faults.Inject(ctx, plain, d.New(), faults.Options{})
			Expect(err).To(MatchError(ContainSubstring("origin.h2c: true")), d.Name)
			Expect(d.New().(faults.SuiteChecker).CheckSuite(faults.SuiteFacts{})).To(MatchError(ContainSubstring("origin.h2c: true")), d.Name)
		}
	})
})
