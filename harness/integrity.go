package harness

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Verdict is what became of the origin's body on its way to the client.
type Verdict string

// The verdicts on a body.
const (
	// BodyIntact: the client got the origin's whole body, byte for byte,
	// under the origin's status, in an answer whose framing ended cleanly
	// (its status may still be outside 100 to 599: valid_http says).
	BodyIntact Verdict = "intact"
	// BodyTruncated: the client got less than the origin's whole body,
	// either because the gateway cut it or because the origin never
	// finished it; Silent says the answer still looked complete.
	BodyTruncated Verdict = "truncated"
	// BodyAltered: the client got other bytes than the origin sent (or
	// more), with the origin's status.
	BodyAltered Verdict = "altered"
	// BodyReframed: the client's body is the origin's bytes under a head
	// the gateway made: the origin's head did not parse, or had another
	// status, and the gateway answered around the origin's body, around
	// every byte the origin sent (its head included), or around a part of
	// them (a run of them, or all but one run, as Apache drops the line end
	// of what it takes for an HTTP/0.9 answer's first line). The detail
	// says which. The origin's bytes reached the client, changed in their
	// framing: not the gateway's own answer.
	BodyReframed Verdict = "reframed"
	// BodyReplaced: the answer is the gateway's own, such as its 502 page:
	// the origin sent nothing, or no answer with the client's status, and
	// the client's body is not the origin's.
	BodyReplaced Verdict = "replaced"
	// BodyNoAnswer: the client read no status, so no body.
	BodyNoAnswer Verdict = "no_answer"
	// BodyUnknown: what the origin sent for this request is not known
	// (its id never reached the origin and several requests were in
	// flight), so no verdict is given.
	BodyUnknown Verdict = "unknown"
)

// Integrity is the verdict on the body the client got, against what the
// origin knows it sent for the same request.
type Integrity struct {
	Verdict Verdict
	// Silent says a truncated body came in an answer whose framing was
	// valid: the client had no way to tell it was cut.
	Silent bool
	// Origin is the origin's answer the client's is judged against.
	Origin *Answer
	// Received counts the body bytes the client got.
	Received int64
	// Detail says why, in words.
	Detail string
}

// String is the verdict and its detail.
func (i *Integrity) String() string {
	if i == nil {
		return "no verdict on the body"
	}
	return fmt.Sprintf("body %s (%s)", i.Verdict, i.Detail)
}

// minPart is the fewest bytes a client's body must have to be recognised
// as a part of what the origin sent: a shorter one may be found in it by
// chance.
const minPart = 16

// framed says the answer's framing ended cleanly: its body was read to its
// end, whatever its status code.
func framed(o Observation) bool {
	return o.Status != 0 && (o.ErrorKind == "" || o.ErrorKind == ErrInvalidStatus)
}

// judgeBody compares the client's answer with the origin's answers to the
// same request (in the order sent; the last one with the client's status
// is the one relayed); known says whether the origin's side is known. Each
// verdict's detail says only what the comparison showed.
func judgeBody(obs Observation, answers []*Answer, known bool) *Integrity {
	in := &Integrity{Received: obs.BodyBytes}
	if obs.Status == 0 {
		why := string(obs.ErrorKind)
		if why == "" {
			why = "no answer"
		}
		in.Verdict, in.Detail = BodyNoAnswer, "the client read no status, so no body: "+why
		return in
	}
	var sent []*Answer
	var origin, unparsed *Answer
	for _, a := range answers {
		if a == nil {
			continue
		}
		sent = append(sent, a)
		switch {
		case a.Status != obs.Status:
		case a.HeadError == "":
			origin = a
		default:
			unparsed = a
		}
	}
	if origin != nil {
		judgeRelayed(in, obs, origin)
		return in
	}
	if a, detail := reframed(obs, sent); a != nil {
		in.Verdict, in.Origin, in.Detail = BodyReframed, a, detail
		return in
	}
	switch {
	case unparsed != nil:
		// Not the origin's bytes, under the code the origin's broken head had.
		in.Verdict, in.Origin = BodyAltered, unparsed
		in.Detail = fmt.Sprintf("received %s under status %d, the code of the origin's answer whose head did not parse (%s); they are neither the %s after its head nor the %s it sent in all",
			nbytes(obs.BodyBytes), obs.Status, unparsed.HeadError, nbytes(unparsed.Sent), nbytes(unparsed.WireBytes))
	case !known:
		in.Verdict, in.Detail = BodyUnknown, "the origin's answer to this request is not known: no attempt carried its id and several requests were in flight"
	case len(sent) == 0:
		in.Verdict, in.Detail = BodyReplaced, "the origin sent nothing in answer to this request: the answer is the gateway's own"
	default:
		var what []string
		for _, a := range sent {
			if a.HeadError == "" {
				what = append(what, fmt.Sprintf("status %d", a.Status))
			} else {
				what = append(what, "an answer whose head did not parse ("+a.HeadError+")")
			}
		}
		// Say only what was compared: the bytes a fault wrote are known,
		// those of the origin's HTTP server only by their body's hash.
		wire := slices.ContainsFunc(sent, func(a *Answer) bool { return a.WireBytes > 0 })
		checked := "not its body"
		switch {
		case wire && obs.BodyBytes >= minPart && int64(len(obs.Body)) == obs.BodyBytes:
			checked = "neither its body nor all or a part of the bytes it sent"
		case wire:
			checked = "neither its body nor all the bytes it sent"
		}
		verb := "are"
		if obs.BodyBytes == 1 {
			verb = "is"
		}
		body := fmt.Sprintf("and the %s received %s %s", nbytes(obs.BodyBytes), verb, checked)
		if obs.BodyBytes == 0 {
			body = "and the answer has no body"
		}
		in.Verdict = BodyReplaced
		in.Detail = fmt.Sprintf("the origin sent no status %d for this request (it sent %s), %s: the answer is the gateway's own",
			obs.Status, strings.Join(what, "; "), body)
	}
	return in
}

// judgeRelayed judges a body relayed under the status of origin, an
// answer whose head parsed.
func judgeRelayed(in *Integrity, obs Observation, origin *Answer) {
	in.Origin = origin
	// What the client should have got: all the origin sent when it
	// finished, what its head declared when it did not.
	want, wantText := origin.Sent, fmt.Sprintf("the %s the origin sent", nbytes(origin.Sent))
	if !origin.Complete && origin.Declared > origin.Sent {
		want, wantText = origin.Declared, fmt.Sprintf("the %s the origin declared, of which it sent %d", nbytes(origin.Declared), origin.Sent)
	}
	switch {
	case obs.BodyBytes < want:
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received %d of %s", obs.BodyBytes, wantText)
	case obs.BodyBytes > origin.Sent || obs.BodySHA256 != origin.SHA256:
		in.Verdict = BodyAltered
		in.Detail = fmt.Sprintf("received %s that differ from the %d the origin sent", nbytes(obs.BodyBytes), origin.Sent)
	case !origin.Complete:
		// The client got every byte the origin sent, but the origin's body
		// was not whole: without a declared length, only the framing tells.
		why := origin.BodyError
		if why == "" {
			why = "its framing did not end"
		}
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received all %s the origin sent, but the origin's body was not whole (%s)", nbytes(obs.BodyBytes), why)
	case !framed(obs):
		in.Verdict = BodyTruncated
		in.Detail = fmt.Sprintf("received all %s the origin sent, but the answer did not end cleanly (%s)", nbytes(obs.BodyBytes), obs.ErrorKind)
	default:
		in.Verdict = BodyIntact
		in.Detail = fmt.Sprintf("received the %s the origin sent", nbytes(obs.BodyBytes))
	}
	if in.Verdict == BodyTruncated && framed(obs) {
		in.Silent = true
		in.Detail += ", in an answer that ended cleanly: a silent truncation"
	}
}

// reframed finds the origin's answer whose bytes make the client's body,
// under a head the gateway made (no answer of the origin's with the
// client's status had a head that parsed), the last one first: its body,
// all it sent, or a part of that. It says which.
func reframed(obs Observation, sent []*Answer) (*Answer, string) {
	if obs.BodyBytes == 0 {
		return nil, ""
	}
	head := fmt.Sprintf("a status %d head the gateway made", obs.Status)
	for i := len(sent) - 1; i >= 0; i-- {
		a := sent[i]
		how := fmt.Sprintf("a status %d head that parsed", a.Status)
		if a.HeadError != "" {
			how = a.HeadError
		}
		switch {
		case obs.BodyBytes == a.Sent && obs.BodySHA256 == a.SHA256 && a.HeadError != "":
			return a, fmt.Sprintf("received the %s the origin sent after its head, which did not parse (%s), under %s", nbytes(a.Sent), a.HeadError, head)
		case obs.BodyBytes == a.Sent && obs.BodySHA256 == a.SHA256:
			return a, fmt.Sprintf("received the %d body bytes of the origin's status %d answer under %s", a.Sent, a.Status, head)
		case obs.BodyBytes == a.WireBytes && obs.BodySHA256 == a.WireSHA256:
			return a, fmt.Sprintf("received all %s the origin sent, its head included (%s), as the body of a status %d answer the gateway made", nbytes(a.WireBytes), how, obs.Status)
		}
		if int64(len(obs.Body)) != obs.BodyBytes {
			continue // the client kept only the start of its body
		}
		kept := int64(len(a.wire)) == a.WireBytes
		// Under the code of a head that did not parse, even a few bytes of
		// the body after it are the origin's: a gateway that chose one of
		// two lengths relays that much of it.
		if a.HeadError != "" && a.Status == obs.Status && kept && a.Sent > 0 {
			if part := partOf(obs.Body, a.wire[a.WireBytes-a.Sent:], true); part != "" {
				return a, fmt.Sprintf("received %s that are %s of the %d the origin sent after its head, which did not parse (%s), under %s",
					nbytes(obs.BodyBytes), part, a.Sent, a.HeadError, head)
			}
		}
		if obs.BodyBytes >= minPart {
			if part := partOf(obs.Body, a.wire, kept); part != "" {
				return a, fmt.Sprintf("received %s that are %s of the %d the origin sent (%s), under %s",
					nbytes(obs.BodyBytes), part, a.WireBytes, how, head)
			}
		}
	}
	return nil, ""
}

// partOf says which part of sent a body is: a run of its bytes, or, when
// sent is whole (not only its start), all of them but one run (as Apache
// drops the line end of an HTTP/0.9 answer's first line); "" when it is
// neither.
func partOf(body, sent []byte, whole bool) string {
	if at := bytes.Index(sent, body); at >= 0 {
		return fmt.Sprintf("bytes %d to %d", at+1, at+len(body))
	}
	if !whole || len(body) >= len(sent) {
		return "" // the end of what was sent is not kept, or no run is missing
	}
	p := 0
	for p < len(body) && body[p] == sent[p] {
		p++
	}
	q := 0
	for q < len(body)-p && body[len(body)-1-q] == sent[len(sent)-1-q] {
		q++
	}
	if p+q < len(body) {
		return ""
	}
	gap := sent[p : len(sent)-q]
	shown := fmt.Sprintf("%q", gap)
	if len(gap) > 32 {
		shown = fmt.Sprintf("%q...", gap[:32])
	}
	return fmt.Sprintf("all but bytes %d to %d (%s)", p+1, len(sent)-q, shown)
}

// nbytes is n bytes, in words.
func nbytes(n int64) string { return Plural(n, "byte") }
