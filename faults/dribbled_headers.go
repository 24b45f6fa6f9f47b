package faults

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// DribbledHeaders makes the origin send its status line and header block a
// few bytes at a time with a pause in between, then the body at once. Each
// read the gateway makes gets a little, so a timeout between two reads
// never fires, while a timeout on the whole header block does.
//
// nginx: proxy_read_timeout is documented as a timeout between two
// successive reads, but nginx 1.22 arms it once for the header block, when
// the request is sent: a dribble longer than the timeout answers 504 even
// with every pause below it. Go's ResponseHeaderTimeout (the builtin
// gateway) also bounds the whole header block.
type DribbledHeaders struct {
	// Chunk is how many bytes of the status line and header block the
	// origin sends at a time.
	Chunk int `yaml:"chunk" json:"chunk"`
	// Interval is the pause between two chunks. The header block takes
	// about (its length / chunk - 1) × interval; the route's usual block
	// is about 130 bytes.
	Interval time.Duration `yaml:"interval" json:"interval"`
}

func init() {
	Register(Definition{
		Name:    "dribbled_headers",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends its status line and headers a few bytes at a time, pausing in between, then the body",
		Example: "{dribbled_headers: {chunk: 8, interval: 200ms}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &DribbledHeaders{Chunk: 8, Interval: 200 * time.Millisecond} },
	})
}

// Validate wants at least a byte at a time and a pause.
func (f *DribbledHeaders) Validate() error {
	if f.Chunk < 1 || f.Chunk > 64 {
		return errors.New("chunk: expected 1 to 64 bytes per write (a header block is about 130 bytes; a larger chunk would not dribble)")
	}
	if f.Interval <= 0 {
		return errors.New("interval: expected a pause above zero between chunks, such as 200ms")
	}
	return nil
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
		head, body := wireBytes(o.Response(req))
		w := o.AnswerTo(req, conn)
		for len(head) > f.Chunk {
			if _, err := w.Write(head[:f.Chunk]); err != nil {
				return
			}
			head = head[f.Chunk:]
			if !pause(ctx, f.Interval) {
				cleared(conn)
				break
			}
		}
		// The last chunk and the body go out together: the body is not
		// what this fault slows down.
		_, _ = w.Write(append(head, body...))
	}), nil
}
