package harness

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		unit string
		want string
	}{
		{0, "scenario", "0 scenarios"},
		{1, "scenario", "1 scenario"},
		{2, "scenario", "2 scenarios"},
		{1, "new connection", "1 new connection"},
		{3, "new connection", "3 new connections"},
		{1, "DNS query", "1 DNS query"},
		{2, "DNS query", "2 DNS queries"},
		{2, "day", "2 days"}, // a vowel before the y: -s
		{-1, "byte", "-1 byte"},
	} {
		if got := Plural(tc.n, tc.unit); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q; want %q", tc.n, tc.unit, got, tc.want)
		}
	}
	if got := Plural(int64(1), "byte"); got != "1 byte" {
		t.Errorf("Plural(int64(1), byte) = %q", got)
	}
}
