package faults

import (
	"context"
	"errors"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// HeaderWithoutColon makes the origin answer a valid 200 whose header
// block holds one line without a colon, then close.
type HeaderWithoutColon struct {
	// Line is the header line, without its CRLF; it sits between
	// Content-Type and Content-Length.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Line Bytes `yaml:"line" json:"line"`
}

// headerBody is the body of the faults whose head has one bad header.
const headerBody = "answer with a broken header\n"

func init() {
	Register(Definition{
		Name:    "header_without_colon",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 with a header line that has no colon, then closes",
		Example: `{header_without_colon: {line: "X-Broken-Header value"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &HeaderWithoutColon{Line: "X-Gatecrash-No-Colon"} },
	})
}

// Validate rejects a line that ends the header block, folds onto the
// previous line, or has a colon after all.
func (f *HeaderWithoutColon) Validate() error {
	switch {
	case f.Line == "":
		return errors.New("line: expected a header line without a colon; an empty line ends the header block")
	case strings.Contains(string(f.Line), ":"):
		return errors.New("line: expected a line without a colon; got one with a colon")
	case f.Line[0] == ' ' || f.Line[0] == '\t':
		return errors.New("line: expected a line that does not start with a space or tab (that is a folded continuation line)")
	}
	return oneLine("line", f.Line)
}

// Inject makes the origin answer every request with the broken header.
func (f *HeaderWithoutColon) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, withBody(string(f.Line)+"\r\n", headerBody)), nil
}
