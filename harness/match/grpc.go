package match

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
)

// DescribeGRPC is what the answer to a gRPC call said, gRPC status first,
// then the HTTP answer: `grpc-status UNAVAILABLE (14) "draining" in
// trailers, 0 messages; status 200 in 3ms`.
func DescribeGRPC(o harness.Observation) string {
	return o.GRPC.String() + "; " + o.String()
}

// HaveGRPCStatusMatching matches the answer to a gRPC call whose gRPC
// status satisfies ok, which gets -1 when the answer carried no
// grpc-status (in trailers or a trailers-only answer); desc says what
// ok accepts. An observation of a request that was no gRPC call does
// not match.
func HaveGRPCStatusMatching(desc string, ok func(code int) bool) types.GomegaMatcher {
	return observationMatcher{expected: "grpc-status " + desc, observed: DescribeGRPC, match: func(o harness.Observation) bool {
		return o.GRPC != nil && ok(o.GRPC.Status)
	}}
}

// HaveGRPCStatus matches the answer to a gRPC call whose grpc-status is
// code.
func HaveGRPCStatus(code int) types.GomegaMatcher {
	return HaveGRPCStatusMatching(fmt.Sprintf("%s (%d)", harness.GRPCCodeName(code), code), func(c int) bool { return c == code })
}

// HaveGRPCMessage matches the answer to a gRPC call that carried a
// grpc-status whose grpc-message (percent-decoded) is msg.
func HaveGRPCMessage(msg string) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("grpc-message %q", msg), observed: DescribeGRPC, match: func(o harness.Observation) bool {
		return o.GRPC.HasStatus() && o.GRPC.Message == msg
	}}
}
