package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/scenarios"
)

// The command line's input and messages, in-process: nothing here needs a
// process of its own.

const (
	builtinSuite = "../../scenarios/examples/builtin.yaml"
	nginxSuite   = "../../scenarios/examples/nginx/suite.yaml"
)

// scenarioCount is how many scenarios a suite file holds.
func scenarioCount(t testing.TB, path string) int {
	t.Helper()
	s, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(s.Scenarios)
}

// findingCount is how many scenarios of the suite at path are pinned
// findings (finding:), which a run counts as passed.
func findingCount(t testing.TB, path string) int {
	t.Helper()
	s, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sc := range s.Scenarios {
		if sc.Finding != "" && sc.Skip == "" {
			n++
		}
	}
	return n
}

// skipCount is how many scenarios of the suite at path say skip:.
func skipCount(t testing.TB, path string) int {
	t.Helper()
	s, err := scenarios.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sc := range s.Scenarios {
		if sc.Skip != "" {
			n++
		}
	}
	return n
}

// passedText is the summary's count of passed scenarios, n of which
// findings: "5 passed" or "5 passed (2 findings)".
func passedText(n, findings int) string {
	switch findings {
	case 0:
		return fmt.Sprintf("%d passed", n)
	case 1:
		return fmt.Sprintf("%d passed (1 finding)", n)
	}
	return fmt.Sprintf("%d passed (%d findings)", n, findings)
}

// passedRE matches the summary's count of passed scenarios, with its
// findings if any.
const passedRE = `\d+ passed(?: \(\d+ findings?\))?`

func TestValidateFaultsSchema(t *testing.T) {
	t.Parallel()
	t.Run("validates the examples", func(t *testing.T) {
		r := gatecrash(t, nil, "validate", builtinSuite, nginxSuite)
		if want := fmt.Sprintf(`builtin.yaml: ok: suite "builtin reference gateway", %d scenarios, gateway builtin`, scenarioCount(t, builtinSuite)); r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout %q; want 0 and %q", r.code, r.stdout, want)
		}
	})

	t.Run("prints the catalog, also as JSON", func(t *testing.T) {
		r := gatecrash(t, nil, "faults", "--json")
		var catalog []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &catalog); r.code != 0 || err != nil {
			t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
		}
		names := map[string]bool{}
		for _, f := range catalog {
			names[f["name"].(string)] = true
		}
		for _, want := range []string{"refused", "hang", "nxdomain", "blackhole", "garbage"} {
			if !names[want] {
				t.Errorf("the JSON catalog has no %s", want)
			}
		}
		r = gatecrash(t, nil, "faults")
		if r.code != 0 || !regexp.MustCompile(`\norigin down\n(.|\n)*\n  refused +nothing listens`).MatchString(r.stdout) {
			t.Errorf("exit %d:\n%s", r.code, r.stdout)
		}
	})

	t.Run("prints the suite format's JSON Schema", func(t *testing.T) {
		r := gatecrash(t, nil, "schema")
		var schema map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &schema); r.code != 0 || err != nil {
			t.Fatalf("exit %d, %v", r.code, err)
		}
		if schema["$schema"] != "http://json-schema.org/draft-07/schema#" || schema["$id"] != scenarios.SchemaID {
			t.Errorf("$schema %v, $id %v", schema["$schema"], schema["$id"])
		}
		if props, _ := schema["properties"].(map[string]any); props["scenarios"] == nil {
			t.Errorf("no properties.scenarios")
		}
		if r := gatecrash(t, nil, "schema", "extra"); r.code != 2 {
			t.Errorf("schema extra: exit %d, want 2", r.code)
		}
	})

	t.Run("rejects an unknown command with exit 2", func(t *testing.T) {
		r := gatecrash(t, nil, "frobnicate")
		if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "validate", "faults", "merge", "probe", "compare", "atlas", "schema", "version"} {
		for _, args := range [][]string{{cmd, "-h"}, {cmd, "--help"}, {"help", cmd}} {
			r := gatecrash(t, nil, args...)
			want := regexp.MustCompile(`^Usage: gatecrash ` + cmd + `.*\n\nExample:\n  gatecrash ` + cmd)
			if r.code != 0 || !want.MatchString(r.stdout) || r.stderr != "" {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the usage with an example on stdout", args, r.code, r.stdout, r.stderr)
			}
		}
	}
	if r := gatecrash(t, nil, "--help"); r.code != 0 || !strings.Contains(r.stdout, "Example:\n  gatecrash run ") {
		t.Errorf("--help: exit %d:\n%s", r.code, r.stdout)
	}

	// A bad flag is an error, -h after it or not: the usage goes to
	// stderr, exit 2.
	for _, args := range [][]string{{"run", "--bogus"}, {"run", "--bogus", "-h"}, {"probe", "--samples", "x", "--help"}} {
		r := gatecrash(t, nil, args...)
		want := regexp.MustCompile(`(flag provided but not defined: -bogus|invalid value "x" for flag -samples: parse error)\nUsage: gatecrash ` + args[0])
		if r.code != 2 || !want.MatchString(r.stderr) || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := gatecrash(t, nil, "run", "-h=true"); r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: gatecrash run") {
		t.Errorf("run -h=true: exit %d:\n%s", r.code, r.stdout)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	t.Run("exits 2 on a bad flag, naming it", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--label-filter", "((", builtinSuite}, `--label-filter "((":`},
			{[]string{"--focus", "(", builtinSuite}, `--focus "(": expected a regular expression`},
			{[]string{builtinSuite, "-v"}, "-v: flags go before the suite files"},
			{[]string{"--shard", "3/2", builtinSuite}, `--shard: expected i/n with 1 <= i <= n, such as 2/4; got "3/2"`},
		} {
			proc := testProcess(t)
			r := gatecrash(t, proc, append([]string{"run"}, c.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2, nothing run, and %q", c.args, r.code, r.stdout, r.stderr, c.want)
			}
			if left := leftovers(proc); len(left) > 0 {
				t.Errorf("%q: left %v", c.args, left)
			}
		}
	})

	t.Run("exits 2 without starting anything when the input is bad", func(t *testing.T) {
		bad := writeFile(t, t.TempDir(), "bad.yaml", `suite: bad
scenarios:
  - name: typo
    fault: refused
    expect: {statsu: 502}
  - name: duration
    fault: hang
    expect: {status: 504, within: 2 seconds}
  - name: fault
    fault: refsued
    expect: {status: 502}
`)
		for _, cmd := range []string{"validate", "run"} {
			r := gatecrash(t, nil, cmd, bad)
			for _, want := range []string{
				bad + `:5:14: scenarios[0].expect: unknown field "statsu"`,
				bad + `:8:35: scenarios[1].expect.within: expected a duration`,
				bad + `:10:12: scenarios[2].fault: unknown fault "refsued"`,
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s: stderr %q, want %q", cmd, r.stderr, want)
				}
			}
			if r.code != 2 || r.stdout != "" {
				t.Errorf("%s: exit %d, stdout %q; want 2 and nothing run", cmd, r.code, r.stdout)
			}
		}
	})

	t.Run("report paths that cannot be written are exit 2 before anything starts", func(t *testing.T) {
		proc := testProcess(t)
		tmp := t.TempDir()
		file := writeFile(t, tmp, "file", "")
		junit := filepath.Join(tmp, "out", "junit.xml")
		r := gatecrash(t, proc, "run", "--junit", junit, "--json", filepath.Join(file, "report.json"), "--html", tmp, builtinSuite)
		want := "gatecrash: --json: report not writable: " + file + "/report.json: cannot make its directory " + file + ": not a directory\n" +
			"gatecrash: --html: report not writable: " + tmp + ": is a directory; expected a file path\n"
		if r.code != 2 || r.stderr != want || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, nothing run, and %q", r.code, r.stdout, r.stderr, want)
		}
		if _, err := os.Stat(junit); err == nil {
			t.Errorf("%s written", junit)
		}
		if left := leftovers(proc); len(left) > 0 {
			t.Errorf("a work dir was made: %v", left)
		}
		r = gatecrash(t, proc, "merge", "--json", filepath.Join(file, "merged.json"), file)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "gatecrash merge: --json: report not writable: ") {
			t.Errorf("merge: exit %d, stderr %q", r.code, r.stderr)
		}
	})

	for _, kind := range []string{"a named pipe", "/dev/zero"} {
		t.Run("refuses "+kind+" as a suite at once, exit 2", func(t *testing.T) {
			path := "/dev/zero"
			if kind == "a named pipe" {
				path = filepath.Join(t.TempDir(), "suite.yaml")
				if err := syscall.Mkfifo(path, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, cmd := range []string{"validate", "run"} {
				// At once: a read of either would never end.
				done := make(chan result, 1)
				proc := testProcess(t)
				go func() { done <- gatecrash(t, proc, cmd, path) }()
				var r result
				select {
				case r = <-done:
				case <-time.After(5 * time.Second):
					t.Fatalf("%s %s: still reading after 5s", cmd, path)
				}
				if want := path + ": cannot read the suite file: not a regular file"; r.code != 2 || !strings.Contains(r.stderr+r.stdout, want) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", cmd, r.code, r.stdout, r.stderr, want)
				}
			}
		})
	}

	t.Run("a port already in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		proc := testProcess(t)
		suite := writeFile(t, t.TempDir(), "suite.yaml", fmt.Sprintf(`suite: busy
origin: {listen: "%s"}
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`, ln.Addr()))
		r := gatecrash(t, proc, "run", suite)
		if want := fmt.Sprintf("proxy: listen on %s: listen tcp %s: bind: address already in use", ln.Addr(), ln.Addr()); r.code != 2 || !strings.Contains(r.stdout, want) {
			t.Errorf("exit %d, stdout %q; want 2 and %q", r.code, r.stdout, want)
		}
		if left := leftovers(proc); len(left) > 0 {
			t.Errorf("left %v", left)
		}
	})

	t.Run("probe rejects an unknown fault in --faults, or none, with exit 2", func(t *testing.T) {
		r := gatecrash(t, nil, "probe", "--faults", "refused,hnag")
		if r.code != 2 || !strings.Contains(r.stderr, `--faults: unknown fault "hnag"; expected names from gatecrash faults`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		r = gatecrash(t, nil, "probe", "--faults", ",")
		if r.code != 2 || !strings.Contains(r.stderr, `--faults: expected at least one fault name`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})

	t.Run("probe takes the gateway from --suite, and rejects a bad one with exit 2", func(t *testing.T) {
		bad := writeFile(t, t.TempDir(), "bad.yaml", "gateway: {buitin: {}}\nscenarios: []\n")
		r := gatecrash(t, nil, "probe", "--suite", bad)
		if r.code != 2 || !strings.Contains(r.stderr, `bad.yaml:1:11: gateway: unknown field "buitin"`) {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// TestBadInputCorpus: each file in scenarios/testdata/bad starts with a
// "# want: ..." line, the message it must produce; "# only: run" marks a
// problem only a run can find. Every one exits 2, names the place and what
// was expected, and starts nothing.
func TestBadInputCorpus(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../scenarios/testdata/bad/*.yaml")
	if len(files) < 30 {
		t.Fatalf("%d bad suites, want at least 30", len(files))
	}
	place := regexp.MustCompile(`\.yaml:\d+:\d+: `)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := regexp.MustCompile(`(?m)^# want: (.*)$`).FindStringSubmatch(string(data))
			if len(want) != 2 {
				t.Fatal("the file does not say what it must produce (# want: ...)")
			}
			runOnly := strings.Contains(string(data), "\n# only: run\n")
			proc := testProcess(t)
			if !runOnly {
				r := gatecrash(t, proc, "validate", file)
				if r.code != 2 || !strings.Contains(r.stderr, want[1]) {
					t.Errorf("validate: exit %d, stderr %q; want 2 and %q", r.code, r.stderr, want[1])
				}
				if !place.MatchString(r.stderr) {
					t.Errorf("validate: does not name file:line:column: %s", r.stderr)
				}
			}
			r := gatecrash(t, proc, "run", file)
			if r.code != 2 || !strings.Contains(r.stdout+r.stderr, want[1]) {
				t.Errorf("run: exit %d, stdout %q, stderr %q; want 2 and %q", r.code, r.stdout, r.stderr, want[1])
			}
			if !runOnly && r.stdout != "" {
				t.Errorf("run: stdout %q; want nothing run", r.stdout)
			}
			if left := leftovers(proc); len(left) > 0 {
				t.Errorf("work dirs left behind: %v", left)
			}
		})
	}

	t.Run("a gateway command not installed here is a warning of validate, not an error", func(t *testing.T) {
		t.Parallel()
		file := "../../scenarios/testdata/bad/missing-gateway-binary.yaml"
		r := gatecrash(t, nil, "validate", file)
		want := file + ": warning: gateway.command[0]: gatecrash-no-such-gateway is not installed here (executable file not found in $PATH); a run will fail until it is"
		if r.code != 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr %q; want 0 and %q", r.code, r.stderr, want)
		}
	})
}
