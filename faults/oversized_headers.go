package faults

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// OversizedHeaders makes the origin answer a valid 200 whose header block
// is Size bytes, then close. The default, 64 KiB, is beyond nginx's
// proxy_buffer_size (4k or 8k), HAProxy's tune.bufsize (16k) and Envoy's
// max_response_headers_kb (60k), but within Go's http.Transport default
// (10 MiB): more than 10 MiB reaches that one.
type OversizedHeaders struct {
	// Size is the header block's length in bytes, from the status line
	// through the blank line that ends it.
	Size int `yaml:"size" json:"size"`
}

// The bounds of Size, and the padding lines that fill the header block.
const (
	minOversized   = 1 << 10
	maxOversized   = 64 << 20
	padLineMax     = 1 << 10 // one header line, CRLF included
	padName        = "X-Gatecrash-Pad-%05d: "
	oversizedBody  = "answer with a huge header block\n"
	oversizedFixed = statusOK + "Content-Type: text/plain\r\n" + "\r\n"
)

func init() {
	Register(Definition{
		Name:    "oversized_headers",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 whose header block is huge (default 64 KiB, past nginx's proxy_buffer_size), then closes",
		Example: "{oversized_headers: {size: 11000000}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &OversizedHeaders{Size: 64 << 10} },
	})
}

// Validate keeps the size within what the origin can build and hold.
func (f *OversizedHeaders) Validate() error {
	if f.Size < minOversized || f.Size > maxOversized {
		return fmt.Errorf("size: expected a header block of %d to %d bytes; got %d", minOversized, maxOversized, f.Size)
	}
	return nil
}

// answer is the status line, Content-Type, padding headers of at most
// padLineMax bytes each, Content-Length, the blank line and the body: the
// head is exactly Size bytes.
func (f *OversizedHeaders) answer() []byte {
	length := "Content-Length: " + strconv.Itoa(len(oversizedBody)) + "\r\n"
	pad := f.Size - len(oversizedFixed) - len(length)
	lines := (pad + padLineMax - 1) / padLineMax
	var b strings.Builder
	b.Grow(f.Size + len(oversizedBody))
	b.WriteString(statusOK + "Content-Type: text/plain\r\n")
	for i := range lines {
		n := pad / lines
		if i < pad%lines {
			n++
		}
		name := fmt.Sprintf(padName, i)
		b.WriteString(name)
		b.WriteString(strings.Repeat("a", n-len(name)-2))
		b.WriteString("\r\n")
	}
	b.WriteString(length + "\r\n" + oversizedBody)
	return []byte(b.String())
}

// Inject makes the origin answer every request with the huge header block.
func (f *OversizedHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, f.answer()), nil
}
