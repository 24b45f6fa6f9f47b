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
	"fmt"
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
}

func (m observationMatcher) Match(actual any) (bool, error) {
	obs, ok := actual.(harness.Observation)
	if !ok {
		return false, fmt.Errorf("expected a harness.Observation, got %T", actual)
	}
	return m.match(obs), nil
}

func (m observationMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %s, observed %s", m.expected, describe(actual))
}

func (m observationMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected not %s, observed %s", m.expected, describe(actual))
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
	return observationMatcher{"status " + desc, func(o harness.Observation) bool {
		return o.Status != 0 && ok(o.Status)
	}}
}

// AnswerWithin matches an exchange that ended (answered or failed) within d.
func AnswerWithin(d time.Duration) types.GomegaMatcher {
	return observationMatcher{"an answer within " + d.String(), func(o harness.Observation) bool {
		return o.Total <= d
	}}
}

// TakeAtLeast matches an exchange that lasted at least d: a timeout fired
// rather than a shortcut.
func TakeAtLeast(d time.Duration) types.GomegaMatcher {
	return observationMatcher{"an answer after at least " + d.String(), func(o harness.Observation) bool {
		return o.Total >= d
	}}
}

// AnswerBetween matches an exchange that lasted between lo and hi.
func AnswerBetween(lo, hi time.Duration) types.GomegaMatcher {
	return observationMatcher{fmt.Sprintf("an answer between %s and %s", lo, hi), func(o harness.Observation) bool {
		return o.Total >= lo && o.Total <= hi
	}}
}

// BeValidHTTP matches a complete, well-formed HTTP answer.
func BeValidHTTP() types.GomegaMatcher {
	return observationMatcher{"a valid HTTP answer", harness.Observation.ValidHTTP}
}
