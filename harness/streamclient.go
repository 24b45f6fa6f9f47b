package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6455 names SHA-1 for Sec-WebSocket-Accept
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// StreamRequest makes a request open a stream through the gateway instead
// of reading one answer: a WebSocket (Kind "websocket": the Upgrade
// handshake, then Messages text messages sent and their echoes read) or
// server-sent events (Kind "sse": the events read). Either is read for
// ReadFor at most, or until the gateway ends it.
type StreamRequest struct {
	// Kind is StreamWebSocket or StreamSSE.
	Kind string
	// Messages is how many text messages a WebSocket sends (0: none).
	Messages int
	// ReadFor is how long the stream is read after its head arrived
	// (default DefaultReadFor), within the request's timeout.
	ReadFor time.Duration
}

// The kinds of streams.
const (
	StreamWebSocket = "websocket"
	StreamSSE       = "sse"
)

// DefaultReadFor is how long a stream is read when its request names no
// read_for.
const DefaultReadFor = 2 * time.Second

// The WebSocket close codes a client observes without a close frame
// (RFC 6455 §7.1.5, §7.4.1): CloseNoStatus, a close frame without a code;
// CloseAbnormal, a connection that ended without any close frame.
const (
	CloseNoStatus = 1005
	CloseAbnormal = 1006
)

// StreamObservation is what the client saw of a stream, beside the head
// (status, headers) the Observation holds.
type StreamObservation struct {
	// Kind is StreamWebSocket or StreamSSE.
	Kind string
	// Upgraded: the gateway answered the WebSocket's Upgrade with a 101
	// and the right Sec-WebSocket-Accept.
	Upgraded bool
	// Sent is how many WebSocket messages the client sent.
	Sent int
	// Messages is how many whole WebSocket messages arrived.
	Messages int
	// Events is how many whole server-sent events (ended by a blank line,
	// with a data line) arrived.
	Events int
	// Bytes counts the bytes that arrived after the head: frames, events,
	// anything.
	Bytes int64
	// CloseCode is the code of the close frame that arrived, CloseNoStatus
	// for one without a code, CloseAbnormal when the connection ended
	// without a close frame; 0 when it was still open when the client
	// stopped reading, or for server-sent events.
	CloseCode int
	// OpenFor is how long the stream stayed open after its head arrived:
	// until the gateway ended it, or until the client stopped reading.
	OpenFor time.Duration
	// StillOpen: the stream was still open when the client stopped reading
	// (ReadFor, or the request's timeout, was reached).
	StillOpen bool
	// Probed: the answer to the Upgrade was no switch, and the client
	// then wrote a tunnel probe (TunnelProbe) on the connection.
	Probed bool
	// Tunneled: bytes the client wrote after its handshake reached the
	// origin raw (an echoed message, the tunnel probe): Environment.Do
	// asks the origins. A gateway that answered no switch must not
	// tunnel: tunneled with Upgraded false is the CVE-2024-23326 class.
	Tunneled bool
}

// String describes the stream in a few words, for failure messages.
func (s *StreamObservation) String() string {
	if s == nil {
		return "no stream"
	}
	var parts []string
	switch s.Kind {
	case StreamWebSocket:
		if !s.Upgraded {
			parts = append(parts, "not upgraded")
		} else {
			parts = append(parts, "upgraded", fmt.Sprintf("%d of %d messages back", s.Messages, s.Sent))
		}
	default:
		parts = append(parts, Plural(s.Events, "event"))
	}
	parts = append(parts, Plural(s.Bytes, "byte"))
	switch {
	case s.StillOpen:
		parts = append(parts, fmt.Sprintf("still open after %s", Round(s.OpenFor)))
	case s.CloseCode != 0:
		parts = append(parts, fmt.Sprintf("closed with code %d after %s", s.CloseCode, Round(s.OpenFor)))
	default:
		parts = append(parts, fmt.Sprintf("ended after %s", Round(s.OpenFor)))
	}
	if s.Probed || s.Tunneled {
		if s.Tunneled {
			parts = append(parts, "tunneled to the origin")
		} else {
			parts = append(parts, "not tunneled to the origin")
		}
	}
	return strings.Join(parts, ", ")
}

// Healthy is a stream a steady state accepts: a WebSocket upgraded that
// echoed every message, or events that arrived.
func (s *StreamObservation) Healthy() bool {
	if s.Kind == StreamWebSocket {
		return s.Upgraded && s.Messages >= s.Sent
	}
	return s.Events > 0
}

// doStream is Do for a request that opens a stream.
func doStream(ctx context.Context, baseURL string, req Request) Observation {
	sr := req.Stream
	obs := Observation{Start: time.Now(), Timeout: req.Timeout, ID: req.ID, Stream: &StreamObservation{Kind: sr.Kind}}
	if obs.Timeout <= 0 {
		obs.Timeout = DefaultRequestTimeout
	}
	deadline := obs.Start.Add(obs.Timeout)
	fail := func(kind ErrorKind, err error) Observation {
		obs.Total = time.Since(obs.Start)
		if ctx.Err() != nil && (kind != ErrTimeout || time.Now().Before(deadline)) {
			kind = ErrInterrupted
		}
		obs.ErrorKind, obs.Error = kind, err.Error()
		if kind == ErrTimeout {
			obs.Error = obs.gaveUp()
		}
		return obs
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return fail(ErrConnect, err)
	}
	path := req.Path
	if path == "" {
		path = "/"
	}
	hreq, err := http.NewRequest(http.MethodGet, base.Scheme+"://"+base.Host+path, nil)
	if err != nil {
		return fail(ErrConnect, err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if h, ok := req.Headers["Host"]; ok {
		hreq.Host = h
	}
	hreq.Header.Set("User-Agent", "gatecrash")
	if req.ID != "" {
		hreq.Header.Set(RequestIDHeader, req.ID)
	}
	var key string
	if sr.Kind == StreamWebSocket {
		var k [16]byte
		_, _ = rand.Read(k[:])
		key = base64.StdEncoding.EncodeToString(k[:])
		hreq.Header.Set("Connection", "Upgrade")
		hreq.Header.Set("Upgrade", "websocket")
		hreq.Header.Set("Sec-WebSocket-Version", "13")
		hreq.Header.Set("Sec-WebSocket-Key", key)
	} else {
		hreq.Header.Set("Accept", "text/event-stream")
		hreq.Header.Set("Cache-Control", "no-cache")
	}

	dialer := net.Dialer{Deadline: deadline, Control: loopbackOnly}
	conn, err := dialer.DialContext(ctx, "tcp", base.Host)
	if err != nil {
		return fail(classify(err, ErrConnect), err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := hreq.Write(conn); err != nil {
		return fail(classify(err, ErrReset), err)
	}
	fb := &firstByte{Conn: conn, start: obs.Start, limit: maxHeader}
	br := bufio.NewReader(fb)
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(br, hreq)
		if err != nil {
			kind := classify(err, ErrInvalidHTTP)
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				kind = ErrEmptyReply
				if fb.n > 0 {
					kind = ErrInvalidHTTP
				}
			}
			obs.TTFB, obs.HeadBytes = fb.ttfb(), fb.n
			return fail(kind, err)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	fb.limit = 0
	headAt := time.Now()
	obs.TTFB = fb.ttfb()
	obs.HeadBytes = fb.n - br.Buffered()
	obs.Status, obs.Header = resp.StatusCode, resp.Header
	readUntil := headAt.Add(durationOr(sr.ReadFor, DefaultReadFor))
	if readUntil.After(deadline) {
		readUntil = deadline
	}
	_ = conn.SetReadDeadline(readUntil)
	s := obs.Stream
	var body bytes.Buffer
	sum := sha256.New()
	var kept countWriter
	keep := io.MultiWriter(&capped{w: &body, left: maxBody}, sum, &kept)
	var end error
	switch {
	case sr.Kind == StreamWebSocket && resp.StatusCode == http.StatusSwitchingProtocols:
		s.Upgraded = strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") && resp.Header.Get("Sec-WebSocket-Accept") == acceptKey(key)
		if !s.Upgraded {
			end = fmt.Errorf("a 101 answer without Upgrade: websocket and the right Sec-WebSocket-Accept; got Upgrade %q", resp.Header.Get("Upgrade"))
			break
		}
		end = readWebSocket(conn, io.TeeReader(br, keep), sr.Messages, req.ID, s)
	case sr.Kind == StreamWebSocket:
		// No switch: read the answer, then probe whether the gateway
		// tunnels what follows to the origin anyway.
		_, end = io.Copy(keep, resp.Body)
		if end == nil {
			_, werr := fmt.Fprintf(conn, "%s %s\r\n", TunnelProbe, req.ID)
			s.Probed = werr == nil
			if werr == nil {
				// Until the gateway closes, or ReadFor: counted in the
				// stream's bytes, not kept as the answer's body.
				_, end = io.Copy(io.Discard, br)
			}
		}
	case resp.StatusCode == http.StatusOK:
		var events sseCounter
		_, end = io.Copy(io.MultiWriter(keep, &events), resp.Body)
		s.Events = events.n
	default:
		_, end = io.Copy(keep, resp.Body)
	}
	s.OpenFor = time.Since(headAt)
	obs.Body = body.Bytes()
	obs.BodySHA256 = hex.EncodeToString(sum.Sum(nil))
	obs.BodyBytes = int64(kept)
	s.Bytes = int64(fb.n) - int64(obs.HeadBytes)
	obs.Total = time.Since(obs.Start)
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return fail(ErrInterrupted, context.Cause(ctx))
	case end == nil || errors.Is(end, errStreamClosed) || errors.Is(end, io.EOF):
	case errors.As(end, &ne) && ne.Timeout() && ctx.Err() == nil:
		// The client stopped reading: the stream was still open.
		s.StillOpen = true
		if s.Kind == StreamWebSocket && s.Upgraded {
			s.CloseCode = 0
		}
		if time.Now().After(deadline) && readUntil.Equal(deadline) {
			return fail(ErrTimeout, end)
		}
	case errors.Is(end, io.ErrUnexpectedEOF):
		return fail(ErrTruncated, end)
	default:
		return fail(classify(end, ErrInvalidHTTP), end)
	}
	return obs
}

// durationOr is d when positive, def otherwise.
func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// acceptKey is the Sec-WebSocket-Accept of key (RFC 6455 §4.2.2).
func acceptKey(key string) string {
	h := sha1.New() //nolint:gosec // RFC 6455
	h.Write([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// errStreamClosed ends a WebSocket that closed with a close frame.
var errStreamClosed = errors.New("closed with a close frame")

// readWebSocket sends messages text messages on conn, then reads frames
// from r: it counts whole messages, answers pings, and after as many
// messages as it sent (when it sent any) closes with 1000 and reads on to
// the close frame that answers it. It returns errStreamClosed after a
// close frame, the read error otherwise (io.EOF without one: the close
// code is then CloseAbnormal).
func readWebSocket(conn net.Conn, r io.Reader, messages int, id string, s *StreamObservation) error {
	for i := 1; i <= messages; i++ {
		// A gateway that already ended the stream may reset a write: what
		// it sent before is still read below.
		if writeFrame(conn, 0x1, fmt.Appendf(nil, "gatecrash message %d for %s", i, id)) != nil {
			break
		}
		s.Sent++
	}
	closing := false
	var hdr [14]byte
	for {
		if _, err := io.ReadFull(r, hdr[:2]); err != nil {
			s.CloseCode = CloseAbnormal
			return eofIsEnd(err)
		}
		fin, op := hdr[0]&0x80 != 0, hdr[0]&0x0f
		masked, n := hdr[1]&0x80 != 0, uint64(hdr[1]&0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(r, hdr[2:4]); err != nil {
				s.CloseCode = CloseAbnormal
				return eofIsEnd(err)
			}
			n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(r, hdr[2:10]); err != nil {
				s.CloseCode = CloseAbnormal
				return eofIsEnd(err)
			}
			n = binary.BigEndian.Uint64(hdr[2:10])
		}
		var mask [4]byte
		if masked {
			if _, err := io.ReadFull(r, mask[:]); err != nil {
				s.CloseCode = CloseAbnormal
				return eofIsEnd(err)
			}
		}
		var payload []byte
		if n <= 125 {
			payload = make([]byte, n)
			_, err := io.ReadFull(r, payload)
			if err != nil {
				s.CloseCode = CloseAbnormal
				return eofIsEnd(err)
			}
		} else if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			s.CloseCode = CloseAbnormal
			return eofIsEnd(err)
		}
		switch {
		case op == 0x8: // close
			s.CloseCode = CloseNoStatus
			if len(payload) >= 2 {
				s.CloseCode = int(binary.BigEndian.Uint16(payload))
			}
			if !closing {
				_ = writeFrame(conn, 0x8, payload[:min(len(payload), 2)])
			}
			return errStreamClosed
		case op == 0x9: // ping
			_ = writeFrame(conn, 0xA, payload)
		case op == 0xA: // pong
		case fin: // the last frame of a data message
			s.Messages++
			if messages > 0 && s.Messages >= messages && !closing {
				closing = true
				_ = writeFrame(conn, 0x8, []byte{0x03, 0xe8}) // 1000
			}
		}
	}
}

// eofIsEnd turns the end of a connection, in the middle of a frame or by
// a reset, into io.EOF: for a WebSocket, a connection that ended without
// a close frame is told by the close code (CloseAbnormal), whether the
// gateway closed or reset it (which may depend on whether the client had
// written since), not as a broken answer. Timeouts stay what they are:
// the client stopped reading.
func eofIsEnd(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return io.EOF
}

// writeFrame writes one final client frame, masked as RFC 6455 asks of
// a client.
func writeFrame(w io.Writer, op byte, payload []byte) error {
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	frame := []byte{0x80 | op}
	switch n := len(payload); {
	case n <= 125:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xffff:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	frame = append(frame, mask[:]...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	_, err := w.Write(frame)
	return err
}

// countWriter counts the bytes written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// sseCounter counts the whole server-sent events written to it: blocks
// ended by a blank line (LF, CRLF or CR line ends) that have a data line.
type sseCounter struct {
	line    []byte
	hasData bool
	lastCR  bool
	n       int
}

func (c *sseCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' && c.lastCR {
			c.lastCR = false
			continue // the LF of a CRLF
		}
		c.lastCR = b == '\r'
		if b != '\n' && b != '\r' {
			c.line = append(c.line, b)
			continue
		}
		switch {
		case len(c.line) == 0:
			if c.hasData {
				c.n++
			}
			c.hasData = false
		case bytes.HasPrefix(c.line, []byte("data:")) || bytes.Equal(c.line, []byte("data")):
			c.hasData = true
		}
		c.line = c.line[:0]
	}
	return len(p), nil
}
