package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCompareExitCodes runs gatecrash compare in process: --fail-on-diff
// exits 1 when a cell differs and 0 when none does; bad input exits 2 with
// the file and why.
func TestCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	row := func(fault string, status int, seconds string) string {
		return `{"fault": "` + fault + `", "status": ` + strconv.Itoa(status) + `, "seconds": ` + seconds + `, "attempts": 1, "valid_http": true, "body_intact": null, "met": "met"}`
	}
	nginx := write("nginx.json", "["+row("refused", 502, "0.503")+","+row("hang", 504, "2.0")+"]")
	same := write("same.json", "["+row("refused", 502, "0.497")+","+row("hang", 504, "2.1")+"]")
	haproxy := write("haproxy.json", "["+row("refused", 503, "0.5")+","+row("hang", 504, "2.0")+"]")
	report := write("run.json", `{"format": "gatecrash-report/1", "scenarios": []}`)
	bad := write("bad.json", "[\n  {\"fault\": }\n]")
	md, html, js := filepath.Join(dir, "out", "c.md"), filepath.Join(dir, "out", "c.html"), filepath.Join(dir, "out", "c.json")

	for _, c := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"compare", "--fail-on-diff", nginx, same}, 0, "0 of 2 faults differ between nginx, same\n", ""},
		{[]string{"compare", "--fail-on-diff", "--names", "nginx,HAProxy", "--markdown", md, "--html", html, "--json", js, nginx, haproxy}, 1,
			"≠  refused  *502*, 0.503s, 1 attempt  *503*, 0.500s, 1 attempt", ""},
		{[]string{"compare", nginx, haproxy}, 0, "1 of 2 faults differs between nginx, haproxy\n", ""},
		{[]string{"compare", "--fail-on-diff", "--time-tolerance", "1x,0s", nginx, same}, 1, "2 of 2 faults differ", ""},
		{[]string{"compare", "--fail-on-diff", nginx}, 2, "", "gatecrash compare: expected two or more files"},
		{[]string{"compare", nginx, haproxy, "--fail-on-diff"}, 2, "", "gatecrash compare: --fail-on-diff: flags go before the files"},
		{[]string{"compare", nginx, bad}, 2, "", "gatecrash compare: " + bad + ":2:13: invalid character '}' looking for beginning of value\n"},
		{[]string{"compare", nginx, filepath.Join(dir, "nosuch.json")}, 2, "", "nosuch.json: no such file or directory\n"},
		{[]string{"compare", nginx, report}, 2, "", "nginx is a probe and run a run report"},
		{[]string{"compare", "--names", "a", nginx, same}, 2, "", "--names: expected a name for each of the 2 files; got 1\n"},
		{[]string{"compare", "--time-tolerance", "2x", nginx, same}, 2, "", "--time-tolerance: expected RATIOx,DURATION"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr, testProcess(t))
		if code != c.code || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) || (c.stderr == "") != (stderr.Len() == 0) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", c.args, code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
		}
	}
	for _, path := range []string{md, html, js} {
		data, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(data), "HAProxy") {
			t.Errorf("%s: %v\n%s", path, err, data)
		}
	}
	var stdout bytes.Buffer
	if code := run([]string{"help", "compare"}, &stdout, &stdout, testProcess(t)); code != 0 || !strings.Contains(stdout.String(), "--fail-on-diff") {
		t.Errorf("help compare: exit %d\n%s", code, stdout.String())
	}
}

// TestAtlasUpToDate fails when the committed docs/atlas.md or
// docs/atlas.html is not what gatecrash atlas writes from the committed
// docs/atlas/*.json: run make atlas-docs after changing either.
func TestAtlasUpToDate(t *testing.T) {
	entries, err := filepath.Glob("../../docs/atlas/*.json")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no docs/atlas/*.json: %v", err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"atlas", "--out", out}, entries...), &stdout, &stderr, testProcess(t)); code != 0 {
		t.Fatalf("gatecrash atlas: exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{"atlas.md", "atlas.html"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("../../docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/%s is not what gatecrash atlas writes from docs/atlas/*.json; run make atlas-docs", name)
		}
	}
}

// TestAtlasEntry writes an atlas entry from two probes, a gateway's
// example suite and its suite with several origin instances: a fault in
// both is taken from the first, the rows are in the catalog's order, and
// the version keeps its first line.
func TestAtlasEntry(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	row := func(fault string, status int) string {
		return `{"fault": "` + fault + `", "status": ` + strconv.Itoa(status) + `, "seconds": 0.5, "attempts": 1, "valid_http": true, "body_intact": null, "met": "met"}`
	}
	suite := write("suite.json", "["+row("hang", 504)+","+row("refused", 502)+"]")
	instances := write("instances.json", "["+row("refused", 599)+","+row("one_origin_down", 200)+"]")
	entry := filepath.Join(dir, "nginx.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"atlas", "--entry", entry, "--gateway", "nginx", "--gateway-version", "\n nginx version: nginx/1.22.1 \nmore", suite, instances}, &stdout, &stderr, testProcess(t)); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, `"version": "nginx version: nginx/1.22.1"`) {
		t.Errorf("version not its first line:\n%s", text)
	}
	var faults []string
	for _, line := range strings.Split(text, "\n") {
		if f, ok := strings.CutPrefix(strings.TrimSpace(line), `"fault": "`); ok {
			faults = append(faults, strings.TrimSuffix(f, `",`))
		}
	}
	if got := strings.Join(faults, ","); got != "one_origin_down,refused,hang" {
		t.Errorf("faults %s, want one_origin_down,refused,hang (the catalog's order, each once)\n%s", got, text)
	}
	if strings.Contains(text, "599") {
		t.Errorf("refused taken from the second probe:\n%s", text)
	}
	stderr.Reset()
	if code := run([]string{"atlas", "--entry", entry, "--gateway", "nginx"}, &stdout, &stderr, testProcess(t)); code != 2 || !strings.Contains(stderr.String(), "expected --gateway NAME and the probe files") {
		t.Errorf("--entry without probe files: exit %d: %s", code, stderr.String())
	}
}
