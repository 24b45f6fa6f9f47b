package faults

import (
	"context"
	"errors"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// HTTP09 makes the origin answer as an HTTP/0.9 server does: the bare body,
// with no status line and no headers, ended by the close.
type HTTP09 struct {
	// Body is everything the origin sends.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Body Bytes `yaml:"body" json:"body"`
}

func init() {
	Register(Definition{
		Name:    "http09",
		Family:  FamilyMalformed,
		Summary: "the origin answers HTTP/0.9 style: a bare body, no status line or headers, then closes",
		Example: `{http09: {body: "<html>hello</html>\n"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &HTTP09{Body: "hello from an HTTP/0.9 origin\n"} },
	})
}

// Validate rejects an empty body or one that starts like a status line.
func (f *HTTP09) Validate() error {
	if f.Body == "" {
		return errors.New("body: expected at least one byte (an empty answer is the empty-reply fault)")
	}
	if strings.HasPrefix(string(f.Body), "HTTP/") {
		return errors.New("body: expected a bare body; one starting with HTTP/ reads as a status line")
	}
	return nil
}

// Inject makes the origin answer every request with the bare body.
func (f *HTTP09) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, []byte(f.Body)), nil
}
