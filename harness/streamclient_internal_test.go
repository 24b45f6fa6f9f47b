package harness

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// TestSSECounter counts whole events with a data line, whatever the line
// ends and however the bytes are split.
func TestSSECounter(t *testing.T) {
	for _, c := range []struct {
		name, stream string
		want         int
	}{
		{"LF", "data: a\n\ndata: b\n\n", 2},
		{"CRLF", "data: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n", 2},
		{"CR", "data: a\r\rdata: b\r\r", 2},
		{"half an event", "data: a\n\ndata: b\n", 1},
		{"a comment and an id alone are no event", ": ping\n\nid: 3\n\n", 0},
		{"a data line without a colon", "data\n\n", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			for split := range len(c.stream) {
				var n sseCounter
				_, _ = n.Write([]byte(c.stream[:split]))
				_, _ = n.Write([]byte(c.stream[split:]))
				if n.n != c.want {
					t.Fatalf("split at %d: %d events, want %d", split, n.n, c.want)
				}
			}
		})
	}
}

// TestReadWebSocket reads a server's frames: fragmented messages count
// once, a ping is answered, a close frame's code is read, and the end of
// the connection without one is 1006.
func TestReadWebSocket(t *testing.T) {
	frame := func(b0 byte, payload []byte) []byte {
		return append([]byte{b0, byte(len(payload))}, payload...)
	}
	closeCode := binary.BigEndian.AppendUint16(nil, 1001)
	for _, c := range []struct {
		name      string
		frames    [][]byte
		messages  int
		closeCode int
		ended     error
	}{
		{"a message in two fragments, a ping, a close", [][]byte{frame(0x01, []byte("he")), frame(0x80, []byte("llo")), frame(0x89, nil), frame(0x88, closeCode)}, 1, 1001, errStreamClosed},
		{"a close without a code", [][]byte{frame(0x81, []byte("a")), frame(0x88, nil)}, 1, CloseNoStatus, errStreamClosed},
		{"half a frame, then the end", [][]byte{frame(0x81, []byte("a")), {0x81, 10, 'x'}}, 1, CloseAbnormal, io.EOF},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			go func() { _, _ = io.Copy(io.Discard, server) }() // what the client writes back
			s := &StreamObservation{Kind: StreamWebSocket}
			err := readWebSocket(client, bytes.NewReader(bytes.Join(c.frames, nil)), 0, "id", s)
			server.Close()
			if err != c.ended || s.Messages != c.messages || s.CloseCode != c.closeCode {
				t.Fatalf("got %v, %d messages, close code %d; want %v, %d, %d", err, s.Messages, s.CloseCode, c.ended, c.messages, c.closeCode)
			}
		})
	}
}
