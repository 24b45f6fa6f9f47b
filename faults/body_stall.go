package faults

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/gatecrash/gatecrash/harness"
)

// BodyStall makes the origin send a 200's headers, the first bytes of its
// body, then nothing, holding the connection open until the fault clears.
// The gateway has a 200 in hand and an incomplete body: it must not pass it
// on as if it were whole.
//
// The head declares the body's length (Content-Length), or, with Chunked,
// streams it as Transfer-Encoding: chunked: one chunk holding the bytes,
// then no last-chunk, the way a streaming origin stalls mid-stream. There
// the close after the stall is the only sign the body is incomplete.
//
// nginx: proxy_read_timeout is a timeout between two successive reads; it
// fires that long after the last byte that came, and nginx then sends
// the client the 200 head with the declared length and closes: a truncated
// 200 (see the nginx example suite).
type BodyStall struct {
	// Bytes is how many body bytes the origin sends before it stalls; with
	// chunked, in one chunk (0: the head alone, before any chunk).
	Bytes int `yaml:"bytes" json:"bytes"`
	// ContentLength is the body length the headers declare; more than
	// bytes. Not sent with chunked, which declares no length.
	ContentLength int `yaml:"content_length" json:"content_length"`
	// Chunked sends the body as Transfer-Encoding: chunked instead of with
	// a Content-Length.
	Chunked bool `yaml:"chunked" json:"chunked"`
}

func init() {
	Register(Definition{
		Name:    "body_stall",
		Family:  FamilySlowOrigin,
		Summary: "the origin sends a 200's headers with a Content-Length (or chunked) and the first N body bytes, then nothing, holding the connection",
		Example: "{body_stall: {bytes: 100, chunked: true}}",
		Options: Selective | Scheduled | Targeted,
		New:     func() Fault { return &BodyStall{Bytes: 100, ContentLength: 1000} },
	})
}

// Validate bounds the bytes and, without chunked, wants a declared length
// beyond them.
func (f *BodyStall) Validate() error {
	if f.Bytes < 0 {
		return errors.New("bytes: expected a number of body bytes, 0 or more")
	}
	if f.Bytes > 64<<20 {
		return errors.New("bytes: expected at most 64 MiB sent before the stall")
	}
	if !f.Chunked && f.ContentLength <= f.Bytes {
		return errors.New("content_length: expected more than bytes (otherwise the body is complete and nothing stalls)")
	}
	return nil
}

// chunkedStallHead is the head of a stalled chunked answer.
const chunkedStallHead = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"

// answer is everything the origin sends before it stalls: the head and
// the first bytes of the body, a whole chunk when chunked.
func (f *BodyStall) answer() []byte {
	if !f.Chunked {
		return append(madeUpHead(f.ContentLength), filler(f.Bytes)...)
	}
	b := []byte(chunkedStallHead)
	if f.Bytes > 0 {
		b = strconv.AppendInt(b, int64(f.Bytes), 16)
		b = append(b, "\r\n"...)
		b = append(append(b, filler(f.Bytes)...), "\r\n"...)
	}
	return b
}

// Inject makes the origin stall each selected answer; clearing the fault
// closes the connections it holds, cutting their bodies short.
func (f *BodyStall) Inject(_ context.Context, env *harness.Environment, opts Options) (Injection, error) {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		if _, err := o.AnswerTo(req, conn).Write(f.answer()); err != nil {
			return
		}
		<-harness.PeerClosed(ctx, conn).Done()
	}), nil
}
