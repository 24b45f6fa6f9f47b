package harness

import "fmt"

// Verdict is what became of the origin's body on its way to the client.
type Verdict string

// The verdicts on a body.
const (
	// BodyIntact: the client got a valid answer with the origin's whole
	// body, byte for byte.
	BodyIntact Verdict = "intact"
	// BodyTruncated: the client got less than the origin's whole body,
	// either because the gateway cut it or because the origin never
	// finished it; Silent says the answer still looked complete.
	BodyTruncated Verdict = "truncated"
	// BodyAltered: the client got other bytes than the origin sent (or
	// more), with the origin's status.
	BodyAltered Verdict = "altered"
	// BodyReplaced: the answer is not the origin's: the origin sent none
	// (the gateway answered itself, as with a 502), or another status.
	BodyReplaced Verdict = "replaced"
	// BodyNoAnswer: the client got no valid status line, so no body.
	BodyNoAnswer Verdict = "no_answer"
	// BodyUnknown: what the origin sent for this request is not known
	// (its id never reached the origin and several requests were in
	// flight), so no verdict is given.
	BodyUnknown Verdict = "unknown"
)

// Integrity is the verdict on the body the client got, against what the
// origin knows it sent for the same request.
type Integrity struct {
	Verdict Verdict `json:"verdict"`
	// Silent says a truncated body came in an answer whose framing was
	// valid: the client had no way to tell it was cut.
	Silent bool `json:"silent,omitempty"`
	// Origin is the origin's answer the client's is judged against.
	Origin *Answer `json:"origin,omitempty"`
	// Received counts the body bytes the client got.
	Received int64 `json:"received"`
	// Detail says why, in words.
	Detail string `json:"detail"`
}

// String is the verdict and its detail.
func (i *Integrity) String() string {
	if i == nil {
		return "no verdict on the body"
	}
	return fmt.Sprintf("body %s (%s)", i.Verdict, i.Detail)
}

// judgeBody compares the client's answer with the origin's answers to the
// same request (in the order sent; the last one with the client's status
// is the one relayed); known says whether the origin's side is known.
func judgeBody(obs Observation, answers []*Answer, known bool) *Integrity {
	in := &Integrity{Received: obs.BodyBytes}
	if obs.Status == 0 {
		in.Verdict, in.Detail = BodyNoAnswer, "the client got no valid status line"
		return in
	}
	var origin *Answer
	heads := 0
	for _, a := range answers {
		if a == nil || a.Status == 0 || a.HeadError != "" {
			continue
		}
		heads++
		if a.Status == obs.Status {
			origin = a
		}
	}
	if origin == nil {
		if !known {
			in.Verdict, in.Detail = BodyUnknown, "the origin's answer to this request is not known: no attempt carried its id and several requests were in flight"
			return in
		}
		in.Verdict = BodyReplaced
		in.Detail = fmt.Sprintf("the origin sent no status %d for this request: the answer is the gateway's own", obs.Status)
		if heads == 0 {
			in.Detail = "the origin sent no answer for this request: the answer is the gateway's own"
		}
		return in
	}
	in.Origin = origin
	// What the client should have got: all the origin sent when it
	// finished, what its head declared when it did not.
	want, wantText := origin.Sent, fmt.Sprintf("the %d bytes the origin sent", origin.Sent)
	if !origin.Complete && origin.Declared > origin.Sent {
		want, wantText = origin.Declared, fmt.Sprintf("the %d bytes the origin declared, of which it sent %d", origin.Declared, origin.Sent)
	}
	switch {
	case obs.BodyBytes < want:
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received %d of %s", obs.BodyBytes, wantText)
	case !origin.Complete:
		// The client got every byte the origin sent, but the origin's body
		// was cut: without a declared length, only the framing tells.
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received all %d bytes the origin sent, but the origin's body was cut (no last chunk or short of its length)", obs.BodyBytes)
	case obs.BodyBytes > want || obs.BodySHA256 != origin.SHA256:
		in.Verdict = BodyAltered
		in.Detail = fmt.Sprintf("received %d bytes that differ from the %d the origin sent", obs.BodyBytes, origin.Sent)
	case !obs.ValidHTTP():
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received all %d bytes, but the answer's framing was cut (%s)", obs.BodyBytes, obs.ErrorKind)
	default:
		in.Verdict = BodyIntact
		in.Detail = fmt.Sprintf("received the %d bytes the origin sent", obs.BodyBytes)
	}
	if in.Verdict == BodyTruncated && obs.ValidHTTP() {
		in.Silent = true
		in.Detail += ", in an answer that ended cleanly: a silent truncation"
	}
	return in
}
