package harness

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The response-side desync canary. Every answer of the origin's routes
// names the request it answers (AnswerToHeader), and the bytes a desync
// fault leaves on a kept-alive connection after an answer are a whole
// answer of their own (LeftoverAnswer), named after the request they
// followed. A client that gets either under its own request, from a
// gateway that did send its request upstream, got a cross-wired answer:
// the gateway read another request's answer, or an origin's leftover
// bytes, as the answer to this one, and would do the same to another
// user's request.

// leftoverPrefix starts the name of a leftover answer, in its
// AnswerToHeader and in its body: "gatecrash-leftover-of-" and the id of
// the request after whose answer the origin sent it.
const leftoverPrefix = "gatecrash-leftover-of-"

// LeftoverAnswer is a whole HTTP/1.1 answer (a 200, the most harmful to
// take for another's) that a desync fault sends after its answer to the
// request id, on the same connection: it names itself the leftover of id
// in its AnswerToHeader and in its body.
func LeftoverAnswer(id string) []byte {
	if id == "" {
		id = "untagged"
	}
	name := leftoverPrefix + id
	body := name + ": bytes the origin sent after its answer to request " + id + "\n"
	return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		AnswerToHeader + ": " + name + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// CrossWire is the canary's verdict on an answer that was not the answer
// to its request.
type CrossWire struct {
	// AnswerTo is whose answer the client got: another request's id, or
	// the name of a leftover answer ("gatecrash-leftover-of-<id>").
	AnswerTo string
	// Leftover says it was bytes the origin sent after its answer to
	// another request (LeftoverAnswer), in the head or in the body.
	Leftover bool
	// Detail says what was seen, in words.
	Detail string
}

// String is the verdict in words: "cross-wired: ...".
func (c *CrossWire) String() string {
	if c == nil {
		return "no cross-wired answer"
	}
	return "cross-wired: " + c.Detail
}

// judgeCrossWire is the canary's verdict on obs (nil: not cross-wired, or
// nothing to tell). An answer under another request's id is cross-wired
// only when the origin got obs's own request (reached, which may wait a
// moment for it: a gateway that took the answer already on the connection
// may hand it to the client before the origin reads the request): a
// gateway that answered from a cache without asking the origin did not
// cross wires, it did not meet the fault (FaultMet says so). A leftover
// answer is cross-wired whatever the attempts: the origin sent it for no
// request.
func judgeCrossWire(obs Observation, reached func() bool) *CrossWire {
	to := obs.Header.Get(AnswerToHeader)
	if name, ok := strings.CutPrefix(to, leftoverPrefix); ok && name != obs.ID {
		return &CrossWire{AnswerTo: to, Leftover: true,
			Detail: fmt.Sprintf("the answer is the bytes the origin sent after its answer to request %s (%s: %s)", name, AnswerToHeader, to)}
	}
	if i := bytes.Index(obs.Body, []byte(leftoverPrefix)); i >= 0 {
		rest := obs.Body[i+len(leftoverPrefix):]
		end := bytes.IndexFunc(rest, func(r rune) bool { return !idChar(r) })
		if end < 0 {
			end = len(rest)
		}
		if name := string(rest[:end]); name != obs.ID {
			return &CrossWire{AnswerTo: leftoverPrefix + name, Leftover: true,
				Detail: fmt.Sprintf("the body holds the bytes the origin sent after its answer to request %s", name)}
		}
	}
	if to != "" && obs.ID != "" && to != obs.ID && reached() {
		return &CrossWire{AnswerTo: to,
			Detail: fmt.Sprintf("the answer is the origin's answer to request %s, not to this request (%s), which the origin got too", to, obs.ID)}
	}
	return nil
}

// idChar is a character of a request id (Environment.NewRequestID) or
// "untagged".
func idChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}

// reachWait bounds how long the canary waits for the origin to read a
// request whose client got another request's answer.
const reachWait = 500 * time.Millisecond

// reached reports whether an origin read the request id (tagged with it),
// waiting up to reachWait for it.
func (e *Environment) reached(id string) bool {
	giveUp := time.Now().Add(reachWait)
	for {
		for _, o := range e.Origins {
			if o.journal.hasRequest(id) {
				return true
			}
		}
		if time.Now().After(giveUp) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
