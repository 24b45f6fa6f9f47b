package probe_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios/probe"
)

// TestReadCompared reads each input gatecrash compare takes, and says
// what is wrong with a file that is none, with the line and column of a
// JSON error.
func TestReadCompared(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	probeJSON := `[
  {"fault": "refused", "status": 502, "seconds": 0.001, "attempts": 1, "valid_http": true, "body_intact": null, "met": "met"},
  {"fault": "garbage", "status": 0, "seconds": 0.001, "attempts": 1, "valid_http": false, "body_intact": null, "met": "met", "error": "invalid_http: x"},
  {"fault": "desync_extra_answer", "status": 200, "seconds": 0.001, "attempts": 1, "valid_http": true, "body_intact": true, "met": "met", "cross_wired": true}
]
`
	for _, c := range []struct {
		file, text, name string
		kind, column     string
		keys             []string
	}{
		{"nginx.json", probeJSON, "", reports.KindProbe, "nginx", []string{"refused", "garbage", "desync_extra_answer"}},
		{"p.json", probeJSON, "before", reports.KindProbe, "before", []string{"refused", "garbage", "desync_extra_answer"}},
		{"entry.json", `{"gateway": "nginx", "version": "nginx/1.22.1", "probe": ` + probeJSON + `}`, "", reports.KindProbe, "entry", []string{"refused", "garbage", "desync_extra_answer"}},
		{"run.json", `{"format": "gatecrash-report/1", "summary": {}, "scenarios": [{"suite": "s", "name": "n", "state": "passed", "observed": {"status": 502}}]}`, "",
			reports.KindRun, "run", []string{"s / n"}},
	} {
		in, err := probe.ReadCompared(write(c.file, c.text), c.name)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		var keys []string
		for _, r := range in.Records {
			keys = append(keys, r.Key)
		}
		if in.Kind != c.kind || in.Name != c.column || strings.Join(keys, ",") != strings.Join(c.keys, ",") {
			t.Errorf("%s: got %s %q %q; want %s %q %q", c.file, in.Kind, in.Name, keys, c.kind, c.column, c.keys)
		}
	}
	in, _ := probe.ReadCompared(filepath.Join(dir, "nginx.json"), "")
	if r := in.Records[1]; *r.Status != 0 || *r.ValidHTTP || r.BodyIntact != nil || r.Error != "invalid_http: x" {
		t.Errorf("garbage: %+v", r)
	}
	if r := in.Records[0]; r.CrossWired != nil {
		t.Errorf("refused: cross-wired %v, want none (no follow-ups)", *r.CrossWired)
	}
	if r := in.Records[2]; r.CrossWired == nil || !*r.CrossWired || len(reports.Findings(r)) != 1 {
		t.Errorf("desync_extra_answer: %+v, findings %q", r, reports.Findings(r))
	}

	for _, c := range []struct{ file, text, want string }{
		{"syntax.json", "[\n  {\"fault\": \"refused\",\n   \"status\": 502,,\n", "syntax.json:3:18: invalid character ',' looking for beginning of object key string"},
		{"type.json", "[\n  {\"fault\": \"refused\", \"status\": \"502\"}\n]\n", "type.json:2:38: json: cannot unmarshal string into Go struct field Result.status of type int"},
		{"empty.json", " \n", "empty.json: empty; expected a probe's JSON (gatecrash probe --json) or a run's JSON report (gatecrash run --json)"},
		{"yaml.json", "\nsuite: x\n", "yaml.json:2:1: not JSON; expected a probe's JSON"},
		{"object.json", `{"suite": "x"}`, "object.json: a JSON object without format; expected a probe's JSON"},
		{"junit.json", `{"format": "junit"}`, `junit.json: a JSON object with format "junit"; expected a run report, format "gatecrash-report/1" (gatecrash run --json)`},
		{"faults.json", `[{"name": "refused", "family": "origin down"}]`, `faults.json: not a probe's JSON (gatecrash probe --json): json: unknown field "name"`},
		{"nofault.json", `[{"status": 502}]`, "nofault.json: not a probe's JSON (gatecrash probe --json): row 1 has no fault"},
		{"two.json", "[]\n[]\n", "two.json:2:1: more JSON after the probe's array"},
	} {
		_, err := probe.ReadCompared(write(c.file, c.text), "")
		if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: got %v; want %s", c.file, err, filepath.Join(dir, c.want))
		}
	}
	if _, err := probe.ReadCompared(filepath.Join(dir, "nosuch.json"), ""); err == nil || err.Error() != filepath.Join(dir, "nosuch.json")+": no such file or directory" {
		t.Errorf("nosuch.json: got %v", err)
	}
}
