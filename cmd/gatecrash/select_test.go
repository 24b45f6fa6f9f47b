package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/runner"
)

// TestRunSelectsNothing runs gatecrash in-process: a run whose filters
// select no scenario ends before anything starts.
func TestRunSelectsNothing(t *testing.T) {
	t.Parallel()
	const builtin = "../../scenarios/examples/builtin.yaml"
	s, err := scenarios.Load(builtin)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Scenarios)
	focusNote := `(--focus is matched against each scenario's name and "suite / name")`
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"a focus with a typo", []string{"--focus", "^orign"},
			fmt.Sprintf(`--focus "^orign" selects none of the %d scenarios in %s %s`, n, builtin, focusNote)},
		{"a label no scenario has", []string{"--label-filter", "dsn"},
			fmt.Sprintf(`--label-filter "dsn" selects none of the %d scenarios in %s`, n, builtin)},
		{"filters that select apart but not together", []string{"--label-filter", "dns", "--focus", "^origin down"},
			fmt.Sprintf(`--label-filter "dns" and --focus "^origin down" select none of the %d scenarios in %s (--label-filter alone selects`, n, builtin)},
		{"under -p", []string{"-p", "4", "--focus", "^orign"},
			fmt.Sprintf(`--focus "^orign" selects none of the %d scenarios in %s`, n, builtin)},
		{"more shards than scenarios selected", []string{"--shard", "3/3", "--focus", "^origin down answers 502 fast$"},
			fmt.Sprintf(`--shard 3/3 selects no scenario: --focus "^origin down answers 502 fast$" selects 1 of the %d scenarios in %s, fewer than the 3 shards`, n, builtin)},
		{"more shards than scenarios selected, under -p", []string{"-p", "2", "--shard", "2/2", "--focus", "^origin down answers 502 fast$"},
			"--shard 2/2 selects no scenario"},
		{"more shards than scenarios", []string{"--shard", fmt.Sprintf("%d/%d", n+1, n+1)},
			fmt.Sprintf(`--shard %d/%d selects no scenario: %s holds %d scenarios, fewer than the %d shards`, n+1, n+1, builtin, n, n+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			proc := testProcess(t)
			dir := proc.tempDir // where a run's environment would make its work dirs
			reports := []string{"--junit", filepath.Join(dir, "junit.xml"), "--json", filepath.Join(dir, "report.json")}
			var stdout, stderr bytes.Buffer
			code := run(append(append(append([]string{"run"}, reports...), c.args...), builtin), &stdout, &stderr, proc)
			if code != runner.ExitBadInput {
				t.Errorf("exit %d, want %d", code, runner.ExitBadInput)
			}
			if want := "gatecrash: " + c.want; !bytes.Contains(stderr.Bytes(), []byte(want)) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), want)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing: no scenario runs", stdout.String())
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("%s holds %v: want no report, no work dir", dir, left)
			}
		})
	}
}

// TestProbeSelectsNothing: a probe whose --faults the suite can host none
// of would probe nothing; it ends before anything starts, and writes no
// baseline (one without scenarios, which run would refuse).
func TestProbeSelectsNothing(t *testing.T) {
	t.Parallel()
	proc := testProcess(t)
	dir := proc.tempDir
	baseline := filepath.Join(dir, "baseline.yaml")
	var stdout, stderr bytes.Buffer
	code := run([]string{"probe", "--faults", "one_origin_down", "--write", baseline}, &stdout, &stderr, proc)
	if code != runner.ExitBadInput {
		t.Errorf("exit %d, want %d", code, runner.ExitBadInput)
	}
	want := "gatecrash probe: --faults one_origin_down selects no fault that the gateway's suite can host:\n" +
		"  one_origin_down: needs several origin instances: probe --suite a suite with origin.instances: 2 or more\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout %q, want nothing: no fault probed", stdout.String())
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("%s holds %v: want no baseline, no work dir", dir, left)
	}
}
