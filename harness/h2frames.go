package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// H2Conn is the server side of an HTTP/2 connection written frame by frame,
// for faults that misbehave where no real server would: the h2c endpoint's
// behaviours open one with Accept, read each request with NextRequest, and
// answer (or not) with the frames they choose. Every request it reads is
// counted and noted in the origin's journal under the client's request id,
// and the status and body bytes it sends are noted as the answer, so the
// integrity of what the client got can be judged as over HTTP/1.1.
type H2Conn struct {
	// Framer writes and reads the connection's frames; a behaviour may use
	// it for frames H2Conn has no method for.
	Framer *http2.Framer
	conn   net.Conn
	origin *Origin
	enc    *hpack.Encoder
	hbuf   bytes.Buffer
	// pending are requests ReadBody read while it waited for another's
	// body, for NextRequest to return first.
	pending []*H2Request
	// last is the highest stream a request was read on.
	last uint32
}

// H2Request is one request stream an H2Conn read.
type H2Request struct {
	// StreamID is the stream the request came on.
	StreamID uint32
	// Request is the request as the HEADERS frame declared it.
	Request *http.Request
	// EndStream says the HEADERS frame ended the client's side (no body).
	EndStream bool
	entry     *reqEntry
}

// h2Wait bounds how long Accept waits for the client's preface.
const h2Wait = 10 * time.Second

// Accept reads the client's connection preface and SETTINGS on conn and
// sends the server's SETTINGS (settings, or none: the protocol's
// defaults), as every HTTP/2 server does first. The client's SETTINGS are
// acknowledged as NextRequest meets them.
func (h *H2COrigin) Accept(conn net.Conn, settings ...http2.Setting) (*H2Conn, error) {
	h.mu.Lock()
	hc := h.held[conn]
	h.mu.Unlock()
	if hc == nil {
		_ = conn.SetReadDeadline(time.Now().Add(h2Wait))
	}
	hc.readDeadline(h2Wait, true)
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(conn, preface); err != nil {
		return nil, fmt.Errorf("h2c: read the client preface: %w", err)
	}
	if string(preface) != http2.ClientPreface {
		return nil, fmt.Errorf("h2c: expected the client preface, got %q", preface)
	}
	if hc == nil {
		_ = conn.SetReadDeadline(time.Time{})
	}
	hc.readDeadline(0, false)
	c := &H2Conn{conn: conn, origin: h.origin, Framer: http2.NewFramer(conn, conn)}
	hc.opened(c)
	c.Framer.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.Framer.MaxHeaderListSize = 1 << 20
	c.enc = hpack.NewEncoder(&c.hbuf)
	if err := c.Framer.WriteSettings(settings...); err != nil {
		return nil, fmt.Errorf("h2c: write SETTINGS: %w", err)
	}
	return c, nil
}

// NextRequest reads frames until a request's HEADERS (with its
// CONTINUATIONs), acknowledging SETTINGS and answering PINGs on the way and
// discarding the rest (a request's DATA, WINDOW_UPDATE, PRIORITY,
// RST_STREAM). It returns io.EOF when the client closed the connection.
func (c *H2Conn) NextRequest() (*H2Request, error) {
	if len(c.pending) > 0 {
		r := c.pending[0]
		c.pending = c.pending[1:]
		return r, nil
	}
	for {
		f, err := c.Framer.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				continue // a malformed stream; the connection goes on
			}
			return nil, err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := c.Framer.WriteSettingsAck(); err != nil {
					return nil, err
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := c.Framer.WritePing(true, f.Data); err != nil {
					return nil, err
				}
			}
		case *http2.GoAwayFrame:
			return nil, io.EOF
		case *http2.MetaHeadersFrame:
			return c.request(f), nil
		}
	}
}

// request makes the request a HEADERS frame declared, and notes it.
func (c *H2Conn) request(f *http2.MetaHeadersFrame) *H2Request {
	req := &http.Request{
		Method: f.PseudoValue("method"), Proto: "HTTP/2.0", ProtoMajor: 2,
		Header: http.Header{}, Host: f.PseudoValue("authority"), RequestURI: f.PseudoValue("path"),
		Body: http.NoBody,
	}
	req.URL, _ = url.ParseRequestURI(req.RequestURI)
	if req.URL == nil {
		req.URL = &url.URL{Path: req.RequestURI}
	}
	for _, hf := range f.RegularFields() {
		req.Header.Add(http.CanonicalHeaderKey(hf.Name), hf.Value)
	}
	c.last = max(c.last, f.StreamID)
	c.origin.CountRequest()
	entry := c.origin.journal.request(c.conn, req)
	ctx := context.WithValue(context.Background(), reqEntryKey{}, entry)
	return &H2Request{StreamID: f.StreamID, Request: req.WithContext(ctx), EndStream: f.StreamEnded(), entry: entry}
}

// ReadBody reads r's request body: the DATA frames of its stream until
// the one that ends it, acknowledging SETTINGS and answering PINGs on the
// way, and keeping the requests of other streams for NextRequest. It
// sends no WINDOW_UPDATE: the client may send only what the windows allow. It returns io.EOF when the client closed the connection
// or sent GOAWAY, and an http2.StreamError when it reset the stream (the
// connection goes on).
func (c *H2Conn) ReadBody(r *H2Request) ([]byte, error) {
	var body []byte
	for !r.EndStream {
		f, err := c.Framer.ReadFrame()
		if err != nil {
			return body, err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := c.Framer.WriteSettingsAck(); err != nil {
					return body, err
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				if err := c.Framer.WritePing(true, f.Data); err != nil {
					return body, err
				}
			}
		case *http2.GoAwayFrame:
			return body, io.EOF
		case *http2.RSTStreamFrame:
			if f.StreamID == r.StreamID {
				return body, http2.StreamError{StreamID: r.StreamID, Code: f.ErrCode}
			}
		case *http2.DataFrame:
			if f.StreamID == r.StreamID {
				body = append(body, f.Data()...)
				r.EndStream = f.StreamEnded()
			}
		case *http2.MetaHeadersFrame:
			c.pending = append(c.pending, c.request(f))
		}
	}
	return body, nil
}

// Response is the answer the origin's routes give to r: its status,
// headers and body, as the healthy endpoint serves them.
func (c *H2Conn) Response(r *H2Request) (status int, header http.Header, body []byte) {
	resp := c.origin.Response(r.Request)
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// WriteHeaders sends r's response head, status and header (names lower
// case, as HTTP/2 wants them), ending the stream when endStream. It notes
// the status as r's answer.
func (c *H2Conn) WriteHeaders(r *H2Request, status int, header http.Header, endStream bool) error {
	fields := []hpack.HeaderField{{Name: ":status", Value: strconv.Itoa(status)}}
	for _, k := range slices.Sorted(maps.Keys(header)) {
		for _, v := range header[k] {
			fields = append(fields, hpack.HeaderField{Name: strings.ToLower(k), Value: v})
		}
	}
	return c.WriteHeaderFields(r, status, fields, endStream)
}

// WriteHeaderFields sends r's response head as the fields exactly as
// given, :status included, in their order, in one HEADERS frame: nothing
// is checked, so a fault may send what HTTP/2 forbids. status is what the
// journal notes as r's answer.
func (c *H2Conn) WriteHeaderFields(r *H2Request, status int, fields []hpack.HeaderField, endStream bool) error {
	c.hbuf.Reset()
	for _, f := range fields {
		_ = c.enc.WriteField(f)
	}
	c.origin.journal.header(r.entry, status)
	if endStream {
		c.origin.journal.finish(r.entry)
	}
	return c.Framer.WriteHeaders(http2.HeadersFrameParam{
		StreamID: r.StreamID, BlockFragment: c.hbuf.Bytes(), EndHeaders: true, EndStream: endStream,
	})
}

// WriteData sends body bytes of r's answer in one DATA frame (up to the
// protocol's default frame size, 16384 bytes), ending the stream when
// endStream. The bytes are noted as sent, and the answer as whole when the
// stream ends.
func (c *H2Conn) WriteData(r *H2Request, p []byte, endStream bool) error {
	c.origin.journal.body(r.entry, p)
	if endStream {
		c.origin.journal.finish(r.entry)
	}
	return c.Framer.WriteData(r.StreamID, endStream, p)
}

// Answer sends r the origin's normal answer (Response): HEADERS, then the
// body in DATA frames, the last ending the stream.
func (c *H2Conn) Answer(r *H2Request) error {
	status, header, body := c.Response(r)
	header.Set("Content-Length", strconv.Itoa(len(body)))
	if len(body) == 0 || r.Request.Method == http.MethodHead {
		return c.WriteHeaders(r, status, header, true)
	}
	if err := c.WriteHeaders(r, status, header, false); err != nil {
		return err
	}
	for len(body) > 0 {
		n := min(len(body), 16384)
		if err := c.WriteData(r, body[:n], n == len(body)); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// WriteRSTStream resets r's stream with code.
func (c *H2Conn) WriteRSTStream(r *H2Request, code http2.ErrCode) error {
	return c.Framer.WriteRSTStream(r.StreamID, code)
}

// WriteGoAway sends GOAWAY: the connection takes no stream above
// lastStreamID, for the reason code.
func (c *H2Conn) WriteGoAway(lastStreamID uint32, code http2.ErrCode, debug string) error {
	return c.Framer.WriteGoAway(lastStreamID, code, []byte(debug))
}

// Drain reads and discards what the client sends until it closes the
// connection or the behaviour's context ends (the origin then makes reads
// fail), acknowledging SETTINGS and answering PINGs so that the client
// does not give up on the connection for that. A behaviour that keeps a
// connection open after misbehaving waits on it.
func (c *H2Conn) Drain() {
	for {
		if _, err := c.NextRequest(); err != nil {
			return
		}
	}
}

// end ends the connection as a server that shuts down does: GOAWAY
// NO_ERROR naming the last stream it read a request on, its side closed,
// then what the client still sends read and discarded until the client
// closes too (endWait at most for each). A client drops the connection
// from its pool at the GOAWAY, whether or not it ever sent a request on
// it, and sends again on a new connection a request the GOAWAY left out.
// It gives up at the first step that fails: the behaviour closed the
// connection, or the client did, or stopped reading. With deadline, the
// GOAWAY gets endWait to go out; without, the write deadline already set
// stands.
func (c *H2Conn) end(deadline bool) {
	if deadline {
		_ = c.conn.SetWriteDeadline(time.Now().Add(endWait))
	}
	if err := c.Framer.WriteGoAway(c.last, http2.ErrCodeNo, nil); err != nil {
		return
	}
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() != nil {
			return
		}
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(endWait))
	_, _ = io.Copy(io.Discard, c.conn)
}

// Conn is the connection's TCP connection.
func (c *H2Conn) Conn() net.Conn { return c.conn }
