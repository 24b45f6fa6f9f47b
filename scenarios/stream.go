package scenarios

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml/ast"
	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

// WebSocketSpec makes a scenario's request open a WebSocket through the
// gateway: the Upgrade handshake, then Messages text messages sent and
// their echoes read, for ReadFor at most:
//
//	request: {path: /ws/, websocket: {messages: 3, read_for: 2s}}
type WebSocketSpec struct {
	// Messages is how many text messages are sent after the 101 (default
	// 3; 0 sends none and only reads).
	Messages *int `yaml:"messages" json:"messages,omitempty"`
	// ReadFor is how long the stream is read after its head (default 2s).
	ReadFor Duration `yaml:"read_for" json:"read_for,omitempty"`
}

// SSESpec makes a scenario's request read server-sent events through the
// gateway for ReadFor at most, or until the gateway ends the stream:
//
//	request: {path: /sse/, sse: {read_for: 2s}}
type SSESpec struct {
	// ReadFor is how long the stream is read after its head (default 2s).
	ReadFor Duration `yaml:"read_for" json:"read_for,omitempty"`
}

// defaultMessages is how many messages a WebSocket sends by default.
const defaultMessages = 3

// stream is the request's stream as the harness opens it, nil for a plain
// request.
func (r RequestSpec) stream() *harness.StreamRequest {
	switch {
	case r.WebSocket != nil:
		n := defaultMessages
		if r.WebSocket.Messages != nil {
			n = *r.WebSocket.Messages
		}
		return &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: n, ReadFor: r.WebSocket.ReadFor.D()}
	case r.SSE != nil:
		return &harness.StreamRequest{Kind: harness.StreamSSE, ReadFor: r.SSE.ReadFor.D()}
	}
	return nil
}

// validateStream checks a stream request: one kind, a GET without a body,
// no load, read within the request's timeout; and that stream
// expectations have a stream to judge.
func (sc *Scenario) validateStream(d *decoder, at string) {
	r := sc.Request
	if r.stream() == nil {
		if sc.Expect.Stream != nil {
			d.failPath(at+".expect.stream", "%s.expect.stream: judges a stream: add request.websocket or request.sse to the scenario", at)
		}
		return
	}
	switch {
	case r.WebSocket != nil && r.SSE != nil:
		d.failPath(at+".request.sse", "%s.request: expected one of websocket or sse, not both", at)
	case r.Method != "" && r.Method != "GET":
		d.failPath(at+".request.method", "%s.request.method: a stream is opened with a GET; got %q", at, r.Method)
	case r.Body != "":
		d.failPath(at+".request.body", "%s.request.body: a stream is opened with a GET without a body; remove the body", at)
	case sc.Load != nil:
		d.failPath(at+".load", "%s.load: a load sends plain requests; expected no request.websocket or request.sse with it", at)
	}
	if w := r.WebSocket; w != nil && w.Messages != nil && (*w.Messages < 0 || *w.Messages > 1000) {
		d.failPath(at+".request.websocket.messages", "%s.request.websocket.messages: expected 0 to 1000; got %d", at, *w.Messages)
	}
	readFor := r.stream().ReadFor
	if readFor == 0 {
		readFor = harness.DefaultReadFor
	}
	if t := r.Timeout.D(); t > 0 && readFor >= t {
		d.failPath(at+".request.timeout", "%s.request.timeout: expected more than the stream's read_for (%s), so the stream can be read to its end; got %s", at, readFor, t)
	}
	if e := sc.Expect.Stream; e != nil {
		e.validate(d, at+".expect.stream", r.WebSocket != nil)
	}
}

// StreamExpect are assertions on what a stream gave the client.
type StreamExpect struct {
	// Upgraded: whether the gateway answered the WebSocket's Upgrade with
	// a 101 (and the right Sec-WebSocket-Accept).
	Upgraded *bool `yaml:"upgraded" json:"upgraded,omitempty"`
	// Tunneled: whether bytes the client wrote after its handshake reached
	// the origin raw. After an origin's answer that was no switch
	// (ws_no_switch), false asserts that the gateway did not tunnel.
	Tunneled *bool `yaml:"tunneled" json:"tunneled,omitempty"`
	// CloseCode is the WebSocket close code the client got: a close
	// frame's, 1005 for one without a code, 1006 for none at all.
	CloseCode int `yaml:"close_code" json:"close_code,omitempty"`
	// Messages bounds the whole WebSocket messages that arrived: N, or
	// {min: N, max: M}.
	Messages *CountExpect `yaml:"messages" json:"messages,omitempty"`
	// Events bounds the whole server-sent events that arrived.
	Events *CountExpect `yaml:"events" json:"events,omitempty"`
	// BytesAtLeast: at least this many bytes arrived after the head.
	BytesAtLeast int64 `yaml:"bytes_at_least" json:"bytes_at_least,omitempty"`
	// OpenFor bounds how long the stream stayed open after its head.
	OpenFor *OpenForExpect `yaml:"open_for" json:"open_for,omitempty"`
	// StillOpen: whether the stream was still open when the client stopped
	// reading (read_for).
	StillOpen *bool `yaml:"still_open" json:"still_open,omitempty"`
}

// OpenForExpect bounds how long a stream stayed open: at least (a stall
// held) or within (the gateway ended it).
type OpenForExpect struct {
	AtLeast Duration `yaml:"at_least" json:"at_least,omitempty"`
	Within  Duration `yaml:"within" json:"within,omitempty"`
}

func (e *StreamExpect) validate(d *decoder, at string, ws bool) {
	if e.Upgraded == nil && e.Tunneled == nil && e.CloseCode == 0 && e.Messages == nil && e.Events == nil &&
		e.BytesAtLeast == 0 && e.OpenFor == nil && e.StillOpen == nil {
		d.failPath(at, "%s: expected at least one of upgraded, tunneled, close_code, messages, events, bytes_at_least, open_for, still_open", at)
	}
	if !ws {
		for name, set := range map[string]bool{"upgraded": e.Upgraded != nil, "tunneled": e.Tunneled != nil, "close_code": e.CloseCode != 0, "messages": e.Messages != nil} {
			if set {
				d.failPath(at+"."+name, "%s.%s: judges a WebSocket (request.websocket); this request reads server-sent events", at, name)
			}
		}
	} else if e.Events != nil {
		d.failPath(at+".events", "%s.events: judges server-sent events (request.sse); this request opens a WebSocket", at)
	}
	if c := e.CloseCode; c != 0 && (c < 1000 || c > 4999) {
		d.failPath(at+".close_code", "%s.close_code: expected a WebSocket close code from 1000 to 4999, such as 1000 or 1006; got %d", at, c)
	}
	if e.BytesAtLeast < 0 {
		d.failPath(at+".bytes_at_least", "%s.bytes_at_least: expected 0 or more; got %d", at, e.BytesAtLeast)
	}
	for name, c := range map[string]*CountExpect{"messages": e.Messages, "events": e.Events} {
		if c != nil && (c.Min < 0 || c.Max >= 0 && c.Max < c.Min) {
			d.failPath(at+"."+name, "%s.%s: %s, 0 or more, min not above max; got min %d, max %d", at, name, countExpected, c.Min, c.Max)
		}
	}
	if o := e.OpenFor; o != nil {
		switch {
		case o.AtLeast == 0 && o.Within == 0:
			d.failPath(at+".open_for", "%s.open_for: expected at_least, within or both, such as {at_least: 2s}", at)
		case o.Within != 0 && o.AtLeast >= o.Within:
			d.failPath(at+".open_for.at_least", "%s.open_for.at_least: expected less than within (%s); got %s", at, o.Within, o.AtLeast)
		}
	}
}

// CountExpect bounds a count: Min to Max (Max -1: no upper bound).
type CountExpect struct {
	Min, Max int
}

const countExpected = "expected a count such as 3, or {min: 1, max: 3}"

// String writes the bound: 3, at least 2, 1 to 3.
func (c CountExpect) String() string {
	switch {
	case c.Max < 0:
		return fmt.Sprintf("at least %d", c.Min)
	case c.Min == c.Max:
		return fmt.Sprint(c.Min)
	}
	return fmt.Sprintf("%d to %d", c.Min, c.Max)
}

// Includes reports whether n is within the bound.
func (c CountExpect) Includes(n int) bool { return n >= c.Min && (c.Max < 0 || n <= c.Max) }

// MarshalJSON writes {"min": N, "max": M}, without max when there is none.
func (c CountExpect) MarshalJSON() ([]byte, error) { return AttemptsExpect(c).MarshalJSON() }

func (c *CountExpect) decodeNode(dec *decoder, node ast.Node, path string) {
	switch n := node.(type) {
	case *ast.IntegerNode:
		var v int
		dec.decode(n, reflect.ValueOf(&v).Elem(), path)
		c.Min, c.Max = v, v
	case *ast.MappingNode:
		var b struct {
			Min *int `yaml:"min"`
			Max *int `yaml:"max"`
		}
		before := len(dec.problems)
		dec.decode(n, reflect.ValueOf(&b).Elem(), path)
		if len(dec.problems) > before {
			return
		}
		if b.Min == nil && b.Max == nil {
			dec.fail(node, "%s: %s; got neither min nor max", path, countExpected)
			return
		}
		c.Min, c.Max = 0, -1
		if b.Min != nil {
			c.Min = *b.Min
		}
		if b.Max != nil {
			c.Max = *b.Max
		}
	default:
		dec.fail(node, "%s: %s; got %s", path, countExpected, describe(node))
	}
}

var _ json.Marshaler = CountExpect{}

// streamChecks adds the expectations on a stream.
func (e *Expect) streamChecks(add func(name, expected string, on Subject, m types.GomegaMatcher, observed func(any) string)) {
	s := e.Stream
	if s == nil {
		return
	}
	observed := onObs(match.DescribeStream)
	check := func(name, expected string, ok func(*harness.StreamObservation) bool) {
		add("stream."+name, expected, OnRequest, match.HaveStream(expected, ok), observed)
	}
	if s.Upgraded != nil {
		want := *s.Upgraded
		check("upgraded", map[bool]string{true: "a WebSocket upgraded (101)", false: "no WebSocket upgrade"}[want],
			func(o *harness.StreamObservation) bool { return o.Upgraded == want })
	}
	if s.Tunneled != nil {
		want := *s.Tunneled
		check("tunneled", map[bool]string{true: "the client's bytes tunneled to the origin", false: "nothing tunneled to the origin"}[want],
			func(o *harness.StreamObservation) bool { return o.Tunneled == want })
	}
	if s.CloseCode != 0 {
		check("close_code", fmt.Sprintf("close code %d", s.CloseCode), func(o *harness.StreamObservation) bool { return o.CloseCode == s.CloseCode })
	}
	if c := s.Messages; c != nil {
		check("messages", c.String()+" messages", func(o *harness.StreamObservation) bool { return c.Includes(o.Messages) })
	}
	if c := s.Events; c != nil {
		check("events", c.String()+" events", func(o *harness.StreamObservation) bool { return c.Includes(o.Events) })
	}
	if s.BytesAtLeast > 0 {
		check("bytes_at_least", fmt.Sprintf("at least %d stream bytes", s.BytesAtLeast), func(o *harness.StreamObservation) bool { return o.Bytes >= s.BytesAtLeast })
	}
	if o := s.OpenFor; o != nil {
		if o.AtLeast > 0 {
			check("open_for.at_least", "the stream open at least "+o.AtLeast.String(),
				func(st *harness.StreamObservation) bool { return st.OpenFor >= o.AtLeast.D() })
		}
		if o.Within > 0 {
			check("open_for.within", "the stream ended within "+o.Within.String(),
				func(st *harness.StreamObservation) bool { return !st.StillOpen && st.OpenFor <= o.Within.D() })
		}
	}
	if s.StillOpen != nil {
		want := *s.StillOpen
		check("still_open", map[bool]string{true: "the stream still open at read_for", false: "the stream ended before read_for"}[want],
			func(o *harness.StreamObservation) bool { return o.StillOpen == want })
	}
}
