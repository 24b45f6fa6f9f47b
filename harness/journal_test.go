package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
)

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestWireAnswer checks the origin's record of the raw answers a fault
// writes: exact for every one, heads that do not parse included, whether
// the bytes come at once or one at a time.
func TestWireAnswer(t *testing.T) {
	for _, c := range []struct {
		name   string
		method string
		answer string
		want   Answer // WireBytes and WireSHA256 are always those of answer
	}{
		{"a valid answer", "", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			Answer{Status: 200, Declared: 5, Sent: 5, SHA256: hexSum("hello"), Complete: true}},
		{"a status code outside 100-599 is a status: RFC 9112 reads three digits", "",
			"HTTP/1.1 999 Nope\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n",
			Answer{Status: 999, Declared: 35, Sent: 35, SHA256: hexSum("answer with an invalid status code\n"), Complete: true}},
		{"a code below 100 has a body, unlike a 1xx", "", "HTTP/1.1 099 Low\r\n\r\nhi",
			Answer{Status: 99, Declared: -1, Sent: 2, SHA256: hexSum("hi"), Complete: true}},
		{"four digits: the head does not parse, the body after it is counted", "",
			"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nhi",
			Answer{Declared: -1, Sent: 2, SHA256: hexSum("hi"), HeadError: `status line "HTTP/1.1 2000 OK" without a three-digit status code from 001 to 999`}},
		{"letters for a code", "", "HTTP/1.1 abc OK\r\n\r\nhi",
			Answer{Declared: -1, Sent: 2, SHA256: hexSum("hi"), HeadError: `status line "HTTP/1.1 abc OK" without a three-digit status code from 001 to 999`}},
		{"code 000", "", "HTTP/1.1 000 Zero\r\n\r\n",
			Answer{Declared: -1, SHA256: hexSum(""), HeadError: `status line "HTTP/1.1 000 Zero" without a three-digit status code from 001 to 999`}},
		{"a header line without a colon: its status and body are known", "",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Gatecrash-No-Colon\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n",
			Answer{Status: 200, Declared: -1, Sent: 28, SHA256: hexSum("answer with a broken header\n"), HeadError: `header line without a colon: "X-Gatecrash-No-Colon"`}},
		{"conflicting lengths", "",
			"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\n0123456789",
			Answer{Status: 200, Declared: -1, Sent: 10, SHA256: hexSum("0123456789"), HeadError: `conflicting Content-Length: "10" after 5`}},
		{"a bad length", "", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx",
			Answer{Status: 200, Declared: -1, Sent: 1, SHA256: hexSum("x"), HeadError: `bad Content-Length: "-1"`}},
		{"HTTP/0.9: no status line, no head, no body after one", "", "hello from an HTTP/0.9 origin\n",
			Answer{Declared: -1, SHA256: hexSum(""), HeadError: "no status line: the answer does not start with HTTP/"}},
		{"garbage with a blank line is still no head", "", "this is not an HTTP response\r\n\r\n",
			Answer{Declared: -1, SHA256: hexSum(""), HeadError: "no status line: the answer does not start with HTTP/"}},
		{"a head cut before its end keeps its status", "", "HTTP/1.1 200 OK\r\nContent-Le",
			Answer{Status: 200, Declared: -1, SHA256: hexSum(""), HeadError: "the head has no end (no blank line) in what was sent"}},
		{"a status line cut short", "", "HTTP/1.1 20",
			Answer{Declared: -1, SHA256: hexSum(""), HeadError: "the head has no end (no blank line) in what was sent"}},
		{"a chunked body", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			Answer{Status: 200, Declared: -1, Sent: 5, SHA256: hexSum("hello"), Complete: true}},
		{"an invalid chunk size: the head parsed, the body did not", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
			Answer{Status: 200, Declared: -1, SHA256: hexSum(""), BodyError: `invalid chunk size line "zz"`}},
		{"no CRLF after chunk data", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX\r\n0\r\n\r\n",
			Answer{Status: 200, Declared: -1, Sent: 2, SHA256: hexSum("hi"), BodyError: `"X" after chunk data, where its CRLF belongs`}},
		{"a chunked body cut before its last chunk", "", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
			Answer{Status: 200, Declared: -1, Sent: 5, SHA256: hexSum("hello"), BodyError: "cut before its last chunk"}},
		{"a body cut short of its length", "", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
			Answer{Status: 200, Declared: 10, Sent: 5, SHA256: hexSum("hello"), BodyError: "cut after 5 of the 10 bytes its Content-Length declared"}},
		{"a HEAD answer has no body", http.MethodHead, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
			Answer{Status: 200, Declared: 0, SHA256: hexSum(""), Complete: true}},
	} {
		for _, split := range []bool{false, true} {
			w := &wireAnswer{method: c.method, hash: sha256.New(), wireHash: sha256.New(), declared: -1}
			if split {
				for i := range len(c.answer) {
					w.write([]byte(c.answer[i : i+1]))
				}
			} else {
				w.write([]byte(c.answer))
			}
			got := w.answer()
			want := c.want
			want.WireBytes, want.WireSHA256, want.wire = int64(len(c.answer)), hexSum(c.answer), []byte(c.answer)
			if got.Status != want.Status || got.Declared != want.Declared || got.Sent != want.Sent || got.SHA256 != want.SHA256 ||
				got.Complete != want.Complete || got.HeadError != want.HeadError || got.WireBytes != want.WireBytes ||
				got.WireSHA256 != want.WireSHA256 || string(got.wire) != string(want.wire) || got.BodyError != want.BodyError {
				t.Errorf("%s (byte by byte %v):\n got %+v\nwant %+v", c.name, split, *got, want)
			}
		}
	}
}

// TestWireAnswerKeepsABoundedStart keeps the first maxWireKept bytes of a
// long answer, and counts and hashes all of them.
func TestWireAnswerKeepsABoundedStart(t *testing.T) {
	w := &wireAnswer{hash: sha256.New(), wireHash: sha256.New(), declared: -1}
	body := make([]byte, 3*maxWireKept)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	head := "HTTP/1.1 200 OK\r\n\r\n"
	w.write([]byte(head))
	w.write(body[:maxWireKept])
	w.write(body[maxWireKept:])
	a := w.answer()
	if len(a.wire) != maxWireKept || string(a.wire) != head+string(body[:maxWireKept-len(head)]) {
		t.Errorf("kept %d bytes, want the first %d", len(a.wire), maxWireKept)
	}
	if a.WireBytes != int64(len(head)+len(body)) || a.WireSHA256 != hexSum(head+string(body)) || a.Sent != int64(len(body)) {
		t.Errorf("counted %d bytes (%d of body), want %d", a.WireBytes, a.Sent, len(head)+len(body))
	}
}
