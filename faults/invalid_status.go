package faults

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// InvalidStatus makes the origin answer with a status line whose code is
// not a valid status code (RFC 9110 allows three digits, 100 to 599),
// followed by a well-formed header block and body, then close.
type InvalidStatus struct {
	// Line is the status line, without its CRLF.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Line Bytes `yaml:"line" json:"line"`
}

// invalidStatusBody is the body after the invalid status line.
const invalidStatusBody = "answer with an invalid status code\n"

func init() {
	Register(Definition{
		Name:    "invalid_status",
		Family:  FamilyMalformed,
		Summary: "the origin answers with an invalid status code (default HTTP/1.1 999 Nope), then closes",
		Example: `{invalid_status: {line: "HTTP/1.1 2000 OK"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &InvalidStatus{Line: "HTTP/1.1 999 Nope"} },
	})
}

// Validate rejects a line that is not one line, or whose code is valid.
func (f *InvalidStatus) Validate() error {
	if f.Line == "" {
		return errors.New("line: expected a status line such as \"HTTP/1.1 999 Nope\"")
	}
	if err := oneLine("line", f.Line); err != nil {
		return err
	}
	fields := strings.Fields(string(f.Line))
	if len(fields) >= 2 && len(fields[1]) == 3 {
		if code, err := strconv.Atoi(fields[1]); err == nil && code >= 100 && code <= 599 {
			return fmt.Errorf("line: expected a status code that is not three digits from 100 to 599 (%d is a valid code); got %q", code, f.Line)
		}
	}
	return nil
}

// answer is the bytes the origin sends.
func (f *InvalidStatus) answer() []byte {
	b := withBody("", invalidStatusBody)
	return append([]byte(f.Line+"\r\n"), b[len(statusOK):]...)
}

// Inject makes the origin answer every request with the invalid status.
func (f *InvalidStatus) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, f.answer()), nil
}
