package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Atlas is the probe of several gateways over the catalog: how each
// answers each fault (docs/atlas.md).
type Atlas struct {
	Gateways []AtlasGateway
	// Order is the faults' order (the catalog's); faults not in it come
	// after, by name.
	Order []string
	// Tolerance is when two times are told apart in a row's note.
	Tolerance TimeTolerance
}

// AtlasGateway is one gateway's column: its name, its version as it
// prints it, and its probe's records.
type AtlasGateway struct {
	Gateway, Version string
	Records          []Record
}

// The findings of an atlas cell, in the words of the atlas's rule.
const (
	FindingNotHTTP   = "not valid HTTP"
	FindingBodyCut   = "body not intact"
	FindingSilent2xx = "2xx without the origin's intact body"
	FindingNotMet    = "fault not met"
	FindingWired     = "cross-wired"
)

// FindingRules are the rules of the atlas's findings, in words: the
// atlas's header lists them.
var FindingRules = []string{
	FindingNotHTTP + ": the client did not get a well-formed HTTP answer (valid_http false): no status line, an invalid status, a body cut short of its framing, no answer before the request timeout",
	FindingBodyCut + ": the answer carried the origin's body, cut or changed in its bytes or its framing (body_intact false)",
	FindingSilent2xx + ": a 2xx status whose body is not the origin's whole body (status 2xx and body_intact false or null): success reported for an answer of the origin that did not get through",
	FindingNotMet + ": the request never met the fault (met not_met), so the answer says nothing about the fault (a cached address, a connection never reused)",
	FindingWired + ": an answer the client got, to the request or to one of the requests sent after it, was another request's answer or bytes the origin sent after one (cross_wired true): response queue poisoning",
}

// Findings is what record r shows that a gateway should not do, by the
// atlas's rules (FindingRules).
func Findings(r Record) []string {
	var out []string
	if r.ValidHTTP != nil && !*r.ValidHTTP {
		out = append(out, FindingNotHTTP)
	}
	if r.BodyIntact != nil && !*r.BodyIntact {
		out = append(out, FindingBodyCut)
	}
	if r.Status != nil && *r.Status/100 == 2 && (r.BodyIntact == nil || !*r.BodyIntact) {
		out = append(out, FindingSilent2xx)
	}
	if r.Met == "not_met" {
		out = append(out, FindingNotMet)
	}
	if r.CrossWired != nil && *r.CrossWired {
		out = append(out, FindingWired)
	}
	return out
}

// atlasRow is one fault across the gateways, in their sorted order.
type atlasRow struct {
	Fault string
	Cells []*Record
	Note  string
}

// sorted is the gateways by name (case aside), and the rows.
func (a Atlas) sorted() ([]AtlasGateway, []atlasRow) {
	gws := slices.Clone(a.Gateways)
	slices.SortStableFunc(gws, func(x, y AtlasGateway) int {
		return strings.Compare(strings.ToLower(x.Gateway), strings.ToLower(y.Gateway))
	})
	cells := map[string][]*Record{}
	for i, g := range gws {
		for _, r := range g.Records {
			if cells[r.Key] == nil {
				cells[r.Key] = make([]*Record, len(gws))
			}
			if cells[r.Key][i] == nil {
				cells[r.Key][i] = &r
			}
		}
	}
	var keys []string
	for _, f := range a.Order {
		if cells[f] != nil && !slices.Contains(keys, f) {
			keys = append(keys, f)
		}
	}
	var rest []string
	for f := range cells {
		if !slices.Contains(keys, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	var rows []atlasRow
	for _, f := range append(keys, rest...) {
		rows = append(rows, atlasRow{Fault: f, Cells: cells[f], Note: a.note(gws, cells[f])})
	}
	return gws, rows
}

// note says how the gateways disagree on one fault, or "" when they
// agree: the gateways grouped by their answer, as "nginx and Caddy answer
// 502, HAProxy 503 after 3 attempts". An answer is its status, with its
// attempts, time and findings where those differ between the gateways.
func (a Atlas) note(gws []AtlasGateway, cells []*Record) string {
	var present []*Record
	for _, c := range cells {
		if c != nil {
			present = append(present, c)
		}
	}
	switch {
	case len(present) == 1 && len(cells) > 1:
		for i, c := range cells {
			if c != nil {
				return "only " + gws[i].Gateway + " probed it"
			}
		}
	case len(present) < 2:
		return ""
	}
	diff := map[Field]bool{}
	findings := map[string]bool{}
	for _, c := range present {
		findings[strings.Join(Findings(*c), ", ")] = true
	}
	for _, f := range differing(present, a.Tolerance) {
		diff[f] = true
	}
	if !diff[FieldStatus] && !diff[FieldAttempts] && !diff[FieldTime] && len(findings) < 2 && len(present) == len(cells) {
		return ""
	}
	times := timeClusters(cells, a.Tolerance)
	var order []string
	groups := map[string][]string{}
	for i, c := range cells {
		answer := "not probed"
		if c != nil {
			answer = fieldText(FieldStatus, c)
			if diff[FieldAttempts] {
				answer += " after " + fieldText(FieldAttempts, c)
			}
			if diff[FieldTime] {
				answer += " in " + times[i]
			}
			if f := Findings(*c); len(findings) > 1 && len(f) > 0 {
				answer += " (" + strings.Join(f, ", ") + ")"
			}
		}
		if groups[answer] == nil {
			order = append(order, answer)
		}
		groups[answer] = append(groups[answer], gws[i].Gateway)
	}
	// Not probed last: it is no answer.
	slices.SortStableFunc(order, func(x, y string) int {
		return boolInt(x == "not probed") - boolInt(y == "not probed")
	})
	var parts []string
	for i, answer := range order {
		names := groups[answer]
		who := names[0]
		if len(names) > 1 {
			who = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		}
		switch {
		case answer == "not probed":
			parts = append(parts, who+" not probed")
		case i == 0 && len(names) == 1:
			parts = append(parts, who+" answers "+answer)
		case i == 0:
			parts = append(parts, who+" answer "+answer)
		default:
			parts = append(parts, who+" "+answer)
		}
	}
	return strings.Join(parts, ", ")
}

// timeClusters is each cell's time as a note says it: the cells whose
// times do not differ (by tol) from the first of a cluster share its
// words, "2.0s" or "2.0s to 2.1s".
func timeClusters(cells []*Record, tol TimeTolerance) []string {
	cluster := make([]int, len(cells))
	var heads []int
	for i, c := range cells {
		cluster[i] = -1
		if c == nil || c.Seconds == nil {
			continue
		}
		for _, h := range heads {
			if !tol.Differ(*cells[h].Seconds, *c.Seconds) {
				cluster[i] = h
				break
			}
		}
		if cluster[i] < 0 {
			cluster[i] = i
			heads = append(heads, i)
		}
	}
	out := make([]string, len(cells))
	for i := range cells {
		if cluster[i] < 0 {
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for j := range cells {
			if cluster[j] == cluster[i] {
				lo, hi = math.Min(lo, *cells[j].Seconds), math.Max(hi, *cells[j].Seconds)
			}
		}
		from, to := strconv.FormatFloat(lo, 'f', 1, 64), strconv.FormatFloat(hi, 'f', 1, 64)
		out[i] = from + "s"
		if from != to {
			out[i] = from + "s to " + to + "s"
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// atlasCell is a cell's text: "status / seconds / attempts", and its
// findings.
func atlasCell(r *Record) (string, []string) {
	if r == nil {
		return "not probed", nil
	}
	return fmt.Sprintf("%s / %s / %s", fieldText(FieldStatus, r), fieldText(FieldTime, r), strconv.Itoa(deref(r.Attempts))), Findings(*r)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// atlasIntro is the atlas's opening, the same in Markdown and HTML.
const atlasIntro = "How each example gateway answers each fault of the catalog, with the fault's default parameters: " +
	"the gateway's `gatecrash probe --json` (the builtin gateway with the probe's own suite, every other with its suite in " +
	"`scenarios/examples/GATEWAY/`; the faults that suite cannot host with another example suite of the gateway that can: " +
	"several origin instances, an HTTP/2 upstream, gRPC, WebSockets and event streams, and for the builtin a pooled origin for the desync faults), " +
	"kept in `docs/atlas/GATEWAY.json` and regenerated with `make atlas`. " +
	"A cell is status / seconds / attempts (the requests that reached the origin); a fault no example suite of a gateway can host is not probed."

// Markdown renders the atlas: its rule of findings, then a row per fault
// and a column per gateway and version, each cell status / time /
// attempts with its findings marked 🔶, and a note where the gateways
// disagree. It is deterministic: the same entries give the same bytes.
func (a Atlas) Markdown() []byte {
	gws, rows := a.sorted()
	var b strings.Builder
	b.WriteString("# Gateway atlas\n\n<!-- Generated by gatecrash atlas from docs/atlas/*.json; do not edit. -->\n\n")
	b.WriteString(atlasIntro + "\n\n")
	b.WriteString("A 🔶 marks a finding. A cell's findings, by these rules:\n\n")
	for _, r := range FindingRules {
		name, rule, _ := strings.Cut(r, ": ")
		fmt.Fprintf(&b, "- **%s**: %s.\n", mdInline(name), mdInline(rule))
	}
	fmt.Fprintf(&b, "\nThe note of a row says where the gateways disagree: on the status, the attempts, the time "+
		"(told apart when the longer is more than %sx the shorter and more than %s longer) or the findings.\n\n",
		strconv.FormatFloat(a.Tolerance.Ratio, 'f', -1, 64), a.Tolerance.Abs)
	b.WriteString("| fault |")
	for _, g := range gws {
		fmt.Fprintf(&b, " %s<br>%s |", mdCell(g.Gateway), mdCell(g.Version))
	}
	b.WriteString(" where they differ |\n|---|" + strings.Repeat("---|", len(gws)) + "---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", mdCellCode(r.Fault))
		for _, c := range r.Cells {
			text, findings := atlasCell(c)
			if len(findings) > 0 {
				fmt.Fprintf(&b, " 🔶 %s<br>%s |", mdCell(text), mdCell(strings.Join(findings, "; ")))
			} else {
				fmt.Fprintf(&b, " %s |", mdCell(text))
			}
		}
		fmt.Fprintf(&b, " %s |\n", mdCell(r.Note))
	}
	return []byte(b.String())
}

// HTML renders the atlas as one self-contained page (inline CSS, no
// script; every value escaped), with what Markdown has.
func (a Atlas) HTML() ([]byte, error) {
	gws, rows := a.sorted()
	type cell struct {
		Text     string
		Findings []string
	}
	type row struct {
		Fault, Note string
		Cells       []cell
	}
	type rule struct{ Name, Text string }
	data := struct {
		Intro, Tolerance string
		Rules            []rule
		Gateways         []AtlasGateway
		Rows             []row
	}{Intro: atlasIntro, Gateways: gws,
		Tolerance: fmt.Sprintf("%sx the shorter and more than %s longer", strconv.FormatFloat(a.Tolerance.Ratio, 'f', -1, 64), a.Tolerance.Abs)}
	for _, r := range FindingRules {
		name, text, _ := strings.Cut(r, ": ")
		data.Rules = append(data.Rules, rule{name, text})
	}
	for _, r := range rows {
		hr := row{Fault: r.Fault, Note: r.Note}
		for _, c := range r.Cells {
			text, findings := atlasCell(c)
			hr.Cells = append(hr.Cells, cell{text, findings})
		}
		data.Rows = append(data.Rows, hr)
	}
	var b bytes.Buffer
	if err := atlasPage.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var atlasPage = template.Must(template.New("atlas").Funcs(template.FuncMap{"join": strings.Join}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gatecrash gateway atlas</title>
<!-- Generated by gatecrash atlas from docs/atlas/*.json; do not edit. -->
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #212121; }
table { border-collapse: collapse; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.finding { background: #fff3e0; }
.findings { color: #e65100; font-size: 90%; }
.version { font-weight: normal; color: #616161; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>Gateway atlas</h1>
<p>{{.Intro}}</p>
<p>A shaded cell has a finding, by these rules:</p>
<ul>
{{range .Rules}}<li><strong>{{.Name}}</strong>: {{.Text}}.</li>
{{end}}</ul>
<p>The note of a row says where the gateways disagree: on the status, the attempts, the time (told apart when the longer is more than {{.Tolerance}}) or the findings.</p>
<table>
<thead><tr><th>fault</th>{{range .Gateways}}<th>{{.Gateway}}<br><span class="version">{{.Version}}</span></th>{{end}}<th>where they differ</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td><code>{{.Fault}}</code></td>{{range .Cells}}<td{{if .Findings}} class="finding"{{end}}>{{.Text}}{{if .Findings}}<br><span class="findings">{{join .Findings "; "}}</span>{{end}}</td>{{end}}<td>{{.Note}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// WriteAtlas writes the atlas's Markdown to markdownPath and its HTML to
// htmlPath (either may be "").
func (a Atlas) WriteAtlas(markdownPath, htmlPath string) error {
	if markdownPath != "" {
		if err := writeFile(markdownPath, a.Markdown()); err != nil {
			return fmt.Errorf("atlas: %w", err)
		}
	}
	if htmlPath != "" {
		data, err := a.HTML()
		if err == nil {
			err = writeFile(htmlPath, data)
		}
		if err != nil {
			return fmt.Errorf("atlas: %w", err)
		}
	}
	return nil
}
