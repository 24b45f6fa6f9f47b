package faults

import (
	"context"
	"errors"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// Garbage makes the origin answer the request with bytes that are not HTTP
// at all, then close. A gateway must answer 502, never relay them.
type Garbage struct {
	// Bytes is what the origin sends instead of a status line.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Bytes Bytes `yaml:"bytes" json:"bytes"`
}

func init() {
	Register(Definition{
		Name:    "garbage",
		Family:  FamilyMalformed,
		Summary: "the origin answers with bytes that are not HTTP, then closes",
		Example: `{garbage: {bytes: "SSH-2.0-OpenSSH_9.2\r\n"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &Garbage{Bytes: "this is not an HTTP response\r\n\r\n"} },
	})
}

// Validate rejects an empty answer: that is a different fault (empty reply).
func (f *Garbage) Validate() error {
	if f.Bytes == "" {
		return errors.New("bytes: expected at least one byte (an empty answer is the empty-reply fault)")
	}
	if strings.HasPrefix(string(f.Bytes), "HTTP/") {
		return errors.New("bytes: expected bytes that are not an HTTP status line (invalid_status and the other malformed faults cover broken HTTP)")
	}
	return nil
}

// Inject makes the origin answer every request with the bytes.
func (f *Garbage) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, []byte(f.Bytes)), nil
}
