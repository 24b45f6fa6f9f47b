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
//
// The block is padded with header lines of LineSize bytes. Limits on one
// line (Apache's ProxyPass responsefieldsize, 8 KiB) are met only by a
// line longer than them: LineSize as large as Size makes one single line.
type OversizedHeaders struct {
	// Size is the header block's length in bytes, from the status line
	// through the blank line that ends it.
	Size int `yaml:"size" json:"size"`
	// LineSize is the length in bytes of each padding header line, from
	// its name through its CRLF (0: 1 KiB); the last one holds what is
	// left, and a LineSize of Size makes it the only one.
	LineSize int `yaml:"line_size" json:"line_size"`
}

// The bounds of Size and LineSize, and the padding lines that fill the
// header block.
const (
	minOversized   = 1 << 10
	maxOversized   = 64 << 20
	minPadLine     = 64 // twice a line's least (name, a byte, CRLF): see padLines
	defaultPadLine = 1 << 10
	maxPadLines    = 99999
	padName        = "X-Gatecrash-Pad-%05d: "
	oversizedBody  = "answer with a huge header block\n"
	oversizedFixed = statusOK + "Content-Type: text/plain\r\n" + "\r\n"
)

func init() {
	Register(Definition{
		Name:    "oversized_headers",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 whose header block is huge (default 64 KiB in 1 KiB lines, past nginx's proxy_buffer_size), then closes",
		Example: "{oversized_headers: {size: 65536, line_size: 65536}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &OversizedHeaders{Size: 64 << 10, LineSize: defaultPadLine} },
	})
}

// Validate keeps the size within what the origin can build and hold, and
// each line within the block.
func (f *OversizedHeaders) Validate() error {
	if f.Size < minOversized || f.Size > maxOversized {
		return fmt.Errorf("size: expected a header block of %d to %d bytes; got %d", minOversized, maxOversized, f.Size)
	}
	line := f.lineSize()
	if line < minPadLine || line > f.Size {
		return fmt.Errorf("line_size: expected %d bytes up to size, %d (as long as size: one single line); got %d", minPadLine, f.Size, line)
	}
	if n := (f.padding() + line - 1) / line; n > maxPadLines {
		return fmt.Errorf("line_size: %d-byte lines make %d header lines of a %d-byte block; expected at most %d: choose a larger line_size", line, n, f.Size, maxPadLines)
	}
	return nil
}

// lineSize is LineSize, 1 KiB when it is not set.
func (f *OversizedHeaders) lineSize() int {
	if f.LineSize == 0 {
		return defaultPadLine
	}
	return f.LineSize
}

// oversizedLength is the Content-Length line of the answer.
func oversizedLength() string {
	return "Content-Length: " + strconv.Itoa(len(oversizedBody)) + "\r\n"
}

// padding is how many bytes of padding lines make the head Size bytes.
func (f *OversizedHeaders) padding() int {
	return f.Size - len(oversizedFixed) - len(oversizedLength())
}

// padLines is the length of each padding line, CRLF included: as many of
// size as pad holds, then the rest. A rest too short to be a line (its
// name, a byte, CRLF) takes bytes from the line before, which keeps
// enough since size is at least twice that.
func padLines(pad, size int) []int {
	if pad <= size {
		return []int{pad}
	}
	lines := make([]int, pad/size, pad/size+1)
	for i := range lines {
		lines[i] = size
	}
	shortest := len(fmt.Sprintf(padName, 0)) + 1 + 2
	switch rest := pad % size; {
	case rest == 0:
	case rest >= shortest:
		lines = append(lines, rest)
	default:
		lines[len(lines)-1] -= shortest - rest
		lines = append(lines, shortest)
	}
	return lines
}

// answer is the status line, Content-Type, the padding lines,
// Content-Length, the blank line and the body: the head is exactly Size
// bytes.
func (f *OversizedHeaders) answer() []byte {
	var b strings.Builder
	b.Grow(f.Size + len(oversizedBody))
	b.WriteString(statusOK + "Content-Type: text/plain\r\n")
	for i, n := range padLines(f.padding(), f.lineSize()) {
		name := fmt.Sprintf(padName, i)
		b.WriteString(name)
		b.WriteString(strings.Repeat("a", n-len(name)-2))
		b.WriteString("\r\n")
	}
	b.WriteString(oversizedLength() + "\r\n" + oversizedBody)
	return []byte(b.String())
}

// Inject makes the origin answer every request with the huge header block.
func (f *OversizedHeaders) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, f.answer()), nil
}
