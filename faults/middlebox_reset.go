package faults

import (
	"context"
	"errors"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// MiddleboxReset makes something between gateway and origin reset the
// connection, as a firewall or load balancer that drops its state does: the
// first data on the chosen stream arms a timer, then both ends get a TCP
// RST.
type MiddleboxReset struct {
	// Timeout is how long after the first data on the stream the reset
	// comes (0: at once).
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
}

func init() {
	Register(Definition{
		Name:    "middlebox_reset",
		Family:  FamilyFirewall,
		Summary: "a middlebox resets connections (TCP RST) once data flows, after a timeout",
		Example: "{middlebox_reset: {timeout: 500ms, direction: upstream}}",
		Options: Probabilistic | Scheduled | Directional | Targeted,
		New:     func() Fault { return &MiddleboxReset{} },
	})
}

// Validate rejects timeouts toxiproxy cannot express (whole milliseconds)
// and long ones.
func (f *MiddleboxReset) Validate() error {
	if f.Timeout%time.Millisecond != 0 {
		return errors.New("timeout: expected whole milliseconds, such as 500ms")
	}
	// toxiproxy's reset_peer waits out its timeout even while the toxic is
	// removed, holding the proxy: keep clearing quick.
	if f.Timeout < 0 || f.Timeout > 2*time.Second {
		return errors.New("timeout: expected 0 to 2s before the reset")
	}
	return nil
}

// Inject adds toxiproxy's reset_peer toxic on the chosen stream. It sets
// SO_LINGER 0, the RST, on connections made from now on; connections
// already open when it is added are closed with a FIN instead. With a
// probability, the connections spared get their whole answer but still
// end with an RST rather than a FIN: toxiproxy sets SO_LINGER on them all.
func (f *MiddleboxReset) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return toxic(env, opts, "reset_peer", map[string]any{"timeout": f.Timeout.Milliseconds()})
}
