package harness

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RequestIDHeader is the header in which the client tags every request it
// sends through the gateway with an id of its own. The origin reads it on
// each upstream request, so every attempt is tied to the client request that
// caused it however many are in flight. Gateways pass such headers on by
// default.
const RequestIDHeader = "X-Gatecrash-Request"

// AnswerToHeader is the header in which the origin names, on every answer
// of its routes, the request id it answers (RequestIDHeader): the canary
// of a response desync. An answer a client gets under another request's
// id is cross-wired (see CrossWire).
const AnswerToHeader = "X-Gatecrash-Answer-To"

// journalCap bounds how many connections a journal notes between resets;
// past it the journal only counts, and observations say attempts went
// uncounted.
const journalCap = 1 << 17

// maxAnswerHead bounds the status line and header block the journal keeps
// of an answer a fault writes, to parse it.
const maxAnswerHead = 16 << 20

// maxWireKept bounds how much of an answer a fault writes the journal keeps
// as it was sent, so a client's body made of part of it can be recognised.
const maxWireKept = 64 << 10

// journal is an origin's record of what reached it since the last reset:
// each connection it accepted (on its plain port or its TLS endpoint), each
// request read on it with the client's request id, and the answer it sent.
type journal struct {
	mu       sync.Mutex
	conns    []*connEntry
	byConn   map[net.Conn]*connEntry
	n        int  // connections numbered since the reset
	overflow bool // journalCap was reached
}

// connEntry is one connection the origin accepted.
type connEntry struct {
	n        int
	endpoint string
	accepted time.Time // zero: accepted before the last reset
	reqs     []*reqEntry
	faulted  bool // a fault's behaviour took the connection (FaultHit)
}

// reqEntry is one request the origin read, and its answer.
type reqEntry struct {
	conn   *connEntry
	id     string
	method string
	read   time.Time
	// An answer is known either from the HTTP server's writes (status,
	// body hash and count; complete when the handler returned) or from the
	// raw bytes a fault wrote, parsed as they go (wire).
	answered bool
	status   int
	sent     int64
	hash     hash.Hash
	complete bool
	wire     *wireAnswer
	faulted  bool // a fault's request behaviour took it (FaultHit)
}

func newJournal() *journal { return &journal{byConn: map[net.Conn]*connEntry{}} }

// reset forgets everything; connections still open are noted again, as
// accepted before the reset, when they carry a request.
func (j *journal) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.conns, j.byConn, j.n, j.overflow = nil, map[net.Conn]*connEntry{}, 0, false
}

// accept notes a connection the origin accepted on endpoint.
func (j *journal) accept(conn net.Conn, endpoint string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.add(conn, endpoint, time.Now())
}

func (j *journal) add(conn net.Conn, endpoint string, at time.Time) *connEntry {
	if len(j.conns) >= journalCap {
		j.overflow = true
		return nil
	}
	j.n++
	e := &connEntry{n: j.n, endpoint: endpoint, accepted: at}
	j.conns = append(j.conns, e)
	j.byConn[conn] = e
	return e
}

// request notes a request read on conn and returns its entry (nil when the
// journal is full).
func (j *journal) request(conn net.Conn, r *http.Request) *reqEntry {
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = tc.NetConn() // a TLS connection is noted by its TCP one
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.byConn[conn]
	if e == nil {
		endpoint := "http"
		if r.TLS != nil {
			endpoint = "tls"
		}
		// Open since before the reset (a gateway's pooled connection).
		if e = j.add(conn, endpoint, time.Time{}); e == nil {
			return nil
		}
	}
	re := &reqEntry{conn: e, id: r.Header.Get(RequestIDHeader), method: r.Method, read: time.Now()}
	e.reqs = append(e.reqs, re)
	return re
}

// hitConn notes that a fault's behaviour took conn.
func (j *journal) hitConn(conn net.Conn) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e := j.byConn[conn]; e != nil {
		e.faulted = true
	}
}

// hitRequest notes that a fault's request behaviour took re.
func (j *journal) hitRequest(re *reqEntry) {
	if re == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	re.faulted = true
}

// forget drops conn from the lookup table once it is closed.
func (j *journal) forget(conn net.Conn) {
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = tc.NetConn()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.byConn, conn)
}

// header notes the status the HTTP server answers re with.
func (j *journal) header(re *reqEntry, status int) {
	if re == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !re.answered {
		re.answered, re.status, re.hash = true, status, sha256.New()
	}
}

// body notes body bytes the HTTP server sends for re.
func (j *journal) body(re *reqEntry, p []byte) {
	if re == nil || re.method == http.MethodHead {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	re.sent += int64(len(p))
	re.hash.Write(p)
}

// finish notes that the HTTP server's handler for re returned normally.
func (j *journal) finish(re *reqEntry) {
	if re == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	re.complete = re.answered
}

// wire notes raw answer bytes a fault writes for re, before they go out.
func (j *journal) wire(re *reqEntry, p []byte) {
	if re == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if re.wire == nil {
		re.wire = &wireAnswer{method: re.method, hash: sha256.New(), wireHash: sha256.New(), declared: -1}
	}
	re.wire.write(p)
}

// Answer is what the origin sent in reply to one request, as it knows it:
// exactly, whatever it sent, a head that does not parse included.
type Answer struct {
	// Status is the three-digit code of the status line it sent, whatever
	// its value (999 too) and whether or not the rest of the head parsed;
	// 0 when it sent no status line with three digits from 001 to 999
	// (garbage, HTTP/0.9, "HTTP/1.1 2000 OK").
	Status int
	// Declared is the body length the head declared (Content-Length), -1
	// when it declared none (chunked, ended by the close, or a head that
	// did not parse).
	Declared int64
	// Sent counts the body bytes sent, SHA256 is their hash (hex). After a
	// head that did not parse, the body is every byte after its blank
	// line, up to the close (there is no framing to go by); without a head
	// that ended, it is empty.
	Sent   int64
	SHA256 string
	// Complete says the body was whole: as long as declared, or ended by
	// its last chunk, or by the close that delimits it. It is false after
	// a head that did not parse: nothing says how long the body was.
	Complete bool
	// BodyError says why a body after a valid head was not whole: cut
	// short of its length, cut before its last chunk, an invalid chunk
	// size; empty when it was whole, or when the head did not parse.
	BodyError string
	// HeadError says why what the origin sent is not a valid HTTP head
	// (no status line, no three-digit code, a header line without a colon,
	// a bad or conflicting Content-Length, no end); empty when the head
	// parsed. The status line's grammar is RFC 9112's: any three digits,
	// so a 999 head parses.
	HeadError string
	// WireBytes counts every byte the origin wrote in answer, head
	// included, and WireSHA256 is their hash (hex): known for an answer a
	// fault writes raw, left out for the answers of the origin's HTTP
	// server (valid heads it wrote itself).
	WireBytes  int64
	WireSHA256 string
	// wire is the start of those bytes (maxWireKept), as they were sent.
	wire []byte
}

// serverCut is the body error of an answer the origin's HTTP server
// started and its handler never finished (a crash or a cut connection).
const serverCut = "the origin's handler did not finish it"

func (re *reqEntry) answer() *Answer {
	switch {
	case re.wire != nil:
		return re.wire.answer()
	case re.answered:
		a := &Answer{Status: re.status, Declared: -1, Sent: re.sent, Complete: re.complete,
			SHA256: hex.EncodeToString(re.hash.Sum(nil))}
		if re.complete {
			a.Declared = re.sent
		} else {
			a.BodyError = serverCut
		}
		return a
	}
	return nil
}

// wireAnswer parses the raw bytes of an answer as a fault writes them, a
// piece at a time, keeping only the head and the start of the whole: the
// body is counted and hashed, its chunked framing decoded on the way, and
// every byte is counted and hashed as it was sent.
type wireAnswer struct {
	method   string
	head     []byte
	state    wireState
	status   int
	headErr  string // why the head did not parse
	bodyErr  string // why the body after a valid head is not valid
	declared int64
	left     int64 // bytes left of the declared body or of the current chunk
	line     []byte
	sent     int64
	hash     hash.Hash
	complete bool
	wire     []byte // the first maxWireKept bytes sent
	wireN    int64
	wireHash hash.Hash
}

type wireState int

const (
	wireHead      wireState = iota // reading the status line and header block
	wireLength                     // a body of a declared length
	wireClose                      // a body ended by the close
	wireChunkSize                  // a chunk-size line
	wireChunkData                  // chunk data
	wireChunkCRLF                  // the CRLF after chunk data
	wireTrailer                    // the trailer section after the last chunk
	wireDone                       // the body is complete
	wireUnframed                   // after a head that did not parse: the body runs to the close
	wireInvalid                    // not valid HTTP: nothing more is parsed
)

// noStatusLine is the head error of an answer that does not start as one.
const noStatusLine = "no status line: the answer does not start with HTTP/"

func (w *wireAnswer) write(p []byte) {
	w.wireN += int64(len(p))
	w.wireHash.Write(p)
	if keep := min(len(p), maxWireKept-len(w.wire)); keep > 0 {
		w.wire = append(w.wire, p[:keep]...)
	}
	for len(p) > 0 {
		switch w.state {
		case wireHead:
			w.head = append(w.head, p...)
			p = nil
			if n := min(len(w.head), 5); !bytes.Equal(w.head[:n], []byte("HTTP/")[:n]) {
				// Garbage or an HTTP/0.9 body: no head, so no body after one.
				w.state, w.headErr, w.head = wireInvalid, noStatusLine, nil
				continue
			}
			i := bytes.Index(w.head, []byte("\r\n\r\n"))
			if i < 0 {
				if len(w.head) > maxAnswerHead {
					w.status, _ = statusCode(firstLine(w.head))
					w.state, w.headErr = wireInvalid, fmt.Sprintf("a head longer than %d bytes", maxAnswerHead)
				}
				continue
			}
			rest := w.head[i+4:]
			w.head = w.head[:i+4]
			w.parseHead()
			p = rest
		case wireLength:
			n := min(int64(len(p)), w.left)
			w.body(p[:n])
			w.left -= n
			p = p[n:]
			if w.left == 0 {
				w.state, w.complete = wireDone, true
			}
		case wireClose, wireUnframed:
			w.body(p)
			p = nil
		case wireChunkData:
			n := min(int64(len(p)), w.left)
			w.body(p[:n])
			w.left -= n
			p = p[n:]
			if w.left == 0 {
				w.state = wireChunkCRLF
			}
		case wireChunkSize, wireChunkCRLF, wireTrailer:
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				w.line = append(w.line, p...)
				p = nil
				if len(w.line) > 4096 {
					w.state, w.bodyErr = wireInvalid, "a chunked-framing line longer than 4096 bytes"
				}
				continue
			}
			line := strings.TrimRight(string(append(w.line, p[:i]...)), "\r")
			w.line, p = w.line[:0], p[i+1:]
			w.endLine(line)
		default: // done or invalid: the rest is not part of the answer
			p = nil
		}
	}
}

func (w *wireAnswer) body(p []byte) {
	w.sent += int64(len(p))
	w.hash.Write(p)
}

// parseHead reads the status and the body's framing from the head. It
// reads only what decides them, in one pass: a fault's head may be
// megabytes long, and the origin notes it before sending it. A head that
// does not parse keeps its status, when its status line has one, and the
// bytes after it are counted as its body.
func (w *wireAnswer) parseHead() {
	head := w.head[:len(w.head)-4]
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	status, ok := statusCode(line)
	if !ok {
		w.unframed(fmt.Sprintf("status line %q without a three-digit status code from 001 to 999", clip(line)))
		return
	}
	w.status = status
	length, chunked := int64(-1), false
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			w.unframed(fmt.Sprintf("header line without a colon: %q", clip(line)))
			return
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			switch {
			case err != nil || n < 0:
				w.unframed(fmt.Sprintf("bad Content-Length: %q", clip(value)))
				return
			case length >= 0 && n != length:
				w.unframed(fmt.Sprintf("conflicting Content-Length: %q after %d", clip(value), length))
				return
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			codings := bytes.Split(value, []byte(","))
			chunked = bytes.EqualFold(bytes.TrimSpace(codings[len(codings)-1]), []byte("chunked"))
		}
	}
	switch {
	case status >= 100 && status < 200 && status != http.StatusSwitchingProtocols:
		// An interim answer (100 Continue, 103 Early Hints): the answer
		// is the final one after it, as a client reads it.
		w.state, w.head = wireHead, nil
	case w.method == http.MethodHead || status == http.StatusNoContent || status == http.StatusNotModified || status == http.StatusSwitchingProtocols:
		w.state, w.complete, w.declared = wireDone, true, 0
	case chunked: // Transfer-Encoding wins over Content-Length (RFC 9112)
		w.state = wireChunkSize
	case length >= 0:
		w.declared, w.left = length, length
		w.state = wireLength
		if w.left == 0 {
			w.state, w.complete = wireDone, true
		}
	default:
		w.state = wireClose
	}
}

// unframed notes a head that did not parse, and why: what follows it is
// counted as its body, to the close.
func (w *wireAnswer) unframed(why string) {
	w.state, w.headErr = wireUnframed, why
}

// statusCode reads the code of a status line such as "HTTP/1.1 200 OK":
// any three digits, as RFC 9112's grammar has it (status-code = 3DIGIT),
// 999 too; ok is false for anything else, and for 000, which would read
// as no status.
func statusCode(line []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(line, []byte("HTTP/1."))
	if !ok || len(rest) < 5 || (rest[0] != '0' && rest[0] != '1') || rest[1] != ' ' || len(rest) > 5 && rest[5] != ' ' {
		return 0, false
	}
	code := 0
	for _, c := range rest[2:5] {
		if c < '0' || c > '9' {
			return 0, false
		}
		code = code*10 + int(c-'0')
	}
	return code, code != 0
}

// firstLine is the head's first line, or all of it when no line ended.
func firstLine(head []byte) []byte {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	return line
}

// clip shortens a line quoted in a head error.
func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// endLine handles one line of the chunked framing.
func (w *wireAnswer) endLine(line string) {
	switch w.state {
	case wireChunkSize:
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
		switch {
		case err != nil || n < 0:
			w.state, w.bodyErr = wireInvalid, fmt.Sprintf("invalid chunk size line %q", clip([]byte(line)))
		case n == 0:
			w.state = wireTrailer
		default:
			w.state, w.left = wireChunkData, n
		}
	case wireChunkCRLF:
		if line != "" {
			w.state, w.bodyErr = wireInvalid, fmt.Sprintf("%q after chunk data, where its CRLF belongs", clip([]byte(line)))
			return
		}
		w.state = wireChunkSize
	case wireTrailer:
		if line == "" {
			w.state, w.complete = wireDone, true
		}
	}
}

func (w *wireAnswer) answer() *Answer {
	a := &Answer{Status: w.status, Declared: w.declared, Sent: w.sent, Complete: w.complete || w.state == wireClose,
		SHA256: hex.EncodeToString(w.hash.Sum(nil)), HeadError: w.headErr,
		WireBytes: w.wireN, WireSHA256: hex.EncodeToString(w.wireHash.Sum(nil)), wire: bytes.Clone(w.wire)}
	if w.state == wireHead {
		// The head never ended: what it says of the status is all there is.
		a.Status, _ = statusCode(firstLine(w.head))
		if !bytes.Contains(w.head, []byte("\r\n")) {
			a.Status = 0 // the status line itself is cut
		}
		a.HeadError = "the head has no end (no blank line) in what was sent"
	}
	switch {
	case a.HeadError != "":
		a.Declared, a.Complete = -1, false
	case a.Complete:
	case w.bodyErr != "":
		a.BodyError = w.bodyErr
	case w.state == wireLength:
		a.BodyError = fmt.Sprintf("cut after %d of the %d bytes its Content-Length declared", w.sent, w.declared)
	case w.state == wireTrailer:
		a.BodyError = "cut in its trailer section, after its last chunk"
	default:
		a.BodyError = "cut before its last chunk"
	}
	return a
}

// Attempt is one upstream attempt the origin saw: a request it read, or a
// connection it accepted on which no request arrived.
type Attempt struct {
	// Endpoint is where it arrived: "http", the origin's port behind the
	// toxic proxy, "tls", its TLS endpoint, "h2c", its h2c endpoint, or
	// "h2tls", its HTTP/2-over-TLS endpoint (whatever ALPN chose);
	// "unaccepted" is a connect to the origin's address that nothing
	// accepted, seen as its SYN on loopback (Accepted is then when it was
	// sent).
	Endpoint string
	// Instance is the origin instance, from 1.
	Instance int
	// Connection numbers the connection at that instance since the
	// scenario began, from 1.
	Connection int
	// Accepted is when the connection was accepted, counted from the start
	// of the client's request; Reused says it was accepted before it (a
	// kept-alive connection).
	Accepted time.Duration
	Reused   bool
	// RequestRead says a request was read on the connection for this
	// attempt, Request when, from the start of the client's request.
	RequestRead bool
	Request     time.Duration
	// Tagged says the request carried the client's request id; an untagged
	// attempt (a connection without a request, a request without the id) is
	// counted only when the client's request was the only one in flight.
	Tagged bool
	// Answer is what the origin sent back, when it sent anything.
	Answer *Answer
	// Faulted says the attempt got the fault's behaviour: the origin or
	// its TLS endpoint handed it to the fault, a toxic acted on its
	// connection, or it was a connect nothing accepted during the fault.
	Faulted bool
}

// firstSeen is when the attempt was first seen: its request, or its
// connection when no request was read on a new one.
func (a Attempt) firstSeen() time.Duration {
	if a.RequestRead && (a.Reused || a.Request < a.Accepted) {
		return a.Request
	}
	return a.Accepted
}

// event is an attempt with the times it is judged by.
type event struct {
	Attempt
	at     time.Time // when it happened: the request read, or the accept
	fresh  bool      // the connection was accepted at or after from
	tagged bool
}

// attempts lists what the journal holds for the request id between from
// and to: every request tagged with id, whenever it came, and the untagged
// requests and request-less connections of the window, for the caller to
// attribute. overflow says the journal stopped noting.
func (j *journal) attempts(id string, instance int, from, to time.Time) (evs []event, overflow bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	in := func(t time.Time) bool { return !t.Before(from) && !t.After(to) }
	for _, c := range j.conns {
		fresh := !c.accepted.IsZero() && !c.accepted.Before(from)
		base := Attempt{Endpoint: c.endpoint, Instance: instance, Connection: c.n, Reused: !fresh, Faulted: c.faulted}
		if !c.accepted.IsZero() {
			base.Accepted = c.accepted.Sub(from)
		}
		if len(c.reqs) == 0 {
			if fresh && in(c.accepted) {
				evs = append(evs, event{Attempt: base, at: c.accepted, fresh: true})
			}
			continue
		}
		for _, r := range c.reqs {
			tagged := r.id != "" && r.id == id
			if !tagged && (r.id != "" || !in(r.read)) {
				continue // another client's request, or outside the window
			}
			a := base
			a.RequestRead, a.Request, a.Tagged = true, r.read.Sub(from), tagged
			a.Faulted = a.Faulted || r.faulted
			a.Answer = r.answer()
			evs = append(evs, event{Attempt: a, at: r.read, fresh: fresh, tagged: tagged})
		}
	}
	return evs, j.overflow
}

// hasRequest reports whether the journal holds a request tagged id.
func (j *journal) hasRequest(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.conns {
		for _, r := range c.reqs {
			if r.id == id {
				return true
			}
		}
	}
	return false
}

// window lists every attempt the journal holds between from and to, whoever
// made it: the requests read then, and the connections accepted then on
// which no request was read. A load's attempts, for the verdict on meeting
// the fault.
func (j *journal) window(instance int, from, to time.Time) []Attempt {
	j.mu.Lock()
	defer j.mu.Unlock()
	in := func(t time.Time) bool { return !t.Before(from) && !t.After(to) }
	var out []Attempt
	for _, c := range j.conns {
		fresh := !c.accepted.IsZero() && !c.accepted.Before(from)
		base := Attempt{Endpoint: c.endpoint, Instance: instance, Connection: c.n, Reused: !fresh, Faulted: c.faulted}
		if fresh {
			base.Accepted = c.accepted.Sub(from)
		}
		if len(c.reqs) == 0 && fresh && in(c.accepted) {
			out = append(out, base)
		}
		for _, r := range c.reqs {
			if in(r.read) {
				a := base
				a.RequestRead, a.Request, a.Tagged = true, r.read.Sub(from), r.id != ""
				a.Faulted = a.Faulted || r.faulted
				a.Answer = r.answer()
				out = append(out, a)
			}
		}
	}
	return out
}

// counts is how many requests read and connections accepted in the window,
// whatever their tags: the load's totals.
func (j *journal) counts(from, to time.Time) (requests, connections int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	in := func(t time.Time) bool { return !t.Before(from) && !t.After(to) }
	for _, c := range j.conns {
		if in(c.accepted) {
			connections++
		}
		for _, r := range c.reqs {
			if in(r.read) {
				requests++
			}
		}
	}
	return requests, connections
}

// clients notes the client requests in flight through the gateway, so an
// untagged upstream event can be tied to the one request that can have
// caused it, and to none when several could have.
type clients struct {
	mu    sync.Mutex
	spans []*span
}

// span is a client request (or a load: weight 2, many at once) in flight
// from start to end (zero while it is).
type span struct {
	start, end time.Time
	weight     int
}

// begin notes a request in flight from now; end it with c.end.
func (c *clients) begin(weight int) *span {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	// Spans that ended long ago cannot hold an event still asked about.
	kept := c.spans[:0]
	for _, s := range c.spans {
		if s.end.IsZero() || now.Sub(s.end) < 10*time.Minute {
			kept = append(kept, s)
		}
	}
	c.spans = kept
	s := &span{start: now, weight: weight}
	c.spans = append(c.spans, s)
	return s
}

func (c *clients) end(s *span) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.end = time.Now()
}

// at is how many client requests were in flight at t.
func (c *clients) at(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.spans {
		if !t.Before(s.start) && (s.end.IsZero() || !t.After(s.end)) {
			n += s.weight
		}
	}
	return n
}

func (c *clients) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.spans[:0]
	for _, s := range c.spans {
		if s.end.IsZero() {
			kept = append(kept, s)
		}
	}
	c.spans = kept
}
