package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/gatecrash/gatecrash/harness"
)

// OriginError makes the origin itself answer a valid HTTP error, 500 to
// 599: the gateway reached it and got an answer, so it should pass it on as
// it is, not turn it into a 502 of its own.
type OriginError struct {
	// Status is the status code the origin answers, 500 to 599.
	Status int `yaml:"status" json:"status"`
	// Body is the body of the answer (empty: a line naming the status and
	// the gatecrash origin, so a client can tell it from a gateway's page).
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Body Bytes `yaml:"body" json:"body,omitempty"`
}

func init() {
	Register(Definition{
		Name:    "origin_error",
		Family:  FamilyErrors,
		Summary: "the origin answers a valid HTTP error itself, 503 by default (a gateway should pass it on, not make it a 502)",
		Example: `{origin_error: {status: 500, body: "database unavailable", attempts: 1}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &OriginError{Status: http.StatusServiceUnavailable} },
	})
}

// Validate wants a server error status.
func (f *OriginError) Validate() error {
	if f.Status < 500 || f.Status > 599 {
		return fmt.Errorf("status: expected a server error status from 500 to 599; got %d", f.Status)
	}
	return nil
}

// response is the answer the origin sends, head and body.
func (f *OriginError) response() string {
	body := string(f.Body)
	if body == "" {
		body = fmt.Sprintf("gatecrash origin error: %d %s\n", f.Status, http.StatusText(f.Status))
	}
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		f.Status, http.StatusText(f.Status), len(body), body)
}

// Inject makes the origin answer every selected connection with the error.
func (f *OriginError) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	answer := []byte(f.response())
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer closeOnDone(ctx, conn)()
		defer conn.Close()
		if req := readWholeRequest(conn, o); req != nil {
			_, _ = o.AnswerTo(req, conn).Write(answer)
		}
	}), nil
}
