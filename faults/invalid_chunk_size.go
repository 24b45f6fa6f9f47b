package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
)

// InvalidChunkSize makes the origin answer a chunked 200 whose first chunk
// size is not hexadecimal, then close. The head is valid, so a gateway
// that streams may already have sent the client a 200.
type InvalidChunkSize struct {
	// Size is the chunk-size line, without its CRLF.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Size Bytes `yaml:"size" json:"size"`
}

// chunkedHead is the head of the chunked faults.
const chunkedHead = statusOK + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"

func init() {
	Register(Definition{
		Name:    "invalid_chunk_size",
		Family:  FamilyMalformed,
		Summary: "the origin answers a chunked 200 whose chunk size is not hex, then closes",
		Example: `{invalid_chunk_size: {size: "-1"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &InvalidChunkSize{Size: "zz"} },
	})
}

// Validate rejects a size that is valid hexadecimal, with or without a
// chunk extension.
func (f *InvalidChunkSize) Validate() error {
	if f.Size == "" {
		return errors.New("size: expected a chunk size that is not hexadecimal, such as zz or -1")
	}
	if err := oneLine("size", f.Size); err != nil {
		return err
	}
	digits, _, _ := strings.Cut(string(f.Size), ";")
	digits = strings.TrimRight(digits, " \t")
	if digits != "" && strings.Trim(digits, "0123456789abcdefABCDEF") == "" {
		return fmt.Errorf("size: expected a chunk size that is not hexadecimal; %q is valid", f.Size)
	}
	return nil
}

// Inject makes the origin answer every request with the bad chunk.
func (f *InvalidChunkSize) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return respond(env, opts, []byte(chunkedHead+string(f.Size)+"\r\nhello\r\n0\r\n\r\n")), nil
}
