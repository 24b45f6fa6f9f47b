package faults

import (
	"context"
	"errors"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// ChunkedCut makes the origin answer a chunked 200, send one complete
// chunk, and close without the last-chunk (0 CRLF CRLF) that ends the
// body: the close is the only sign the body is incomplete.
type ChunkedCut struct {
	// Body is the one chunk's data.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Body Bytes `yaml:"body" json:"body"`
}

func init() {
	Register(Definition{
		Name:    "chunked_cut",
		Family:  FamilyMalformed,
		Summary: "the origin answers a chunked 200 and closes before the last-chunk that ends the body",
		Example: `{chunked_cut: {body: "first half of the page"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ChunkedCut{Body: "hello from a chunked stream that is cut\n"} },
	})
}

// Validate rejects an empty chunk: a zero-size chunk is the last-chunk.
func (f *ChunkedCut) Validate() error {
	if f.Body == "" {
		return errors.New("body: expected at least one byte (a zero-size chunk is the last-chunk, which ends the body properly)")
	}
	return nil
}

// Inject makes the origin answer every request with the cut stream.
func (f *ChunkedCut) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	chunk := strconv.FormatInt(int64(len(f.Body)), 16) + "\r\n" + string(f.Body) + "\r\n"
	return respond(env, opts, []byte(chunkedHead+chunk)), nil
}
