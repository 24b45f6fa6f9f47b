package scenarios

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

// GRPCSpec makes a scenario's request a gRPC call: a unary call the
// client sends the gateway over HTTP/2 with prior knowledge (h2c), as
// gRPC clients do. The gateway must accept h2c on its address.
type GRPCSpec struct {
	// Method is the call's path, /package.Service/Method (default
	// /gatecrash.Echo/Call); the origin answers any method.
	Method string `yaml:"method" json:"method,omitempty"`
	// Message is the request message, sent as raw bytes; the origin's
	// reply echoes it.
	Message string `yaml:"message" json:"message,omitempty"`
	// Timeout, when set, is sent as grpc-timeout: the call's deadline, as
	// a gRPC client gives it.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// harness is the call as the harness sends it.
func (g *GRPCSpec) harness() *harness.GRPCRequest {
	if g == nil {
		return nil
	}
	return &harness.GRPCRequest{Method: g.Method, Message: g.Message, Timeout: g.Timeout.D()}
}

// GRPCStatusSet matches gRPC status codes: each by name (UNAVAILABLE) or
// number (14), or none, for an answer that carried no grpc-status.
type GRPCStatusSet []int

// grpcNone stands for "no grpc-status" in a GRPCStatusSet.
const grpcNone = -1

// grpcStatusExpected is what a grpc_status may be.
const grpcStatusExpected = "expected a gRPC status code, by name (such as UNAVAILABLE) or number (0 to 16), none for an answer without grpc-status, or a list of them"

// Matches reports whether code (-1: none) is in the set.
func (s GRPCStatusSet) Matches(code int) bool {
	for _, c := range s {
		if c == code {
			return true
		}
	}
	return false
}

// String writes the set as a suite would: UNAVAILABLE, or [UNAVAILABLE,
// none].
func (s GRPCStatusSet) String() string {
	parts := s.names()
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (s GRPCStatusSet) names() []string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = "none"
		if c != grpcNone {
			parts[i] = harness.GRPCCodeName(c)
		}
	}
	return parts
}

// MarshalJSON writes the set as a list of names, such as ["UNAVAILABLE"].
func (s GRPCStatusSet) MarshalJSON() ([]byte, error) { return json.Marshal(s.names()) }

func (s *GRPCStatusSet) decodeNode(dec *decoder, node ast.Node, path string) {
	items := []ast.Node{node}
	if seq, ok := node.(*ast.SequenceNode); ok {
		items = seq.Values
		if len(items) == 0 {
			dec.fail(node, "%s: %s; got an empty list", path, grpcStatusExpected)
			return
		}
	}
	for _, item := range items {
		item = unwrap(item)
		var text string
		switch n := item.(type) {
		case *ast.IntegerNode:
			text = n.GetToken().Value
		case *ast.StringNode:
			text = n.Value
		default:
			dec.fail(item, "%s: %s; got %s", path, grpcStatusExpected, describe(item))
			continue
		}
		if strings.EqualFold(text, "none") {
			*s = append(*s, grpcNone)
			continue
		}
		code, err := harness.ParseGRPCCode(text)
		if err != nil || strings.Trim(text, "0123456789") == "" && text != strconv.Itoa(code) {
			dec.fail(item, "%s: %s; got %q", path, grpcStatusExpected, text)
			continue
		}
		*s = append(*s, code)
	}
}

// grpcStatusSchema is the JSON Schema of a GRPCStatusSet.
func grpcStatusSchema() map[string]any {
	names := append(harness.GRPCCodeNames(), "none")
	one := map[string]any{"anyOf": []any{
		map[string]any{"type": "integer", "minimum": 0, "maximum": 16},
		map[string]any{"type": "string", "enum": names},
	}}
	return map[string]any{
		"description": "a gRPC status code by name or number, none (no grpc-status), or a list of them",
		"anyOf":       []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}},
	}
}

// validateGRPC checks a scenario's gRPC call and expectations: the call
// takes no method or body of its own, a load does not send it, and the
// gRPC expectations need it.
func (sc *Scenario) validateGRPC(d *decoder, at string) {
	if sc.Request.H2C && sc.Load != nil {
		d.failPath(at+".load", "%s.load: a load sends HTTP/1.1 requests; expected no load with request.h2c", at)
	}
	if g := sc.Request.GRPC; g != nil {
		if sc.Request.Method != "" {
			d.failPath(at+".request.method", "%s.request.method: a gRPC call is a POST; expected no method beside request.grpc", at)
		}
		if sc.Request.Body != "" {
			d.failPath(at+".request.body", "%s.request.body: a gRPC call's body is its message; expected request.grpc.message instead", at)
		}
		if sc.Request.Path != "" {
			d.failPath(at+".request.path", "%s.request.path: a gRPC call's path is its method; expected request.grpc.method instead", at)
		}
		if m := g.Method; m != "" && (!strings.HasPrefix(m, "/") || strings.Count(m, "/") != 2 || targetProblem(m) != "") {
			d.failPath(at+".request.grpc.method", "%s.request.grpc.method: expected a gRPC method path, /package.Service/Method; got %q", at, m)
		}
		if g.Timeout < 0 {
			d.failPath(at+".request.grpc.timeout", "%s.request.grpc.timeout: expected a positive duration; got %s", at, g.Timeout)
		}
		if sc.Load != nil {
			d.failPath(at+".load", "%s.load: a load sends plain HTTP requests; expected no load with request.grpc", at)
		}
		return
	}
	for _, f := range []string{"grpc_status", "grpc_message", "recovers.grpc_status"} {
		if _, set := d.nodes[at+".expect."+f]; set {
			d.failPath(at+".expect."+f, "%s.expect.%s: judges a gRPC call: add request: {grpc: {method: %s}} to the scenario", at, f, harness.GRPCMethod)
		}
	}
}

// grpcChecks adds the expectations on a gRPC call's status and message.
func (e *Expect) grpcChecks(add func(name, expected string, on Subject, m types.GomegaMatcher, observed func(any) string)) {
	if len(e.GRPCStatus) > 0 {
		add("grpc_status", "grpc-status "+e.GRPCStatus.String(), OnRequest,
			match.HaveGRPCStatusMatching(e.GRPCStatus.String(), e.GRPCStatus.Matches), onObs(match.DescribeGRPC))
	}
	if e.GRPCMessage != nil {
		add("grpc_message", fmt.Sprintf("grpc-message %q", *e.GRPCMessage), OnRequest,
			match.HaveGRPCMessage(*e.GRPCMessage), onObs(match.DescribeGRPC))
	}
}
