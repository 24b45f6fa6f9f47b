package reports

import "github.com/gatecrash/gatecrash/harness"

// jsonGRPC is a harness.GRPCObservation in the JSON report: the gRPC
// status of a call's answer (status -1 and no code name when it carried
// none), where it came, and the messages its body held.
type jsonGRPC struct {
	Status   int    `json:"status"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
	Where    string `json:"where,omitempty"`
	Messages int    `json:"messages"`
	Cut      bool   `json:"cut,omitempty"`
	InHead   string `json:"status_in_head,omitempty"`
	NotGRPC  string `json:"not_grpc_content_type,omitempty"`
}

func grpcToJSON(g *harness.GRPCObservation) *jsonGRPC {
	if g == nil {
		return nil
	}
	j := &jsonGRPC{Status: g.Status, Message: g.Message, Where: g.Where, Messages: g.Messages, Cut: g.Cut, InHead: g.InHead, NotGRPC: g.NotGRPC}
	if g.Status >= 0 {
		j.Code = harness.GRPCCodeName(g.Status)
	}
	return j
}

// record is the gRPC observation read back.
func (j *jsonGRPC) record() *harness.GRPCObservation {
	if j == nil {
		return nil
	}
	return &harness.GRPCObservation{Status: j.Status, Message: j.Message, Where: j.Where, Messages: j.Messages, Cut: j.Cut, InHead: j.InHead, NotGRPC: j.NotGRPC}
}

// grpcBrief is a gRPC call's outcome for the console line:
// "grpc-status UNAVAILABLE", or "no grpc-status".
func grpcBrief(g *harness.GRPCObservation) string {
	if !g.HasStatus() {
		return "no grpc-status"
	}
	return "grpc-status " + harness.GRPCCodeName(g.Status)
}
