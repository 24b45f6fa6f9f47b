package faults

import (
	"context"
	"io"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// DesyncSwitchWithoutUpgrade makes the origin answer the first request of
// each connection, which asked for no upgrade, with 101 Switching
// Protocols, then with its own answer, kept alive. A 101 to a request
// without Upgrade is invalid (RFC 9110, section 15.2.2): a gateway must
// not switch to a tunnel on it (the CVE-2024-23326 class), nor take it for
// the final answer and leave the real one on the connection for the next
// request.
type DesyncSwitchWithoutUpgrade struct{}

func init() {
	Register(Definition{
		Name:      "desync_switch_without_upgrade",
		Family:    FamilyDesync,
		Summary:   "the origin answers a connection's first request, which asked for no upgrade, with 101 Switching Protocols, then its answer, kept alive",
		Example:   "{desync_switch_without_upgrade: {}}",
		Options:   Selective | Scheduled | Targeted,
		FollowUps: desyncFollowUps,
		New:       func() Fault { return &DesyncSwitchWithoutUpgrade{} },
	})
}

// unaskedSwitchHead is the 101 the origin sends unasked.
const unaskedSwitchHead = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: gatecrash\r\n\r\n"

// Inject makes the origin send a 101, then its own answer, on each
// connection's first request.
func (f *DesyncSwitchWithoutUpgrade) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return desyncBehavior(env, opts, func(_ context.Context, w io.Writer, req *http.Request, o *harness.Origin) error {
		_, err := w.Write(append([]byte(unaskedSwitchHead), healthyAnswer(req, o)...))
		return err
	}), nil
}
