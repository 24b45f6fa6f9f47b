package faults

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Helpers shared by the slow origin faults, which all answer late, slowly or
// not completely, and must give the connection back when they are cleared.

// flushTimeout bounds the writes a slow fault makes after it was cleared
// (the rest of an answer at once), so a peer that stopped reading cannot
// keep the origin from stopping.
const flushTimeout = 5 * time.Second

// pause waits d, or until ctx ends; it reports whether it waited all of d.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// cleared bounds the writes still to come once the fault is cleared.
func cleared(conn net.Conn) {
	_ = conn.SetWriteDeadline(time.Now().Add(flushTimeout))
}

// wireBytes is resp as the origin writes it: the status line and header
// block, and the body after it. The response says the connection closes,
// since the fault closes it once it is done.
func wireBytes(resp *http.Response) (head, body []byte) {
	resp.Close = true
	var b bytes.Buffer
	_ = resp.Write(&b)
	out := b.Bytes()
	i := bytes.Index(out, []byte("\r\n\r\n"))
	return out[: i+4 : i+4], out[i+4:] // head clipped: appending to it copies
}

// madeUpHead is the head of an answer whose body the fault makes up:
// a 200 declaring the body's length, closing the connection after it.
func madeUpHead(length int) []byte {
	return fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", length)
}

// fillerLine is what a body the fault makes up is made of: readable, and a
// cut shows at which byte.
const fillerLine = "gatecrash slow origin body, 64 bytes a line, numbered: 00000000\n"

// filler is a made-up body of n bytes: numbered lines of fillerLine.
func filler(n int) []byte {
	b := make([]byte, 0, n+len(fillerLine))
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "%s%08d\n", fillerLine[:len(fillerLine)-9], i%100000000)
	}
	return b[:n]
}
