package harness

import (
	"crypto/sha256"
	"testing"
)

// observed is the client's observation of an answer with status and body,
// failed with kind ("" for none).
func observed(status int, body string, kind ErrorKind) Observation {
	o := Observation{Status: status, Body: []byte(body), BodyBytes: int64(len(body)), BodySHA256: hexSum(body), ErrorKind: kind}
	if kind != "" {
		o.Error = string(kind) + " error"
	}
	return o
}

// parsed is an answer with a valid head the origin sent: status, then
// body, complete or not, declared -1 (ended by the close or chunked).
func parsed(status int, body string, complete bool) *Answer {
	a := &Answer{Status: status, Declared: -1, Sent: int64(len(body)), SHA256: hexSum(body), Complete: complete}
	if !complete {
		a.BodyError = serverCut
	}
	return a
}

// raw is an answer a fault wrote, recorded as the journal does.
func raw(bytes string) *Answer {
	w := &wireAnswer{hash: sha256.New(), wireHash: sha256.New(), declared: -1}
	w.write([]byte(bytes))
	return w.answer()
}

// TestJudgeBody checks every verdict on the client's body, and that each
// detail says what happened.
func TestJudgeBody(t *testing.T) {
	const (
		colonAnswer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-No-Colon\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"
		colonError  = `header line without a colon: "X-No-Colon"`
		weird       = "HTTP/1.1 999 Nope\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n"
		weirdBody   = "answer with an invalid status code\n"
		letters     = "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nhi"
		http09      = "hello from an HTTP/0.9 origin\n"
	)
	declared := &Answer{Status: 200, Declared: 100, Sent: 10, SHA256: hexSum("0123456789")}
	for _, c := range []struct {
		name    string
		obs     Observation
		answers []*Answer
		unknown bool // the origin's side is not wholly known
		verdict Verdict
		silent  bool
		origin  int // the index of the answer judged against, -1 for none
		detail  string
	}{
		{name: "no status, no body", obs: observed(0, "", ErrReset), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyNoAnswer, origin: -1, detail: "the client read no status, so no body: reset"},
		{name: "the origin's body, whole", obs: observed(200, "hello", ""), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyIntact, detail: "received the 5 bytes the origin sent"},
		{name: "a relayed 999 with the origin's body is intact: its framing ended cleanly",
			obs: observed(999, weirdBody, ErrInvalidStatus), answers: []*Answer{raw(weird)},
			verdict: BodyIntact, detail: "received the 35 bytes the origin sent"},
		{name: "the last answer with the client's status is the one relayed",
			obs: observed(200, "hello", ""), answers: []*Answer{parsed(200, "other", true), nil, parsed(502, "", true), parsed(200, "hello", true)},
			verdict: BodyIntact, origin: 3, detail: "received the 5 bytes the origin sent"},
		{name: "cut in an answer that ended cleanly", obs: observed(200, "hel", ""), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyTruncated, silent: true, detail: "received 3 of the 5 bytes the origin sent, in an answer that ended cleanly: a silent truncation"},
		{name: "cut where the client sees it", obs: observed(200, "hel", ErrTruncated), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyTruncated, detail: "received 3 of the 5 bytes the origin sent"},
		{name: "a 999 cut in an answer that ended cleanly", obs: observed(999, "answer", ErrInvalidStatus), answers: []*Answer{raw(weird)},
			verdict: BodyTruncated, silent: true, detail: "received 6 of the 35 bytes the origin sent, in an answer that ended cleanly: a silent truncation"},
		{name: "short of what the origin declared", obs: observed(200, "0123456789", ErrTruncated), answers: []*Answer{declared},
			verdict: BodyTruncated, detail: "received 10 of the 100 bytes the origin declared, of which it sent 10"},
		{name: "all the origin sent, but the origin cut it", obs: observed(200, "hello", ""), answers: []*Answer{raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")},
			verdict: BodyTruncated, silent: true,
			detail: "received all 5 bytes the origin sent, but the origin's body was not whole (cut before its last chunk), in an answer that ended cleanly: a silent truncation"},
		{name: "all the origin sent, but its framing broke", obs: observed(200, "", ""), answers: []*Answer{raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")},
			verdict: BodyTruncated, silent: true,
			detail: `received all 0 bytes the origin sent, but the origin's body was not whole (invalid chunk size line "zz"), in an answer that ended cleanly: a silent truncation`},
		{name: "all the bytes, in an answer that did not end cleanly", obs: observed(200, "hello", ErrReset), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyTruncated, detail: "received all 5 bytes the origin sent, but the answer did not end cleanly (reset)"},
		{name: "other bytes of the same length", obs: observed(200, "HELLO", ""), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyAltered, detail: "received 5 bytes that differ from the 5 the origin sent"},
		{name: "more bytes than the origin sent", obs: observed(200, "hello, world", ""), answers: []*Answer{parsed(200, "hello", true)},
			verdict: BodyAltered, detail: "received 12 bytes that differ from the 5 the origin sent"},
		{name: "more than the origin sent of a body it cut is not all it sent", obs: observed(200, "hello, world", ""), answers: []*Answer{parsed(200, "hello", false)},
			verdict: BodyAltered, detail: "received 12 bytes that differ from the 5 the origin sent"},
		{name: "the body after a head that did not parse, under a head the gateway made",
			obs: observed(200, "answer with a broken header\n", ""), answers: []*Answer{raw(colonAnswer)},
			verdict: BodyReframed,
			detail:  "received the 28 bytes the origin sent after its head, which did not parse (" + colonError + "), under a status 200 head the gateway made"},
		{name: "everything the origin sent, head included, as a body",
			obs: observed(200, letters, ""), answers: []*Answer{raw(letters)},
			verdict: BodyReframed,
			detail: `received all 40 bytes the origin sent, its head included (status line "HTTP/1.1 abc OK" without a three-digit status code from 001 to 999), ` +
				"as the body of a status 200 answer the gateway made"},
		{name: "a part of what the origin sent, as a body", obs: observed(200, "hello from an HTTP/0.9 origin", ""), answers: []*Answer{raw(http09)},
			verdict: BodyReframed,
			detail: "received 29 bytes that are bytes 1 to 29 of the 30 the origin sent (no status line: the answer does not start with HTTP/), " +
				"under a status 200 head the gateway made"},
		{name: "what the origin sent but the end of its first line, as a body (Apache's HTTP/0.9 reading)",
			obs: observed(200, "HTTP/1.1 abc OKContent-Length: 2\r\n\r\nhi", ""), answers: []*Answer{raw(letters)},
			verdict: BodyReframed,
			detail: `received 38 bytes that are all but bytes 16 to 17 ("\r\n") of the 40 the origin sent (status line "HTTP/1.1 abc OK" without a three-digit status code from 001 to 999), ` +
				"under a status 200 head the gateway made"},
		{name: "a part of the body after a head that did not parse, under its status: a gateway that chose one of two lengths",
			obs: observed(200, "01234", ""), answers: []*Answer{raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\n0123456789")},
			verdict: BodyReframed,
			detail: `received 5 bytes that are bytes 1 to 5 of the 10 the origin sent after its head, which did not parse (conflicting Content-Length: "10" after 5), ` +
				"under a status 200 head the gateway made"},
		{name: "a valid answer's body under another status", obs: observed(502, weirdBody, ""), answers: []*Answer{raw(weird)},
			verdict: BodyReframed, detail: "received the 35 body bytes of the origin's status 999 answer under a status 502 head the gateway made"},
		{name: "a valid answer wrapped whole", obs: observed(200, weird, ""), answers: []*Answer{raw(weird)},
			verdict: BodyReframed,
			detail:  "received all 76 bytes the origin sent, its head included (a status 999 head that parsed), as the body of a status 200 answer the gateway made"},
		{name: "reframed is seen even when other attempts are not known", obs: observed(200, "answer with a broken header\n", ""),
			answers: []*Answer{raw(colonAnswer)}, unknown: true, verdict: BodyReframed,
			detail: "received the 28 bytes the origin sent after its head, which did not parse (" + colonError + "), under a status 200 head the gateway made"},
		{name: "other bytes under the status of a head that did not parse", obs: observed(200, "something else", ""), answers: []*Answer{raw(colonAnswer)},
			verdict: BodyAltered,
			detail: "received 14 bytes under status 200, the code of the origin's answer whose head did not parse (" + colonError + "); " +
				"they are neither the 28 bytes after its head nor the 105 bytes it sent in all"},
		{name: "a few bytes found in what the origin sent are no evidence", obs: observed(502, "\n", ""), answers: []*Answer{raw(http09)},
			verdict: BodyReplaced, origin: -1,
			detail: "the origin sent no status 502 for this request (it sent an answer whose head did not parse (no status line: the answer does not start with HTTP/)), " +
				"and the 1 byte received is neither its body nor all the bytes it sent: the answer is the gateway's own"},
		{name: "the gateway's own 502 for a 999", obs: observed(502, "Bad Gateway\n", ""), answers: []*Answer{raw(weird)},
			verdict: BodyReplaced, origin: -1,
			detail: "the origin sent no status 502 for this request (it sent status 999), and the 12 bytes received are neither its body nor all the bytes it sent: the answer is the gateway's own"},
		{name: "the gateway's own page for a 999, long enough to be looked for", obs: observed(502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", ""), answers: []*Answer{raw(weird)},
			verdict: BodyReplaced, origin: -1,
			detail: "the origin sent no status 502 for this request (it sent status 999), and the 51 bytes received are neither its body nor all or a part of the bytes it sent: the answer is the gateway's own"},
		{name: "the gateway's own 502 for the origin's 503", obs: observed(502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", ""), answers: []*Answer{parsed(503, "down", true)},
			verdict: BodyReplaced, origin: -1,
			detail: "the origin sent no status 502 for this request (it sent status 503), and the 51 bytes received are not its body: the answer is the gateway's own"},
		{name: "the gateway's own empty 502", obs: observed(502, "", ""), answers: []*Answer{raw(colonAnswer), parsed(503, "", true)},
			verdict: BodyReplaced, origin: -1,
			detail: "the origin sent no status 502 for this request (it sent an answer whose head did not parse (" + colonError + "); status 503), " +
				"and the answer has no body: the answer is the gateway's own"},
		{name: "nothing from the origin", obs: observed(502, "Bad Gateway\n", ""), answers: []*Answer{nil},
			verdict: BodyReplaced, origin: -1, detail: "the origin sent nothing in answer to this request: the answer is the gateway's own"},
		{name: "no attempt at all", obs: observed(502, "Bad Gateway\n", ""),
			verdict: BodyReplaced, origin: -1, detail: "the origin sent nothing in answer to this request: the answer is the gateway's own"},
		{name: "not known", obs: observed(502, "Bad Gateway\n", ""), unknown: true,
			verdict: BodyUnknown, origin: -1,
			detail: "the origin's answer to this request is not known: no attempt carried its id and several requests were in flight"},
	} {
		got := judgeBody(c.obs, c.answers, !c.unknown)
		var origin *Answer
		if c.origin >= 0 && len(c.answers) > 0 {
			origin = c.answers[c.origin]
		}
		if got.Verdict != c.verdict || got.Silent != c.silent || got.Detail != c.detail || got.Origin != origin || got.Received != c.obs.BodyBytes {
			t.Errorf("%s:\n got %s, silent %v, origin %p, received %d\nwant %s (%s), silent %v, origin %p",
				c.name, got, got.Silent, got.Origin, got.Received, c.verdict, c.detail, c.silent, origin)
		}
	}
}
