package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// DribbledHeaders makes the origin send its status line and header block in
// Pieces writes, Interval apart, then the body at once. Each read the
// gateway makes gets a little, so a timeout between two reads never fires,
// while a timeout on the whole header block does. The head takes
// (Pieces - 1) × Interval, whatever its length.
//
// nginx: proxy_read_timeout is documented as a timeout between two
// successive reads, but nginx 1.22 arms it once for the header block, when
// the request is sent: a dribble longer than the timeout answers 504 even
// with every pause below it. Go's ResponseHeaderTimeout (the builtin
// gateway) also bounds the whole header block.
type DribbledHeaders struct {
	// Pieces is how many writes the status line and header block are
	// split into, of about equal size (a head shorter than that goes a
	// byte a write); the last one goes with the body.
	Pieces int `yaml:"pieces" json:"pieces"`
	// Interval is the pause between two pieces.
	Interval time.Duration `yaml:"interval" json:"interval"`
}

// maxPieces bounds Pieces: a usual head is about 140 bytes, and a byte a
// write is as slow as a dribble gets.
const maxPieces = 1024

func init() {
	Register(Definition{
		Name:    "dribbled_headers",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends its status line and headers in pieces, pausing in between ((pieces - 1) × interval in all), then the body",
		Example: "{dribbled_headers: {pieces: 4, interval: 500ms}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &DribbledHeaders{Pieces: 16, Interval: 200 * time.Millisecond} },
	})
}

// Validate wants at least two pieces and a pause.
func (f *DribbledHeaders) Validate() error {
	if f.Pieces < 2 || f.Pieces > maxPieces {
		return fmt.Errorf("pieces: expected 2 to %d writes of the head (one would not dribble); got %d", maxPieces, f.Pieces)
	}
	if f.Interval <= 0 {
		return errors.New("interval: expected a pause above zero between pieces, such as 200ms")
	}
	return nil
}

// pieces splits head into f.Pieces parts of about equal size, the longer
// ones first; fewer, of a byte each, when head is shorter.
func (f *DribbledHeaders) pieces(head []byte) [][]byte {
	n := min(f.Pieces, len(head))
	parts := make([][]byte, 0, n)
	for i := range n {
		size := len(head) / (n - i)
		if len(head)%(n-i) != 0 {
			size++
		}
		parts = append(parts, head[:size:size])
		head = head[size:]
	}
	return parts
}

// Inject makes the origin dribble the head of each selected answer.
// Clearing the fault sends the rest of a dribbling answer at once.
func (f *DribbledHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		held := harness.PeerClosed(ctx, conn)
		head, body := wireBytes(o.Response(req))
		parts := f.pieces(head)
		w := o.AnswerTo(req, conn)
		for len(parts) > 1 {
			if _, err := w.Write(parts[0]); err != nil {
				return
			}
			parts = parts[1:]
			if !pause(held, f.Interval) {
				if ctx.Err() == nil {
					return // the gateway gave up
				}
				cleared(conn)
				break
			}
		}
		// The rest and the body go out together: the body is not what
		// this fault slows down.
		_, _ = w.Write(append(bytes.Join(parts, nil), body...))
	}), nil
}
