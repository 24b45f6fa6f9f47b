package faults

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// ContentLengthAndChunked makes the origin answer a 200 with both a
// Content-Length and Transfer-Encoding: chunked, then a complete chunked
// body, then close. The two framings disagree: RFC 9112 says chunked
// overrides, that the message ought to be handled as an error, and that a
// proxy forwarding it must drop the Content-Length first (the
// request-smuggling and response-splitting class).
type ContentLengthAndChunked struct {
	// ContentLength is the Content-Length the origin announces.
	ContentLength int `yaml:"content_length" json:"content_length"`
	// Body is the chunked body's data, sent as one chunk and the last-chunk.
	// Text, or any bytes in base64 under !!binary (see Bytes).
	Body Bytes `yaml:"body" json:"body"`
}

func init() {
	Register(Definition{
		Name:    "content_length_and_chunked",
		Family:  FamilyMalformed,
		Summary: "the origin answers a 200 with both Content-Length and Transfer-Encoding: chunked (smuggling class), then closes",
		Example: `{content_length_and_chunked: {content_length: 0, body: "hello"}}`,
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &ContentLengthAndChunked{ContentLength: 3, Body: "hello"} },
	})
}

// Validate checks the length and that the body is not the last-chunk alone.
func (f *ContentLengthAndChunked) Validate() error {
	if f.ContentLength < 0 || f.ContentLength > maxShortBody {
		return fmt.Errorf("content_length: expected a length from 0 to %d; got %d", maxShortBody, f.ContentLength)
	}
	if f.Body == "" {
		return errors.New("body: expected at least one byte of chunked data")
	}
	return nil
}

// Inject makes the origin answer every request with both framings.
func (f *ContentLengthAndChunked) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	head := statusOK + "Content-Type: text/plain\r\nContent-Length: " + strconv.Itoa(f.ContentLength) +
		"\r\nTransfer-Encoding: chunked\r\n\r\n"
	chunk := strconv.FormatInt(int64(len(f.Body)), 16) + "\r\n" + string(f.Body) + "\r\n0\r\n\r\n"
	return respond(env, opts, []byte(head+chunk)), nil
}
