package reports

import (
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// jsonStream is a harness.StreamObservation (what the client saw of a
// WebSocket or an event stream) in the JSON report.
type jsonStream struct {
	Kind      string        `json:"kind"`
	Upgraded  bool          `json:"upgraded"`
	Sent      int           `json:"sent,omitempty"`
	Messages  int           `json:"messages"`
	Events    int           `json:"events"`
	Bytes     int64         `json:"bytes"`
	CloseCode int           `json:"close_code,omitempty"`
	OpenFor   time.Duration `json:"open_for_ns"`
	StillOpen bool          `json:"still_open"`
	Probed    bool          `json:"probed,omitempty"`
	Tunneled  bool          `json:"tunneled"`
}

func streamToJSON(s *harness.StreamObservation) *jsonStream {
	if s == nil {
		return nil
	}
	return &jsonStream{Kind: s.Kind, Upgraded: s.Upgraded, Sent: s.Sent, Messages: s.Messages, Events: s.Events,
		Bytes: s.Bytes, CloseCode: s.CloseCode, OpenFor: s.OpenFor, StillOpen: s.StillOpen, Probed: s.Probed, Tunneled: s.Tunneled}
}

func (j *jsonStream) record() *harness.StreamObservation {
	if j == nil {
		return nil
	}
	return &harness.StreamObservation{Kind: j.Kind, Upgraded: j.Upgraded, Sent: j.Sent, Messages: j.Messages, Events: j.Events,
		Bytes: j.Bytes, CloseCode: j.CloseCode, OpenFor: j.OpenFor, StillOpen: j.StillOpen, Probed: j.Probed, Tunneled: j.Tunneled}
}
