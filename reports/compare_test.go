package reports_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// probeRow is a probe's record of fault: a 502 in 1ms after one attempt,
// valid HTTP, the body not judged, the fault met; change changes it.
func probeRow(fault string, change ...func(*reports.Record)) reports.Record {
	r := reports.Record{Key: fault, Status: new(502), Seconds: new(0.001), Attempts: new(1), ValidHTTP: new(true), Met: "met"}
	for _, c := range change {
		c(&r)
	}
	return r
}

func status(s int) func(*reports.Record)      { return func(r *reports.Record) { r.Status = new(s) } }
func seconds(s float64) func(*reports.Record) { return func(r *reports.Record) { r.Seconds = new(s) } }
func attempts(n int) func(*reports.Record)    { return func(r *reports.Record) { r.Attempts = new(n) } }
func intact(v *bool) func(*reports.Record)    { return func(r *reports.Record) { r.BodyIntact = v } }
func met(v string) func(*reports.Record)      { return func(r *reports.Record) { r.Met = v } }
func wired(v bool) func(*reports.Record)      { return func(r *reports.Record) { r.CrossWired = new(v) } }
func probeOf(name string, rows ...reports.Record) reports.Compared {
	return reports.Compared{Name: name, Kind: reports.KindProbe, Records: rows}
}

// TestCompare is the diff logic: which rows differ, on which fields, and
// which are missing from an input.
func TestCompare(t *testing.T) {
	for _, c := range []struct {
		name   string
		a, b   []reports.Record
		differ map[string][]reports.Field // key: fields (nil: differs by missing)
	}{
		{name: "identical probes", a: []reports.Record{probeRow("refused"), probeRow("hang", status(504), seconds(2))},
			b: []reports.Record{probeRow("refused"), probeRow("hang", status(504), seconds(2))}, differ: map[string][]reports.Field{}},
		{name: "502 against 503", a: []reports.Record{probeRow("refused")}, b: []reports.Record{probeRow("refused", status(503))},
			differ: map[string][]reports.Field{"refused": {reports.FieldStatus}}},
		{name: "attempts and the fault's verdict", a: []reports.Record{probeRow("refused")}, b: []reports.Record{probeRow("refused", attempts(3), met("not_met"))},
			differ: map[string][]reports.Field{"refused": {reports.FieldAttempts, reports.FieldMet}}},
		{name: "a body judged against one not judged", a: []reports.Record{probeRow("x", intact(new(true)))}, b: []reports.Record{probeRow("x")},
			differ: map[string][]reports.Field{"x": {reports.FieldBodyIntact}}},
		{name: "0.503s against 0.497s: the same", a: []reports.Record{probeRow("slow_dns", seconds(0.503))}, b: []reports.Record{probeRow("slow_dns", seconds(0.497))},
			differ: map[string][]reports.Field{}},
		{name: "3ms against 9ms: three times, but within 100ms", a: []reports.Record{probeRow("x", seconds(0.003))}, b: []reports.Record{probeRow("x", seconds(0.009))},
			differ: map[string][]reports.Field{}},
		{name: "2.0s against 2.9s: 900ms, but within 1.5x", a: []reports.Record{probeRow("hang", seconds(2))}, b: []reports.Record{probeRow("hang", seconds(2.9))},
			differ: map[string][]reports.Field{}},
		{name: "1s against 2s: beyond both", a: []reports.Record{probeRow("hang", seconds(1))}, b: []reports.Record{probeRow("hang", seconds(2))},
			differ: map[string][]reports.Field{"hang": {reports.FieldTime}}},
		{name: "0s against 0.2s", a: []reports.Record{probeRow("x", seconds(0))}, b: []reports.Record{probeRow("x", seconds(0.2))},
			differ: map[string][]reports.Field{"x": {reports.FieldTime}}},
		{name: "cross-wired against not", a: []reports.Record{probeRow("desync_extra_answer", status(200), wired(true))},
			b:      []reports.Record{probeRow("desync_extra_answer", status(200), wired(false))},
			differ: map[string][]reports.Field{"desync_extra_answer": {reports.FieldCrossWired}}},
		{name: "neither cross-wired", a: []reports.Record{probeRow("desync_cl_te", wired(false))}, b: []reports.Record{probeRow("desync_cl_te", wired(false))},
			differ: map[string][]reports.Field{}},
		{name: "a fault in one file only", a: []reports.Record{probeRow("refused"), probeRow("garbage")}, b: []reports.Record{probeRow("refused")},
			differ: map[string][]reports.Field{"garbage": nil}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmp, err := reports.Compare([]reports.Compared{probeOf("a", c.a...), probeOf("b", c.b...)}, reports.DefaultTimeTolerance)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]reports.Field{}
			for _, r := range cmp.Rows {
				if r.Differ() {
					got[r.Key] = r.Differs
				}
				if r.Missing() != (r.Cells[0] == nil || r.Cells[1] == nil) {
					t.Errorf("%s: Missing() = %t with cells %v", r.Key, r.Missing(), r.Cells)
				}
			}
			if len(got) != len(c.differ) {
				t.Fatalf("rows that differ: got %v, want %v", got, c.differ)
			}
			for k, want := range c.differ {
				if !slices.Equal(got[k], want) {
					t.Errorf("%s: fields that differ: got %v, want %v", k, got[k], want)
				}
			}
			if cmp.Differences() != len(c.differ) {
				t.Errorf("Differences() = %d, want %d", cmp.Differences(), len(c.differ))
			}
		})
	}
}

// TestCompareRunReports matches run reports' scenarios by suite and name,
// whatever their order, and compares what the records have.
func TestCompareRunReports(t *testing.T) {
	obs := func(status int, total time.Duration) *harness.Observation {
		return &harness.Observation{Status: status, Total: total, Attempts: 1,
			Integrity: &harness.Integrity{Verdict: harness.BodyIntact}, FaultMet: &harness.FaultMet{Verdict: harness.FaultWasMet}}
	}
	before := []*reports.Scenario{
		{Suite: "nginx", Name: "origin down", Observed: obs(502, time.Millisecond), State: reports.Passed},
		{Suite: "nginx", Name: "hung origin", Observed: obs(504, 2*time.Second), State: reports.Passed},
		{Suite: "nginx", Name: "a load", Load: &harness.LoadResult{FaultMet: &harness.FaultMet{Verdict: harness.FaultWasMet}}, State: reports.Passed},
		{Suite: "nginx", Name: "skipped", State: reports.Skipped},
		{Suite: "nginx", Name: "extra answer", Observed: obs(200, time.Millisecond), FollowUps: []*harness.Observation{obs(200, time.Millisecond)}, State: reports.Passed},
	}
	// The second follow-up got the first one's answer.
	poisoned := obs(200, time.Millisecond)
	poisoned.CrossWired = &harness.CrossWire{AnswerTo: "r-2", Detail: "the answer is request r-2's"}
	after := []*reports.Scenario{
		{Suite: "nginx", Name: "extra answer", Observed: obs(200, time.Millisecond), FollowUps: []*harness.Observation{obs(200, time.Millisecond), poisoned}, State: reports.Failed},
		{Suite: "nginx", Name: "skipped", State: reports.Skipped},
		{Suite: "nginx", Name: "hung origin", Observed: obs(504, 5*time.Second), State: reports.Failed},
		{Suite: "nginx", Name: "origin down", Observed: obs(502, 2*time.Millisecond), State: reports.Passed},
		{Suite: "other", Name: "a load", State: reports.Passed},
	}
	cmp, err := reports.Compare([]reports.Compared{
		{Name: "before", Kind: reports.KindRun, Records: reports.RunRecords(before)},
		{Name: "after", Kind: reports.KindRun, Records: reports.RunRecords(after)},
	}, reports.DefaultTimeTolerance)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"nginx / origin down":  "",
		"nginx / hung origin":  "state time",
		"nginx / a load":       "missing",
		"nginx / skipped":      "",
		"other / a load":       "missing",
		"nginx / extra answer": "state cross_wired",
	}
	if len(cmp.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(cmp.Rows), len(want))
	}
	for _, r := range cmp.Rows {
		var got []string
		for _, f := range r.Differs {
			got = append(got, string(f))
		}
		if r.Missing() {
			got = append(got, "missing")
		}
		if w, ok := want[r.Key]; !ok || strings.Join(got, " ") != w {
			t.Errorf("%q: got %q, want %q", r.Key, strings.Join(got, " "), w)
		}
	}
	if _, err := reports.Compare([]reports.Compared{probeOf("a"), {Name: "b", Kind: reports.KindRun}}, reports.DefaultTimeTolerance); err == nil ||
		!strings.Contains(err.Error(), "a is a probe and b a run report") {
		t.Errorf("a probe against a run report: got %v", err)
	}
	if _, err := reports.Compare([]reports.Compared{probeOf("a")}, reports.DefaultTimeTolerance); err == nil {
		t.Error("one input: no error")
	}
}

func TestParseTimeTolerance(t *testing.T) {
	for in, want := range map[string]string{"1.5x,100ms": "1.5x,100ms", "2,1s": "2x,1s", " 1x , 0s": "1x,0s"} {
		tol, err := reports.ParseTimeTolerance(in)
		if err != nil || tol.String() != want {
			t.Errorf("%q: got %v, %v; want %s", in, tol, err, want)
		}
	}
	for _, in := range []string{"1.5x", "0.5x,100ms", "x,100ms", "1.5x,soon", "1.5x,-1s", "Infx,1s"} {
		if _, err := reports.ParseTimeTolerance(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestCompareOutputs checks every format marks what differs and escapes
// what the inputs named.
func TestCompareOutputs(t *testing.T) {
	cmp, err := reports.Compare([]reports.Compared{
		probeOf("nginx <b>|", probeRow("refused"), probeRow("garbage")),
		probeOf("haproxy", probeRow("refused", status(503), attempts(3))),
	}, reports.DefaultTimeTolerance)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	cmp.Table(&table)
	for _, want := range []string{"≠  refused  *502*, 0.001s, *1 attempt*  *503*, 0.001s, *3 attempts*", "≠  garbage  502, 0.001s, 1 attempt      *missing*",
		"2 of 2 faults differ between nginx <b>|, haproxy"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table: no %q in\n%s", want, table.String())
		}
	}
	md := string(cmp.Markdown())
	for _, want := range []string{"| | fault | nginx &lt;b&gt;\\| | haproxy |", "| ≠ | `refused` | **502**, 0.001s, **1 attempt** | **503**, 0.001s, **3 attempts** |",
		"| ≠ | `garbage` | 502, 0.001s, 1 attempt | **missing** |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown: no %q in\n%s", want, md)
		}
	}
	html, err := cmp.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<th>nginx &lt;b&gt;|</th>", "<mark>503</mark>", "<mark>missing</mark>"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("html: no %q in\n%s", want, html)
		}
	}
	if strings.Contains(string(html), "<b>") || strings.Contains(string(html), "<script") {
		t.Errorf("html: a name not escaped, or a script:\n%s", html)
	}
	data, err := cmp.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Format      string   `json:"format"`
		Columns     []string `json:"columns"`
		Differences int      `json:"differences"`
		Rows        []struct {
			Key     string           `json:"key"`
			Differs bool             `json:"differs"`
			Fields  []string         `json:"fields"`
			Missing []string         `json:"missing"`
			Cells   []map[string]any `json:"cells"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Format != reports.CompareFormat || out.Differences != 2 || len(out.Rows) != 2 ||
		!slices.Equal(out.Rows[0].Fields, []string{"status", "attempts"}) || out.Rows[0].Cells[1]["status"] != 503.0 ||
		!slices.Equal(out.Rows[1].Missing, []string{"haproxy"}) || out.Rows[1].Cells[1] != nil {
		t.Errorf("json: %s", data)
	}
}

// TestAtlas checks the findings' rules and the notes of rows where the
// gateways disagree.
func TestAtlas(t *testing.T) {
	for _, c := range []struct {
		r    reports.Record
		want []string
	}{
		{probeRow("refused"), nil},
		{probeRow("slow_body", status(200), intact(new(true))), nil},
		{probeRow("chunked_cut", status(200), intact(new(false)), func(r *reports.Record) { r.ValidHTTP = new(false) }),
			[]string{reports.FindingNotHTTP, reports.FindingBodyCut, reports.FindingSilent2xx}},
		{probeRow("made_up", status(200)), []string{reports.FindingSilent2xx}},
		{probeRow("nxdomain", status(200), intact(new(true)), met("not_met")), []string{reports.FindingNotMet}},
		{probeRow("desync_extra_answer", status(200), intact(new(true)), wired(true)), []string{reports.FindingWired}},
		{probeRow("desync_cl_te", status(200), intact(new(true)), wired(false)), nil},
	} {
		if got := reports.Findings(c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: findings %q, want %q", c.r.Key, got, c.want)
		}
	}
	atlas := reports.Atlas{
		Order:     []string{"refused", "hang", "chunked_cut"},
		Tolerance: reports.DefaultTimeTolerance,
		Gateways: []reports.AtlasGateway{
			{Gateway: "nginx", Version: "nginx version: nginx/1.22.1", Records: []reports.Record{probeRow("zeta"), probeRow("hang", status(504), seconds(2)), probeRow("refused"),
				probeRow("chunked_cut", status(200), intact(new(false)))}},
			{Gateway: "HAProxy", Version: "HAProxy version 2.6", Records: []reports.Record{probeRow("refused", status(503), attempts(3)), probeRow("hang", status(504), seconds(30)),
				probeRow("chunked_cut", status(200), intact(new(false)))}},
			{Gateway: "Caddy", Version: "v2.6.2", Records: []reports.Record{probeRow("refused"), probeRow("hang", status(504), seconds(2.1)), probeRow("chunked_cut", status(502))}},
		},
	}
	md := string(atlas.Markdown())
	for _, want := range []string{
		"| fault | Caddy<br>v2.6.2 | HAProxy<br>HAProxy version 2.6 | nginx<br>nginx version: nginx/1.22.1 | where they differ |",
		"| `refused` | 502 / 0.001s / 1 | 503 / 0.001s / 3 | 502 / 0.001s / 1 | Caddy and nginx answer 502 after 1 attempt, HAProxy 503 after 3 attempts |\n",
		"| `hang` | 504 / 2.100s / 1 | 504 / 30.000s / 1 | 504 / 2.000s / 1 | Caddy and nginx answer 504 in 2.0s to 2.1s, HAProxy 504 in 30.0s |\n",
		"| `chunked_cut` | 502 / 0.001s / 1 | 🔶 200 / 0.001s / 1<br>body not intact; 2xx without the origin's intact body |",
		"Caddy answers 502, HAProxy and nginx 200 (body not intact, 2xx without the origin's intact body) |\n",
		"| `zeta` | not probed | not probed | 502 / 0.001s / 1 | only nginx probed it |\n",
		"- **fault not met**: ",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("atlas: no %q in\n%s", want, md)
		}
	}
	if i, j := strings.Index(md, "`chunked_cut`"), strings.Index(md, "`zeta`"); i > j {
		t.Errorf("atlas: the catalog's order first, then by name:\n%s", md)
	}
	shuffled := atlas
	shuffled.Gateways = []reports.AtlasGateway{atlas.Gateways[2], atlas.Gateways[0], atlas.Gateways[1]}
	if string(shuffled.Markdown()) != md {
		t.Error("atlas: the entries' order changed the Markdown")
	}
	html, err := atlas.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `<td class="finding">200 / 0.001s / 1<br><span class="findings">body not intact; 2xx without the origin&#39;s intact body</span></td>`) {
		t.Errorf("atlas html:\n%s", html)
	}
}
