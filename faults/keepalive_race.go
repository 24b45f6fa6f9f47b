package faults

import (
	"context"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// KeepaliveRace makes the origin serve the first request of each connection
// with keep-alive, then close the connection (FIN) without answering when
// the next request arrives on it: the race of a gateway reusing an idle
// connection that the origin's keep-alive timeout is closing, the classic
// intermittent 502. Connections opened before the fault count their earlier
// requests, so a gateway's pooled connection fails on its next use.
//
// Each request that arrives on a reused connection is one attempt for
// probability and attempts.
type KeepaliveRace struct{}

func init() {
	Register(Definition{
		Name:    "keepalive_race",
		Family:  FamilyReuse,
		Summary: "the origin serves a connection's first request with keep-alive, then closes it without answering when the gateway reuses it",
		Example: "{keepalive_race: {probability: 0.5}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &KeepaliveRace{} },
	})
}

// Inject makes the origin drop every selected request that arrives on a
// connection it already served; it leaves pooled connections open.
func (f *KeepaliveRace) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	sel := newSelector(opts)
	behavior := func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n < 2 || !sel.hit() {
			return false
		}
		harness.FaultHit(r.Context())
		hj, ok := w.(http.Hijacker)
		if !ok {
			return false
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return false
		}
		// The request head (and any small body) is already read, so this
		// is a FIN, as from an origin that closed the idle connection.
		_ = conn.Close()
		return true
	}
	hit := inRange(env, opts)
	var clears []func() error
	for _, n := range hit {
		o := env.Origins[n-1]
		o.SetRequestBehavior(behavior)
		clears = append(clears, func() error { o.SetRequestBehavior(nil); return nil })
	}
	return Injection{Clear: clearAll(clears), Method: targetsText(env, hit)}, nil
}
