package faults

import (
	"context"
	"errors"

	"github.com/gatecrash/gatecrash/harness"
)

// Bandwidth caps the throughput between gateway and origin, as a
// saturated link or a traffic shaper does: bodies arrive, slowly.
type Bandwidth struct {
	// Rate is the cap in KB/s (1 KB = 1000 bytes), whole numbers from 1.
	Rate int64 `yaml:"rate" json:"rate"`
}

func init() {
	Register(Definition{
		Name:    "bandwidth",
		Family:  FamilyFirewall,
		Summary: "throughput between gateway and origin is capped at a rate in KB/s",
		Example: "{bandwidth: {rate: 4, direction: downstream}}",
		Options: Probabilistic | Scheduled | Directional | Targeted,
		New:     func() Fault { return &Bandwidth{Rate: 1} },
	})
}

// Validate rejects a rate below 1 KB/s: toxiproxy takes 0 for no cap.
func (f *Bandwidth) Validate() error {
	if f.Rate < 1 {
		return errors.New("rate: expected a whole number of KB/s from 1, such as 4")
	}
	return nil
}

// Inject adds toxiproxy's bandwidth toxic on the chosen stream.
func (f *Bandwidth) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return toxic(env, opts, "bandwidth", map[string]any{"rate": f.Rate})
}
