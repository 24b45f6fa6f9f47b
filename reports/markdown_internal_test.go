package reports

import (
	"strings"
	"testing"
)

func TestMdCode(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"underscores stay as they are", "closed_on_accept", "`closed_on_accept`"},
		{"stars and brackets too", "*a* [b](c)", "`*a* [b](c)`"},
		{"a backslash is a backslash", `a\b`, "`a\\b`"},
		{"markup is shown, not read", "<b>x</b> &amp;", "`<b>x</b> &amp;`"},
		{"a backtick inside: a longer fence", "a`b", "``a`b``"},
		{"two backticks inside: three", "a``b`c", "```a``b`c```"},
		{"a leading backtick: padded", "`a", "`` `a ``"},
		{"a trailing backtick: padded", "a`", "`` a` ``"},
		{"only backticks", "``", "``` `` ```"},
		{"a space at both ends is kept", " a ", "`  a  `"},
		{"a space at one end needs nothing", " a", "` a`"},
		{"only spaces need nothing", "  ", "`  `"},
		{"a newline is a space", "a\nb\r\nc", "`a b c`"},
		{"nothing is nothing", "", ""},
	} {
		if got := mdCode(tc.in); got != tc.want {
			t.Errorf("%s: mdCode(%q) = %q; want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestMdCellCode(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no pipe", "closed_on_accept", "`closed_on_accept`"},
		{"a pipe is backslashed, or it ends the cell", "a|b", "`a\\|b`"},
		{"pipes and backticks", "`a|b`", "`` `a\\|b` ``"},
		// GitHub reads \\| as an escaped backslash and a cell's end: no
		// code span can hold a backslash before a pipe in a cell.
		{"a backslash before a pipe: plain text", `a\|b`, `a\\\|b`},
	} {
		if got := mdCellCode(tc.in); got != tc.want {
			t.Errorf("%s: mdCellCode(%q) = %q; want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestMdFence(t *testing.T) {
	for _, tc := range []struct {
		name, in, fence string
	}{
		{"plain text: three", "expected 502", "```"},
		{"a fence inside: four", "a\n```\nb", "````"},
		{"five inside: six", "`````", "``````"},
	} {
		got := mdFence(tc.in)
		if want := tc.fence + "\n" + tc.in + "\n" + tc.fence + "\n"; got != want {
			t.Errorf("%s: mdFence(%q) = %q; want %q", tc.name, tc.in, got, want)
		}
	}
}

func TestTotals(t *testing.T) {
	of := func(states ...State) []*Scenario {
		var rs []*Scenario
		for _, s := range states {
			rs = append(rs, &Scenario{State: s})
		}
		return rs
	}
	finding := &Scenario{State: Passed, Finding: "relays garbage"}
	failedFinding := &Scenario{State: Failed, Finding: "relays garbage"}
	for _, tc := range []struct {
		name    string
		results []*Scenario
		want    string
		verdict string
	}{
		{"none", nil, "0 scenarios: 0 passed, 0 failed, 0 errors, 0 skipped, 0 interrupted", "passed"},
		{"one", of(Passed), "1 scenario: 1 passed, 0 failed, 0 errors, 0 skipped, 0 interrupted", "passed"},
		{"one error", of(Passed, Errored), "2 scenarios: 1 passed, 0 failed, 1 error, 0 skipped, 0 interrupted", "failed"},
		{"two errors", of(Errored, Errored), "2 scenarios: 0 passed, 0 failed, 2 errors, 0 skipped, 0 interrupted", "failed"},
		{"one finding", append(of(Passed), finding), "2 scenarios: 2 passed (1 finding), 0 failed, 0 errors, 0 skipped, 0 interrupted", "passed"},
		{"two findings", []*Scenario{finding, finding}, "2 scenarios: 2 passed (2 findings), 0 failed, 0 errors, 0 skipped, 0 interrupted", "passed"},
		{"a finding that fails is a failure", []*Scenario{failedFinding}, "1 scenario: 0 passed, 1 failed, 0 errors, 0 skipped, 0 interrupted", "failed"},
		{"interrupted wins", of(Failed, Interrupted), "2 scenarios: 0 passed, 1 failed, 0 errors, 0 skipped, 1 interrupted", "interrupted"},
	} {
		got := count(tc.results)
		if got.String() != tc.want || got.verdict() != tc.verdict {
			t.Errorf("%s: %q, %s; want %q, %s", tc.name, got.String(), got.verdict(), tc.want, tc.verdict)
		}
		if strings.Contains(got.String(), " 1 errors") || strings.Contains(got.String(), "1 scenarios") {
			t.Errorf("%s: a plural for one: %q", tc.name, got.String())
		}
	}
}
