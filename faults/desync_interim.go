package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// DesyncInterim makes the origin send an interim answer (a 1xx: 100
// Continue, 102 Processing, 103 Early Hints...) before its own answer to
// the first request of each connection, kept alive. A client must read
// past any 1xx to the final answer (RFC 9110, section 15.2); a gateway
// that takes the 1xx for the final answer leaves the real one on the
// connection, and hands it to the next request it sends there.
type DesyncInterim struct {
	// Status is the interim answer's status, from 100 to 199 (not 101,
	// which desync_switch_without_upgrade sends).
	Status int `yaml:"status" json:"status"`
}

func init() {
	Register(Definition{
		Name:      "desync_interim",
		Family:    FamilyDesync,
		Summary:   "the origin sends an interim 1xx (103 Early Hints) before its answer to a connection's first request, kept alive",
		Example:   "{desync_interim: {status: 100}}",
		Options:   Selective | Scheduled | Targeted,
		FollowUps: desyncFollowUps,
		New:       func() Fault { return &DesyncInterim{Status: http.StatusEarlyHints} },
	})
}

// Validate asks for an interim status other than 101.
func (f *DesyncInterim) Validate() error {
	if f.Status < 100 || f.Status > 199 || f.Status == http.StatusSwitchingProtocols {
		return fmt.Errorf("status: expected an interim status from 100 to 199, other than 101 (see desync_switch_without_upgrade); got %d", f.Status)
	}
	return nil
}

// Inject makes the origin send the interim answer, then its own, on each
// connection's first request.
func (f *DesyncInterim) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	interim := "HTTP/1.1 " + strconv.Itoa(f.Status) + " " + interimText(f.Status) + "\r\n"
	if f.Status == http.StatusEarlyHints {
		interim += "Link: </style.css>; rel=preload; as=style\r\n"
	}
	interim += "\r\n"
	return desyncBehavior(env, opts, func(_ context.Context, w io.Writer, req *http.Request, o *harness.Origin) error {
		_, err := w.Write(append([]byte(interim), healthyAnswer(req, o)...))
		return err
	}), nil
}

// interimText is the reason phrase of an interim status.
func interimText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Interim"
}
