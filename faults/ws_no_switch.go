package faults

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// WSNoSwitch makes the origin answer a WebSocket's Upgrade request with a
// status that is no switch (200 by default), a complete answer framed by
// its Content-Length, and keep the connection open, reading: the
// CVE-2024-23326 class, where a gateway takes such an answer for an
// upgrade and tunnels what the client sends next to the origin raw. The
// streaming client then writes a tunnel probe (harness.TunnelProbe); the
// origin notes it when it arrives (observed as stream.tunneled), so
// `stream: {tunneled: false}` asserts that the gateway did not switch.
type WSNoSwitch struct {
	// Status is the origin's answer, 200 to 599 but 101.
	Status int `yaml:"status" json:"status"`
	// Body is the answer's body.
	Body Bytes `yaml:"body" json:"body"`
}

func init() {
	Register(Definition{
		Name:    "ws_no_switch",
		Family:  FamilyStreams,
		Needs:   Needs{Request: RequestWebSocket},
		Summary: "the origin answers a WebSocket's Upgrade with a 200 (no 101) and keeps the connection open, reading: a gateway must not switch to a tunnel",
		Example: "{ws_no_switch: {status: 200}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &WSNoSwitch{Status: http.StatusOK, Body: "no switch\n"} },
	})
}

// Validate asks for a final status.
func (f *WSNoSwitch) Validate() error {
	if f.Status < 200 || f.Status > 599 {
		return fmt.Errorf("status: expected a final status from 200 to 599, not a switch; got %d", f.Status)
	}
	return nil
}

// Inject makes the origin answer every selected Upgrade without a switch.
func (f *WSNoSwitch) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	if err := f.Validate(); err != nil {
		return Injection{}, err
	}
	answer := []byte("HTTP/1.1 " + strconv.Itoa(f.Status) + " " + http.StatusText(f.Status) + "\r\nContent-Type: text/plain\r\n" +
		"Content-Length: " + strconv.Itoa(len(f.Body)) + "\r\n\r\n" + string(f.Body))
	return streamFault(env, opts, func(_ context.Context, conn net.Conn, o *harness.Origin, req *http.Request) {
		if _, err := o.AnswerTo(req, conn).Write(answer); err != nil {
			return
		}
		// Read on until the gateway closes or the fault clears: whatever
		// arrives was carried raw after an answer that switched nothing.
		var seen []byte
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if len(seen) < 4096 {
				seen = append(seen, buf[:n]...)
			}
			if tunnelProbed(seen) {
				o.NoteTunneled(req.Header.Get(harness.RequestIDHeader))
			}
			if err != nil {
				return
			}
		}
	}), nil
}
