package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// WSUpgradeRefused makes the origin answer a WebSocket's Upgrade request
// with an error of its own (403 by default), with a body and Connection:
// close, then close: a gateway must pass the refusal on, not a 502, and
// never switch.
type WSUpgradeRefused struct {
	// Status is the origin's answer, 400 to 599.
	Status int `yaml:"status" json:"status"`
	// Body is the answer's body.
	Body Bytes `yaml:"body" json:"body"`
}

func init() {
	Register(Definition{
		Name:    "ws_upgrade_refused",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestWebSocket},
		Summary: "the origin answers a WebSocket's Upgrade request with a 4xx or 5xx instead of a 101, then closes",
		Example: "{ws_upgrade_refused: {status: 503, body: \"try later\"}}",
		Options: Selective | Scheduled | Targeted,
		New: func() Fault {
			return &WSUpgradeRefused{Status: http.StatusForbidden, Body: "upgrade refused by the origin\n"}
		},
	})
}

// Validate asks for an error status.
func (f *WSUpgradeRefused) Validate() error {
	if f.Status < 400 || f.Status > 599 {
		return fmt.Errorf("status: expected an error status from 400 to 599; got %d", f.Status)
	}
	return nil
}

// Inject makes the origin refuse the upgrade of every selected connection.
func (f *WSUpgradeRefused) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	answer := []byte("HTTP/1.1 " + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) + "\r\nContent-Type: text/plain\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(f.Body)) + "\r\n\r\n" + string(f.Body))
	return streamFault(env, opts, func(_ context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		if _, err := o.AnswerTo(req, conn).Write(answer); err == nil {
			closeAfter(conn)
		}
	}), nil
}
