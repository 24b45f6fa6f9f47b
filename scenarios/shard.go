package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// Slice is one of n parts of a run, counted from 1: --shard 2/4.
type Slice struct{ I, N int }

// ParseSlice reads "i/n".
func ParseSlice(s string) (Slice, error) {
	bad := fmt.Errorf("expected i/n with 1 <= i <= n, such as 2/4; got %q", s)
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Slice{}, bad
	}
	return Slice{i, n}, nil
}

// Number gives every scenario its place in the run, in file order, which
// slices and merged reports keep.
func Number(suites []*Suite) {
	n := 0
	for _, s := range suites {
		for i := range s.Scenarios {
			s.Scenarios[i].Order = n
			n++
		}
	}
}

// Take keeps the scenarios of one slice and drops the suites left empty.
// The scenarios to run are dealt round-robin in file order, so each slice
// gets an even share of them and of every suite; the scenarios the run's
// filters left out (Scenario.Unselected) are dealt apart the same way, so
// that each is reported as skipped by one slice. The split is
// deterministic: the same files and filters give the same slices.
func Take(suites []*Suite, part Slice) []*Suite {
	if part.N <= 1 {
		return suites
	}
	var out []*Suite
	dealt := map[bool]int{} // by Unselected
	for _, s := range suites {
		kept := *s
		kept.Scenarios = nil
		for _, sc := range s.Scenarios {
			if dealt[sc.Unselected]%part.N == part.I-1 {
				kept.Scenarios = append(kept.Scenarios, sc)
			}
			dealt[sc.Unselected]++
		}
		if len(kept.Scenarios) > 0 {
			out = append(out, &kept)
		}
	}
	return out
}
