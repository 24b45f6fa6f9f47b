package main

import (
	"bytes"
	"testing"
)

// TestBadFlagValues runs the command line in process: a flag value that
// makes no sense is exit 2 with a message, before any suite is read.
func TestBadFlagValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--timeout", "-1s", "nosuch.yaml"}, "gatecrash: --timeout: expected a duration above 0, such as 30m; got -1s\n"},
		{[]string{"run", "--timeout", "0s", "nosuch.yaml"}, "gatecrash: --timeout: expected a duration above 0, such as 30m; got 0s\n"},
		{[]string{"probe", "--request-timeout", "-1s"}, "gatecrash probe: --request-timeout: expected a duration above 0 and at most 1h0m0s (as in a suite), such as 10s; got -1s\n"},
		{[]string{"probe", "--request-timeout", "0s"}, "gatecrash probe: --request-timeout: expected a duration above 0 and at most 1h0m0s (as in a suite), such as 10s; got 0s\n"},
		// A baseline written with more would not load.
		{[]string{"probe", "--request-timeout", "2h"}, "gatecrash probe: --request-timeout: expected a duration above 0 and at most 1h0m0s (as in a suite), such as 10s; got 2h0m0s\n"},
		{[]string{"validate", ""}, "gatecrash: \"\": expected the path of a suite file, such as scenarios/examples/builtin.yaml\n"},
		{[]string{"run", " "}, "gatecrash: \" \": expected the path of a suite file, such as scenarios/examples/builtin.yaml\n"},
		{[]string{"probe", "--after", "2h"}, "gatecrash probe: --after: expected at most 1h0m0s (as in a suite); got 2h0m0s\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr, testProcess(t)); code != 2 || stderr.String() != c.want || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout.String(), stderr.String(), c.want)
		}
	}
}
