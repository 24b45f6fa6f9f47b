package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// SlowBody makes the origin send its headers at once, then a body of its
// own at a limited rate. The body is the fault's, not the route's, so that
// it is long enough for the rate to matter.
//
// The pacing is done by the origin, not by toxiproxy's bandwidth toxic: the
// firewall family's bandwidth cap is that toxic on the proxy, throttling
// whatever crosses it, while this fault is the origin itself being slow to
// produce its body; at the origin it also honours attempts (a toxic can
// only take a probability) and keeps the headers out of the throttling.
//
// nginx: proxy_read_timeout is a timeout between two successive reads, so
// a body that keeps coming, however slowly, is never cut by it.
type SlowBody struct {
	// BytesPerSecond is the rate at which the body goes out.
	BytesPerSecond int `yaml:"bytes_per_second" json:"bytes_per_second"`
	// BodySize is the length of the body, in bytes (declared in
	// Content-Length); it takes about body_size / bytes_per_second.
	BodySize int `yaml:"body_size" json:"body_size"`
}

// maxSlowBody caps a made-up body, which the origin holds in memory.
const maxSlowBody = 64 << 20

// slowBodyTicks is how many writes a second the pacing makes at most, so
// that a fast rate is not thousands of tiny writes.
const slowBodyTicks = 20

func init() {
	Register(Definition{
		Name:    "slow_body",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends its headers at once, then the body at a limited rate (bytes per second)",
		Example: "{slow_body: {bytes_per_second: 4096, body_size: 12288}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &SlowBody{BytesPerSecond: 4096, BodySize: 12288} },
	})
}

// Validate wants a rate and a body to pace.
func (f *SlowBody) Validate() error {
	if f.BytesPerSecond < 1 {
		return errors.New("bytes_per_second: expected a rate of 1 or more bytes per second")
	}
	if f.BodySize < 1 || f.BodySize > maxSlowBody {
		return fmt.Errorf("body_size: expected a body of 1 to %d bytes", maxSlowBody)
	}
	return nil
}

// Inject makes the origin answer each selected request with a paced body.
// Clearing the fault sends the rest of a body at once.
func (f *SlowBody) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		held := harness.PeerClosed(ctx, conn)
		w := o.AnswerTo(req, conn)
		if _, err := w.Write(madeUpHead(f.BodySize)); err != nil {
			return
		}
		body := filler(f.BodySize)
		chunk := max(1, f.BytesPerSecond/slowBodyTicks)
		start := time.Now()
		// Each chunk goes out when the rate allows all the bytes sent so
		// far, so by any moment at most rate × elapsed bytes are out.
		for sent := 0; sent < len(body); {
			n := min(chunk, len(body)-sent)
			due := start.Add(time.Duration(float64(sent+n) / float64(f.BytesPerSecond) * float64(time.Second)))
			if !pause(held, time.Until(due)) {
				if ctx.Err() == nil {
					return // the gateway gave up
				}
				cleared(conn)
				n = len(body) - sent
			}
			if _, err := w.Write(body[sent : sent+n]); err != nil {
				return
			}
			sent += n
		}
	}), nil
}
