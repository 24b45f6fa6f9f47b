package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// InvalidHeaderChars makes the origin answer a 200 with one header whose
// name or value holds bytes RFC 9110 does not allow there (a control
// character, NUL), then close.
type InvalidHeaderChars struct {
	// Name is the header's name; a valid one is letters, digits and
	// !#$%&'*+-.^_`|~.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Name Bytes `yaml:"name" json:"name"`
	// Value is the header's value; a valid one has no control characters
	// other than tab.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Value Bytes `yaml:"value" json:"value"`
}

func init() {
	Register(Definition{
		Name:    "invalid_header_chars",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 with a header holding control characters or NUL, then closes",
		Example: `{invalid_header_chars: {name: "X-Bad\x01Name", value: "ok"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &InvalidHeaderChars{Name: "X-Gatecrash-Invalid", Value: "nul\x00byte"} },
	})
}

// Validate rejects a header that is valid after all, or that would not stay
// one header line.
func (f *InvalidHeaderChars) Validate() error {
	switch {
	case f.Name == "":
		return errors.New("name: expected a header name")
	case strings.Contains(string(f.Name), ":"):
		return errors.New("name: expected a name without a colon (the colon ends the name)")
	case f.Name[0] == ' ' || f.Name[0] == '\t':
		return errors.New("name: expected a name that does not start with a space or tab (that is a folded continuation line)")
	}
	if err := oneLine("name", f.Name); err != nil {
		return err
	}
	if err := oneLine("value", f.Value); err != nil {
		return err
	}
	if strings.IndexFunc(string(f.Name), func(r rune) bool { return !isTokenByte(r) }) < 0 &&
		strings.IndexFunc(string(f.Value), isCtl) < 0 {
		return fmt.Errorf("name, value: expected a control character or NUL in the value, or a byte outside letters, digits and !#$%%&'*+-.^_`|~ in the name; %q: %q is a valid header", f.Name, f.Value)
	}
	return nil
}

// isTokenByte reports whether r may be in a field name (RFC 9110 tchar).
func isTokenByte(r rune) bool {
	return r < 0x7f && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// isCtl reports whether r is a control character a field value may not hold.
func isCtl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// Inject makes the origin answer every request with the invalid header.
func (f *InvalidHeaderChars) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, withBody(string(f.Name+": "+f.Value+"\r\n"), headerBody)), nil
}
