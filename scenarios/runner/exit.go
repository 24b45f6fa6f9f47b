package runner

import "github.com/gatecrash/gatecrash/reports"

// worst picks the exit code that says the most: interrupted, then bad
// input, then a failure.
func worst(codes []int) int {
	rank := map[int]int{ExitPassed: 0, ExitFailed: 1, ExitBadInput: 2, ExitInterrupted: 3}
	w := ExitPassed
	for _, c := range codes {
		if _, known := rank[c]; !known {
			c = ExitBadInput // a worker that crashed
		}
		if rank[c] > rank[w] {
			w = c
		}
	}
	return w
}

// ExitCode is the exit code a run with these results ends with.
func ExitCode(results []*reports.Scenario) int {
	code := ExitPassed
	for _, r := range results {
		switch r.State {
		case reports.Interrupted:
			code = worst([]int{code, ExitInterrupted})
		case reports.Errored:
			code = worst([]int{code, ExitBadInput})
		case reports.Failed:
			code = worst([]int{code, ExitFailed})
		}
	}
	return code
}
