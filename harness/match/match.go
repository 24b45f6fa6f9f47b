// Package match has Gomega matchers for what the harness observes, so a Go
// test asserts on a gateway the way a suite file does:
//
//	obs := env.Do(ctx, harness.Request{Path: "/"})
//	Expect(obs).To(match.HaveStatus(502))
//	Expect(obs).To(match.AnswerWithin(500 * time.Millisecond))
//
// Failure messages say what was expected and what was observed.
package match

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
)

// observationMatcher is a matcher on harness.Observation described by what
// it expects; the observation describes itself.
type observationMatcher struct {
	expected string
	match    func(harness.Observation) bool
	// observed describes what was observed; nil: the observation's String.
	observed func(harness.Observation) string
}

func (m observationMatcher) Match(actual any) (bool, error) {
	obs, ok := actual.(harness.Observation)
	if !ok {
		return false, fmt.Errorf("expected a harness.Observation, got %T", actual)
	}
	return m.match(obs), nil
}

func (m observationMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %s, observed %s", m.expected, m.describe(actual))
}

func (m observationMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected not %s, observed %s", m.expected, m.describe(actual))
}

func (m observationMatcher) describe(actual any) string {
	if obs, ok := actual.(harness.Observation); ok && m.observed != nil {
		return m.observed(obs)
	}
	return describe(actual)
}

func describe(actual any) string {
	if obs, ok := actual.(harness.Observation); ok {
		return obs.String()
	}
	return fmt.Sprint(actual)
}

// HaveStatus matches an answer whose status is one of codes.
func HaveStatus(codes ...int) types.GomegaMatcher {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c)
	}
	return HaveStatusMatching(strings.Join(parts, " or "), func(status int) bool {
		for _, c := range codes {
			if c == status {
				return true
			}
		}
		return false
	})
}

// HaveStatusMatching matches an answer whose status satisfies ok; desc says
// which statuses those are ("502 or 5xx").
func HaveStatusMatching(desc string, ok func(status int) bool) types.GomegaMatcher {
	return observationMatcher{expected: "status " + desc, match: func(o harness.Observation) bool {
		return o.Status != 0 && ok(o.Status)
	}}
}

// AnswerWithin matches an exchange that ended (answered or failed) within
// d. An exchange gatecrash gave up on (its request timeout, which may be
// shorter than d) does not match: the gateway had not answered.
func AnswerWithin(d time.Duration) types.GomegaMatcher {
	return observationMatcher{expected: "an answer within " + d.String(), match: func(o harness.Observation) bool {
		return !o.TimedOut() && o.Total <= d
	}}
}

// TakeAtLeast matches an exchange that lasted at least d: a timeout fired
// rather than a shortcut.
func TakeAtLeast(d time.Duration) types.GomegaMatcher {
	return observationMatcher{expected: "an answer after at least " + d.String(), match: func(o harness.Observation) bool {
		return o.Total >= d
	}}
}

// AnswerBetween matches an exchange that lasted between lo and hi. An
// exchange gatecrash gave up on (its request timeout) does not match: the
// gateway had not answered, and when it would have is unknown.
func AnswerBetween(lo, hi time.Duration) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("an answer between %s and %s", lo, hi), match: func(o harness.Observation) bool {
		return !o.TimedOut() && o.Total >= lo && o.Total <= hi
	}}
}

// BeValidHTTP matches a complete, well-formed HTTP answer.
func BeValidHTTP() types.GomegaMatcher {
	return observationMatcher{expected: "a valid HTTP answer", match: harness.Observation.ValidHTTP}
}

// NotHaveStatusMatching matches an exchange whose status does not satisfy
// bad; desc says which statuses those are. An exchange without a status
// (no valid answer) matches: add BeValidHTTP to require one.
func NotHaveStatusMatching(desc string, bad func(status int) bool) types.GomegaMatcher {
	return observationMatcher{expected: "a status other than " + desc, match: func(o harness.Observation) bool {
		return o.Status == 0 || !bad(o.Status)
	}}
}

// HaveAttempts matches an exchange whose request reached the origin exactly
// n times (harness.Observation.Attempts). When attempts may have gone
// unseen (Observation.Uncounted, as when nothing accepts the connects), the
// count is not observable and it does not match: it never guesses.
func HaveAttempts(n int) types.GomegaMatcher { return HaveAttemptsBetween(n, n) }

// HaveAttemptsBetween matches an exchange whose request reached the origin
// at least lo and at most hi times (hi < 0: no upper bound). The attempts
// seen are a lower bound when some may have gone unseen: "at least lo" is
// judged on them, an upper bound is then not observable and fails.
func HaveAttemptsBetween(lo, hi int) types.GomegaMatcher {
	return observationMatcher{expected: AttemptsText(lo, hi),
		match: func(o harness.Observation) bool {
			if o.Attempts < lo {
				return false
			}
			if hi < 0 {
				return true
			}
			return o.Uncounted == "" && o.Attempts <= hi
		},
		observed: DescribeAttempts,
	}
}

// AttemptsText says what an attempts bound expects, as messages write it.
func AttemptsText(lo, hi int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 attempt"
		}
		return fmt.Sprintf("%d attempts", n)
	}
	switch {
	case lo == hi:
		return plural(lo) + " at the origin"
	case hi < 0:
		return "at least " + plural(lo) + " at the origin"
	case lo <= 0:
		return "at most " + plural(hi) + " at the origin"
	}
	return fmt.Sprintf("%d to %d attempts at the origin", lo, hi)
}

// DescribeAttempts says how many attempts the origin saw for an exchange,
// on how many connections, and why it may be more.
func DescribeAttempts(o harness.Observation) string {
	read := 0
	for _, a := range o.Upstream {
		if a.RequestRead {
			read++
		}
	}
	detail := harness.Plural(read, "request") + " read, " + harness.Plural(o.Connections, "new connection")
	if o.Unaccepted > 0 {
		detail += ", " + harness.Plural(o.Unaccepted, "connect") + " nothing accepted"
	}
	text := fmt.Sprintf("%s at the origin (%s)", harness.Plural(o.Attempts, "attempt"), detail)
	if o.Uncounted != "" {
		text = fmt.Sprintf("at least %s; the exact count is not observable: %s", text, o.Uncounted)
	}
	return text + answered(o)
}

// answered ends a description of part of an exchange with the answer as a
// whole: ", answered status 502 in 3ms", or, when gatecrash's own timeout
// ended the exchange, what had arrived and why it ended.
func answered(o harness.Observation) string {
	if o.TimedOut() {
		return "; " + o.String()
	}
	return ", answered " + o.String()
}

// HaveIntactBody matches an exchange whose body is the origin's whole body,
// byte for byte, under its status, in an answer whose framing ended
// cleanly (harness.BodyIntact).
func HaveIntactBody() types.GomegaMatcher {
	return observationMatcher{expected: "the origin's body intact",
		match: func(o harness.Observation) bool {
			return o.Integrity != nil && o.Integrity.Verdict == harness.BodyIntact
		},
		observed: DescribeIntegrity,
	}
}

// HaveDamagedBody matches an exchange that relayed the origin's body cut
// short or changed, its bytes or their framing (harness.BodyTruncated,
// harness.BodyAltered, harness.BodyReframed): a finding a suite pins.
func HaveDamagedBody() types.GomegaMatcher {
	return observationMatcher{expected: "the origin's body relayed cut, changed or reframed",
		match: func(o harness.Observation) bool {
			if o.Integrity == nil {
				return false
			}
			switch o.Integrity.Verdict {
			case harness.BodyTruncated, harness.BodyAltered, harness.BodyReframed:
				return true
			}
			return false
		},
		observed: DescribeIntegrity,
	}
}

// DescribeIntegrity says what became of the origin's body.
func DescribeIntegrity(o harness.Observation) string {
	return o.Integrity.String() + answered(o)
}

// headerValue is a header's values joined as RFC 9110 combines them.
func headerValue(o harness.Observation, name string) (string, bool) {
	vs, ok := o.Header[http.CanonicalHeaderKey(name)]
	return strings.Join(vs, ", "), ok
}

func describeHeader(name string) func(harness.Observation) string {
	return func(o harness.Observation) string {
		if v, ok := headerValue(o, name); ok {
			return fmt.Sprintf("%s: %q%s", http.CanonicalHeaderKey(name), v, answered(o))
		}
		return fmt.Sprintf("no %s header%s", http.CanonicalHeaderKey(name), answered(o))
	}
}

// HaveHeader matches an answer that has the header name.
func HaveHeader(name string) types.GomegaMatcher {
	return observationMatcher{expected: "a " + http.CanonicalHeaderKey(name) + " header",
		match:    func(o harness.Observation) bool { _, ok := headerValue(o, name); return ok },
		observed: describeHeader(name)}
}

// NotHaveHeader matches an answer without the header name (an exchange
// without a valid answer has none).
func NotHaveHeader(name string) types.GomegaMatcher {
	return observationMatcher{expected: "no " + http.CanonicalHeaderKey(name) + " header",
		match:    func(o harness.Observation) bool { _, ok := headerValue(o, name); return !ok },
		observed: describeHeader(name)}
}

// HaveHeaderValue matches an answer whose header name is value (several
// fields of the name joined with ", ").
func HaveHeaderValue(name, value string) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("%s: %q", http.CanonicalHeaderKey(name), value),
		match:    func(o harness.Observation) bool { v, ok := headerValue(o, name); return ok && v == value },
		observed: describeHeader(name)}
}

// HaveHeaderMatching matches an answer whose header name matches re.
func HaveHeaderMatching(name string, re *regexp.Regexp) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("%s matching %s", http.CanonicalHeaderKey(name), re),
		match:    func(o harness.Observation) bool { v, ok := headerValue(o, name); return ok && re.MatchString(v) },
		observed: describeHeader(name)}
}

// bodyShown is how much of a body a message quotes.
const bodyShown = 200

func describeBody(o harness.Observation) string {
	b := o.Body
	more := ""
	if len(b) > bodyShown {
		b, more = b[:bodyShown], fmt.Sprintf("... (%d bytes)", o.BodyBytes)
	}
	return fmt.Sprintf("body %q%s%s", b, more, answered(o))
}

// HaveBodyContaining matches an answer whose body contains s.
func HaveBodyContaining(s string) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("a body containing %q", s),
		match:    func(o harness.Observation) bool { return bytes.Contains(o.Body, []byte(s)) },
		observed: describeBody}
}

// NotHaveBodyContaining matches an answer whose body does not contain s.
func NotHaveBodyContaining(s string) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("a body without %q", s),
		match:    func(o harness.Observation) bool { return !bytes.Contains(o.Body, []byte(s)) },
		observed: describeBody}
}

// HaveBodyMatching matches an answer whose body matches re.
func HaveBodyMatching(re *regexp.Regexp) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("a body matching %s", re),
		match:    func(o harness.Observation) bool { return re.Match(o.Body) },
		observed: describeBody}
}

// HaveBody matches an answer whose whole body is s.
func HaveBody(s string) types.GomegaMatcher {
	return observationMatcher{expected: fmt.Sprintf("the body %q", s),
		match:    func(o harness.Observation) bool { return o.BodyBytes == int64(len(s)) && string(o.Body) == s },
		observed: describeBody}
}
