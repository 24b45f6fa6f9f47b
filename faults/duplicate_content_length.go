package faults

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// DuplicateContentLength makes the origin answer a 200 with two
// Content-Length headers that disagree, then close. It sends as many body
// bytes as the larger says, so whichever a parser believes, it gets a
// complete body; believing the smaller leaves the rest on the connection,
// the seed of response splitting. RFC 9112 says a recipient must treat it
// as an unrecoverable error, and a proxy must answer 502.
type DuplicateContentLength struct {
	// First is the value of the first Content-Length.
	First int `yaml:"first" json:"first"`
	// Second is the value of the second.
	Second int `yaml:"second" json:"second"`
}

func init() {
	Register(Definition{
		Name:    "duplicate_content_length",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 with two conflicting Content-Length headers, then closes",
		Example: "{duplicate_content_length: {first: 0, second: 20}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &DuplicateContentLength{First: 5, Second: 10} },
	})
}

// Validate rejects lengths that agree (a list of equal values is allowed).
func (f *DuplicateContentLength) Validate() error {
	for _, l := range []struct {
		name string
		n    int
	}{{"first", f.First}, {"second", f.Second}} {
		if l.n < 0 || l.n > maxShortBody {
			return fmt.Errorf("%s: expected a length from 0 to %d; got %d", l.name, maxShortBody, l.n)
		}
	}
	if f.First == f.Second {
		return fmt.Errorf("second: expected a length other than first (%d); equal duplicates are allowed by RFC 9110", f.First)
	}
	return nil
}

// Inject makes the origin answer every request with the conflicting lengths.
func (f *DuplicateContentLength) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	head := statusOK + "Content-Type: text/plain\r\nContent-Length: " + strconv.Itoa(f.First) +
		"\r\nContent-Length: " + strconv.Itoa(f.Second) + "\r\n\r\n"
	return respond(env, opts, []byte(head+digitFiller(max(f.First, f.Second)))), nil
}
