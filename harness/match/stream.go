package match

import (
	"github.com/onsi/gomega/types"

	"github.com/gatecrash/gatecrash/harness"
)

// HaveStream matches an observation of a stream (harness.Request.Stream)
// for which ok holds; expected says what it expects, and a failure shows
// the stream as the client saw it. A plain request's observation never
// matches.
func HaveStream(expected string, ok func(*harness.StreamObservation) bool) types.GomegaMatcher {
	return observationMatcher{
		expected: expected,
		match:    func(o harness.Observation) bool { return o.Stream != nil && ok(o.Stream) },
		observed: DescribeStream,
	}
}

// DescribeStream is what the client saw of a stream: its head, then the
// stream ("status 101 in 2ms; upgraded, 3 of 3 messages back, ...").
func DescribeStream(o harness.Observation) string {
	if o.Stream == nil {
		return "no stream: " + o.String()
	}
	return o.String() + "; " + o.Stream.String()
}
