package faults

import (
	"context"
	"crypto/sha1" //nolint:gosec // RFC 6455 names SHA-1 for Sec-WebSocket-Accept
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// The stream faults act on the origin's plain HTTP connections, as the
// malformed ones do, but speak WebSocket (on a request under
// harness.WSPathPrefix) or server-sent events (harness.SSEPathPrefix)
// badly: they read the request, write a chosen head and frames or events
// themselves, and cut, stall or hold the connection.

// streamBehavior is a stream fault's work on one selected connection,
// once its request was read.
type streamBehavior func(ctx context.Context, conn net.Conn, o *harness.Origin, req *http.Request)

// streamFault makes the origin read each selected connection's request
// and hand it to b; the connection is closed when b returns, or when the
// fault clears.
func streamFault(env *harness.Environment, opts Options, b streamBehavior) Injection {
	return originBehavior(env, opts, func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		defer conn.Close()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		req, err := o.ReadRequest(conn)
		if err != nil {
			return
		}
		b(ctx, conn, o, req)
	})
}

// switchHead is the 101 answer to a WebSocket handshake request.
func switchHead(req *http.Request) []byte {
	h := sha1.New() //nolint:gosec // RFC 6455
	h.Write([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(h.Sum(nil)) + "\r\n\r\n")
}

// serverFrame is an unmasked, final server text frame carrying payload.
func serverFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n <= 125:
		f = append(f, byte(n))
	default:
		f = append(f, 126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	}
	return append(f, payload...)
}

// streamMessage is the origin's nth message of a stream fault.
func streamMessage(n int, id string) []byte {
	return fmt.Appendf(nil, "gatecrash origin message %d for %s", n, id)
}

// closeAfter ends a connection after the fault's last byte without losing
// it: it closes the write side (a FIN), then reads what the peer still
// sends until it closes, the fault clears or a second passes. Closing with
// unread bytes would send an RST that can destroy the last bytes in flight.
func closeAfter(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, conn)
}

// sseHead is the head of a server-sent events answer, chunked or
// delimited by the close.
func sseHead(chunked bool) []byte {
	h := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
	if chunked {
		h += "Transfer-Encoding: chunked\r\n"
	} else {
		h += "Connection: close\r\n"
	}
	return []byte(h + "\r\n")
}

// chunk frames p as one chunk when chunked is set.
func chunk(p []byte, chunked bool) []byte {
	if !chunked {
		return p
	}
	return append(fmt.Appendf(nil, "%x\r\n", len(p)), append(p, '\r', '\n')...)
}

// tunnelProbed reports whether what the origin read on a connection after
// its answer holds the client's tunnel probe or a client WebSocket frame
// (masked, a text, binary or close opcode): bytes a gateway carried raw.
func tunnelProbed(p []byte) bool {
	if strings.Contains(string(p), harness.TunnelProbe) {
		return true
	}
	return len(p) >= 2 && p[1]&0x80 != 0 && (p[0] == 0x81 || p[0] == 0x82 || p[0] == 0x88)
}
