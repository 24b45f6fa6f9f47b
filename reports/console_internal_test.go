package reports

import "testing"

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
		cols int
	}{
		{"RUN   a / b", 20, "RUN   a / b", 11},
		{"RUN   a / b", 11, "RUN   a / b", 11},
		{"RUN   a / b", 10, "RUN   a /…", 10},
		{"RUN   网关超时测试", 12, "RUN   网关…", 11},
		{"RUN   网关超时测试", 13, "RUN   网关超…", 13},
		{"RUN   网关超时测试", 14, "RUN   网关超…", 13},
		{"RUN   网关超时测试", 18, "RUN   网关超时测试", 18},
	} {
		got, cols := cut(tc.in, tc.max)
		if got != tc.want || cols != tc.cols {
			t.Errorf("cut(%q, %d) = %q, %d; want %q, %d", tc.in, tc.max, got, cols, tc.want, tc.cols)
		}
		if cols > tc.max {
			t.Errorf("cut(%q, %d) takes %d columns", tc.in, tc.max, cols)
		}
	}
}
