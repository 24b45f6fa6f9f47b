package match

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
)

// loadMatcher is a matcher on harness.LoadResult described by what it
// expects and what it observed.
type loadMatcher struct {
	expected string
	match    func(harness.LoadResult) bool
	observed func(harness.LoadResult) string
}

func (m loadMatcher) Match(actual any) (bool, error) {
	r, ok := actual.(harness.LoadResult)
	if !ok {
		return false, fmt.Errorf("expected a harness.LoadResult, got %T", actual)
	}
	return m.match(r), nil
}

func (m loadMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected %s, observed %s", m.expected, m.describe(actual))
}

func (m loadMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected not %s, observed %s", m.expected, m.describe(actual))
}

func (m loadMatcher) describe(actual any) string {
	r, ok := actual.(harness.LoadResult)
	if !ok {
		return fmt.Sprint(actual)
	}
	return m.observed(r)
}

func percent(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }

// HaveSuccessRatio matches a load whose requests were answered 2xx or 3xx
// at least at ratio (0 to 1).
func HaveSuccessRatio(ratio float64) types.GomegaMatcher {
	return loadMatcher{
		expected: "a success ratio of at least " + percent(ratio),
		match:    func(r harness.LoadResult) bool { return r.Requests > 0 && r.SuccessRatio >= ratio },
		observed: func(r harness.LoadResult) string {
			return fmt.Sprintf("%s of %s (%s)", percent(r.SuccessRatio), harness.Plural(r.Requests, "request"), r.StatusLine())
		},
	}
}

// HaveOnlyStatuses matches a load whose every request got an answer with a
// status that satisfies ok; desc says which those are.
func HaveOnlyStatuses(desc string, ok func(status int) bool) types.GomegaMatcher {
	return loadMatcher{
		expected: "every answer with status " + desc,
		match: func(r harness.LoadResult) bool {
			return r.Requests > 0 && r.StatusShare(ok) == 1
		},
		observed: func(r harness.LoadResult) string {
			return fmt.Sprintf("%s of %s", r.StatusLine(), harness.Plural(r.Requests, "request"))
		},
	}
}

// HaveStatusShare matches a load in which the share of requests answered
// with a status that satisfies ok is between lo and hi (0 to 1).
func HaveStatusShare(desc string, ok func(status int) bool, lo, hi float64) types.GomegaMatcher {
	return loadMatcher{
		expected: fmt.Sprintf("%s to %s of the answers with status %s", percent(lo), percent(hi), desc),
		match: func(r harness.LoadResult) bool {
			share := r.StatusShare(ok)
			return r.Requests > 0 && share >= lo && share <= hi
		},
		observed: func(r harness.LoadResult) string {
			return fmt.Sprintf("%s with status %s (%s of %s)", percent(r.StatusShare(ok)), desc, r.StatusLine(), harness.Plural(r.Requests, "request"))
		},
	}
}

// HaveLatencyAtMost matches a load whose latency at p (p50, p90, p95, p99,
// max, mean) is at most d.
func HaveLatencyAtMost(p string, d time.Duration) types.GomegaMatcher {
	return loadMatcher{
		expected: fmt.Sprintf("a %s latency of at most %s", p, d),
		match: func(r harness.LoadResult) bool {
			got, ok := r.Latency.Percentile(p)
			return ok && r.Requests > 0 && got <= d
		},
		observed: func(r harness.LoadResult) string {
			got, _ := r.Latency.Percentile(p)
			return fmt.Sprintf("%s %s over %s (p50 %s, p99 %s, max %s)", p, harness.Round(got), harness.Plural(r.Requests, "request"),
				harness.Round(r.Latency.P50), harness.Round(r.Latency.P99), harness.Round(r.Latency.Max))
		},
	}
}

// LeaveNoneUnansweredAfter matches a load in which every request had its
// outcome, an answer or a failure, within d of its start.
func LeaveNoneUnansweredAfter(d time.Duration) types.GomegaMatcher {
	return loadMatcher{
		expected: "no request unanswered after " + d.String(),
		match:    func(r harness.LoadResult) bool { return r.Requests > 0 && r.Unanswered(d) == 0 },
		observed: func(r harness.LoadResult) string {
			return fmt.Sprintf("%d of %s unanswered after %s (max %s)", r.Unanswered(d), harness.Plural(r.Requests, "request"), d, harness.Round(r.Latency.Max))
		},
	}
}

// logMatcher matches a window of a gateway's log (a string) with a line
// matching a regular expression.
type logMatcher struct{ re *regexp.Regexp }

// HaveLogLine matches a gateway log window (a string, as Gateway.LogsSince
// returns it) with at least one line matching re.
func HaveLogLine(re *regexp.Regexp) types.GomegaMatcher { return logMatcher{re} }

func (m logMatcher) Match(actual any) (bool, error) {
	s, ok := actual.(string)
	if !ok {
		return false, fmt.Errorf("expected a log window as a string, got %T", actual)
	}
	for _, line := range strings.Split(s, "\n") {
		if m.re.MatchString(line) {
			return true, nil
		}
	}
	return false, nil
}

func (m logMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("expected a gateway log line matching %s, observed %s", m.re, DescribeLog(actual, m.re))
}

func (m logMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected no gateway log line matching %s, observed %s", m.re, DescribeLog(actual, m.re))
}

// logShown is how many lines of a log window a message shows.
const logShown = 10

// DescribeLog says what a log window holds with regard to re: the first
// matching line, or the window's last lines.
func DescribeLog(actual any, re *regexp.Regexp) string {
	s, _ := actual.(string)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if strings.TrimSpace(s) == "" {
		return "an empty log window: the gateway wrote nothing since the scenario began"
	}
	for _, line := range lines {
		if re.MatchString(line) {
			return fmt.Sprintf("the line %q", line)
		}
	}
	shown := lines
	if len(shown) > logShown {
		shown = shown[len(shown)-logShown:]
	}
	return fmt.Sprintf("no match in the %s written since the scenario began; the last:\n  %s", harness.Plural(len(lines), "line"), strings.Join(shown, "\n  "))
}

// BeRunning matches a gateway's liveness (a bool, as
// harness.Environment.GatewayAlive reports it) against want.
func BeRunning(want bool) types.GomegaMatcher { return runningMatcher{want} }

type runningMatcher struct{ want bool }

func (m runningMatcher) Match(actual any) (bool, error) {
	alive, ok := actual.(bool)
	if !ok {
		return false, fmt.Errorf("expected a bool, got %T", actual)
	}
	return alive == m.want, nil
}

func running(alive bool) string {
	if alive {
		return "the gateway still running"
	}
	return "the gateway no longer running"
}

func (m runningMatcher) FailureMessage(actual any) string {
	alive, _ := actual.(bool)
	return fmt.Sprintf("expected %s, observed %s", running(m.want), running(alive))
}

func (m runningMatcher) NegatedFailureMessage(actual any) string {
	alive, _ := actual.(bool)
	return fmt.Sprintf("expected not %s, observed %s", running(m.want), running(alive))
}
