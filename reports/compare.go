package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// The kinds of input gatecrash compare reads.
const (
	// KindProbe is `gatecrash probe --json`: a row per fault.
	KindProbe = "probe"
	// KindRun is `gatecrash run --json`: a record per scenario.
	KindRun = "run"
)

// CompareFormat names the JSON of a comparison and its version.
const CompareFormat = "gatecrash-compare/1"

// Record is what one input of a comparison says about one fault (a row of
// a probe) or one scenario (a record of a run report): the values compared,
// each nil (or "") when the input does not have it.
type Record struct {
	// Key is the fault's name for a probe, "suite / scenario" for a run.
	Key string `json:"-"`
	// State is the scenario's verdict (passed, failed, ...); "" for a probe.
	State string `json:"state,omitempty"`
	// Status is the answer's status, 0 for none.
	Status     *int     `json:"status"`
	Seconds    *float64 `json:"seconds"`
	Attempts   *int     `json:"attempts"`
	ValidHTTP  *bool    `json:"valid_http"`
	BodyIntact *bool    `json:"body_intact"`
	// Met is met, not_met or unobserved; "" when no verdict was recorded.
	Met string `json:"met,omitempty"`
	// CrossWired, for a fault or scenario that sent follow-up requests
	// (the response-desync faults), is whether an answer the client got
	// was cross-wired (harness.CrossWire); nil otherwise.
	CrossWired *bool `json:"cross_wired,omitempty"`
	// Error is why the answer was not valid HTTP; shown, not compared.
	Error string `json:"error,omitempty"`
}

// Compared is one input of a comparison: a column.
type Compared struct {
	// Name is the column's name; Kind is KindProbe or KindRun.
	Name, Kind string
	Records    []Record
}

// Field is a value compared between inputs, named as in the JSON.
type Field string

// The fields compared, in the order a cell shows them.
const (
	FieldState      Field = "state"
	FieldStatus     Field = "status"
	FieldTime       Field = "time"
	FieldAttempts   Field = "attempts"
	FieldValidHTTP  Field = "valid_http"
	FieldBodyIntact Field = "body_intact"
	FieldMet        Field = "met"
	FieldCrossWired Field = "cross_wired"
)

var fields = []Field{FieldState, FieldStatus, FieldTime, FieldAttempts, FieldValidHTTP, FieldBodyIntact, FieldMet, FieldCrossWired}

// TimeTolerance decides when two times differ: when the longer is more
// than Ratio times the shorter and also more than Abs longer. Both must
// hold, so that 0.503s against 0.497s (close) and 3ms against 9ms (three
// times, but 6ms apart: noise) are the same, and 1s against 2s is not.
type TimeTolerance struct {
	Ratio float64
	Abs   time.Duration
}

// DefaultTimeTolerance is 1.5 times and 100ms: a timeout changed from 1s
// to 2s differs, the jitter of a loaded machine does not.
var DefaultTimeTolerance = TimeTolerance{Ratio: 1.5, Abs: 100 * time.Millisecond}

// Differ reports whether times a and b, in seconds, differ beyond t.
func (t TimeTolerance) Differ(a, b float64) bool {
	lo, hi := math.Min(a, b), math.Max(a, b)
	// Rounded to the microsecond: the records' seconds are decimals.
	if math.Round((hi-lo)*1e6) <= math.Round(t.Abs.Seconds()*1e6) {
		return false
	}
	return lo <= 0 || hi/lo > t.Ratio
}

// String is the tolerance as --time-tolerance takes it: "1.5x,100ms".
func (t TimeTolerance) String() string {
	return strconv.FormatFloat(t.Ratio, 'f', -1, 64) + "x," + t.Abs.String()
}

// ParseTimeTolerance reads "RATIOx,DURATION", such as "1.5x,100ms" (the x
// may be left out): two times differ when the longer is more than RATIO
// times the shorter and more than DURATION longer.
func ParseTimeTolerance(s string) (TimeTolerance, error) {
	ratio, abs, ok := strings.Cut(s, ",")
	if !ok {
		return TimeTolerance{}, fmt.Errorf("expected RATIOx,DURATION such as 1.5x,100ms; got %q", s)
	}
	r, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(ratio), "x"), 64)
	if err != nil || r < 1 || math.IsInf(r, 0) {
		return TimeTolerance{}, fmt.Errorf("expected a ratio of 1 or more before the comma, such as 1.5x; got %q", ratio)
	}
	d, err := time.ParseDuration(strings.TrimSpace(abs))
	if err != nil || d < 0 {
		return TimeTolerance{}, fmt.Errorf("expected a duration of 0 or more after the comma, such as 100ms; got %q", abs)
	}
	return TimeTolerance{Ratio: r, Abs: d}, nil
}

// Comparison is inputs side by side, row by row.
type Comparison struct {
	Kind      string
	Columns   []string
	Tolerance TimeTolerance
	Rows      []ComparedRow
}

// ComparedRow is one fault (or scenario) in every input.
type ComparedRow struct {
	Key string
	// Cells are the inputs' records, in column order; nil where the input
	// has none (missing).
	Cells []*Record
	// Differs are the fields on which the records present differ.
	Differs []Field
}

// Missing reports whether an input has no record for the row.
func (r ComparedRow) Missing() bool {
	for _, c := range r.Cells {
		if c == nil {
			return true
		}
	}
	return false
}

// Differ reports whether the row differs: a field differs, or an input
// has no record for it.
func (r ComparedRow) Differ() bool { return len(r.Differs) > 0 || r.Missing() }

// differs reports whether field f differs in the row.
func (r ComparedRow) differs(f Field) bool {
	for _, d := range r.Differs {
		if d == f {
			return true
		}
	}
	return false
}

// Differences is how many rows differ.
func (c *Comparison) Differences() int {
	n := 0
	for _, r := range c.Rows {
		if r.Differ() {
			n++
		}
	}
	return n
}

// Compare puts two or more inputs of one kind side by side. Rows are
// matched by key and come in the order first seen, input by input; a key
// repeated within an input is told apart by its occurrence ("name (2)").
func Compare(inputs []Compared, tol TimeTolerance) (*Comparison, error) {
	if len(inputs) < 2 {
		return nil, errors.New("expected two or more inputs to compare")
	}
	c := &Comparison{Kind: inputs[0].Kind, Tolerance: tol}
	for _, in := range inputs {
		if in.Kind != c.Kind {
			return nil, fmt.Errorf("%s is a %s and %s a %s: compare probes with probes, run reports with run reports",
				inputs[0].Name, kindName[c.Kind], in.Name, kindName[in.Kind])
		}
		c.Columns = append(c.Columns, in.Name)
	}
	index := map[string]int{}
	for i, in := range inputs {
		seen := map[string]int{}
		for _, rec := range in.Records {
			key := rec.Key
			if seen[rec.Key]++; seen[rec.Key] > 1 {
				key = fmt.Sprintf("%s (%d)", rec.Key, seen[rec.Key])
			}
			row, ok := index[key]
			if !ok {
				row = len(c.Rows)
				index[key] = row
				c.Rows = append(c.Rows, ComparedRow{Key: key, Cells: make([]*Record, len(inputs))})
			}
			c.Rows[row].Cells[i] = &rec
		}
	}
	for i := range c.Rows {
		c.Rows[i].Differs = differing(c.Rows[i].Cells, tol)
	}
	return c, nil
}

var kindName = map[string]string{KindProbe: "probe", KindRun: "run report"}

// differing is the fields on which the cells present differ.
func differing(cells []*Record, tol TimeTolerance) []Field {
	var present []*Record
	for _, c := range cells {
		if c != nil {
			present = append(present, c)
		}
	}
	var out []Field
	for _, f := range fields {
		differs := false
		for i := range present {
			for j := i + 1; j < len(present); j++ {
				differs = differs || fieldDiffers(f, present[i], present[j:j+1], tol)
			}
		}
		if differs {
			out = append(out, f)
		}
	}
	return out
}

// fieldDiffers reports whether field f of a differs from that of any of bs.
func fieldDiffers(f Field, a *Record, bs []*Record, tol TimeTolerance) bool {
	for _, b := range bs {
		switch f {
		case FieldTime:
			if (a.Seconds == nil) != (b.Seconds == nil) || a.Seconds != nil && tol.Differ(*a.Seconds, *b.Seconds) {
				return true
			}
		default:
			if fieldText(f, a) != fieldText(f, b) {
				return true
			}
		}
	}
	return false
}

// fieldText is field f of r in words, "" when r does not have it.
func fieldText(f Field, r *Record) string {
	switch f {
	case FieldState:
		return r.State
	case FieldStatus:
		if r.Status == nil {
			return ""
		}
		if *r.Status == 0 {
			return "no status"
		}
		return strconv.Itoa(*r.Status)
	case FieldTime:
		if r.Seconds == nil {
			return ""
		}
		return strconv.FormatFloat(*r.Seconds, 'f', 3, 64) + "s"
	case FieldAttempts:
		if r.Attempts == nil {
			return ""
		}
		return harness.Plural(*r.Attempts, "attempt")
	case FieldValidHTTP:
		return boolText(r.ValidHTTP, "valid HTTP", "not valid HTTP")
	case FieldBodyIntact:
		if r.BodyIntact == nil {
			return "body not judged"
		}
		return boolText(r.BodyIntact, "body intact", "body not intact")
	case FieldMet:
		switch r.Met {
		case "":
			return ""
		case "not_met":
			return "fault not met"
		}
		return "fault " + r.Met
	case FieldCrossWired:
		return boolText(r.CrossWired, "cross-wired", "not cross-wired")
	}
	return ""
}

func boolText(v *bool, yes, no string) string {
	switch {
	case v == nil:
		return ""
	case *v:
		return yes
	}
	return no
}

// cellPart is one value of a cell, and whether it differs in its row.
type cellPart struct {
	Text    string
	Differs bool
}

// cellParts is what a cell shows: the state, status, time and attempts
// always; validity, body and the fault's verdict when they say something
// is wrong (not valid HTTP, a body cut, a fault not met) or differ.
func (r ComparedRow) cellParts(rec *Record) []cellPart {
	var parts []cellPart
	for _, f := range fields {
		text := fieldText(f, rec)
		d := r.differs(f)
		switch f {
		case FieldValidHTTP:
			if !d && (rec.ValidHTTP == nil || *rec.ValidHTTP) {
				continue
			}
		case FieldBodyIntact:
			if !d && (rec.BodyIntact == nil || *rec.BodyIntact) {
				continue
			}
		case FieldMet:
			if !d && (rec.Met == "" || rec.Met == "met") {
				continue
			}
		case FieldCrossWired:
			if !d && (rec.CrossWired == nil || !*rec.CrossWired) {
				continue
			}
		}
		if text == "" {
			if !d {
				continue
			}
			text = "no " + strings.ReplaceAll(string(f), "_", " ")
		}
		parts = append(parts, cellPart{text, d})
	}
	return parts
}

// keyName is the first column's heading.
func (c *Comparison) keyName() string {
	if c.Kind == KindRun {
		return "scenario"
	}
	return "fault"
}

// summary is the comparison's verdict in a line.
func (c *Comparison) summary() string {
	what := map[string]string{KindProbe: "fault", KindRun: "scenario"}[c.Kind]
	return fmt.Sprintf("%d of %s differ%s between %s", c.Differences(), harness.Plural(len(c.Rows), what),
		map[bool]string{true: "s", false: ""}[c.Differences() == 1], strings.Join(c.Columns, ", "))
}

// rule says how cells are compared, in a sentence.
func (c *Comparison) rule() string {
	return fmt.Sprintf("Times differ when the longer is more than %sx the shorter and more than %s longer (--time-tolerance %s); "+
		"every other value differs when it is not the same; a row missing from an input differs.",
		strconv.FormatFloat(c.Tolerance.Ratio, 'f', -1, 64), c.Tolerance.Abs, c.Tolerance)
}

// Table writes the comparison as a table for a terminal: a row per fault
// (or scenario), a column per input, "≠" before each row that differs and
// every value that differs between *asterisks*; then the verdict.
func (c *Comparison) Table(w io.Writer) {
	header := append([]string{"", c.keyName()}, c.Columns...)
	rows := [][]string{header}
	for _, r := range c.Rows {
		mark := ""
		if r.Differ() {
			mark = "≠"
		}
		line := []string{mark, printable(r.Key)}
		for _, rec := range r.Cells {
			if rec == nil {
				line = append(line, "*missing*")
				continue
			}
			var texts []string
			for _, p := range r.cellParts(rec) {
				if p.Differs {
					p.Text = "*" + p.Text + "*"
				}
				texts = append(texts, printable(p.Text))
			}
			line = append(line, strings.Join(texts, ", "))
		}
		rows = append(rows, line)
	}
	for i := range rows[0] {
		rows[0][i] = printable(rows[0][i])
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	fmt.Fprintf(w, "\n%s\n", c.summary())
}

// Markdown renders the comparison as a Markdown table: a row per fault (or
// scenario), a column per input, "≠" before each row that differs and
// every value that differs in bold.
func (c *Comparison) Markdown() []byte {
	var b strings.Builder
	icon := "✅"
	if c.Differences() > 0 {
		icon = "≠"
	}
	fmt.Fprintf(&b, "## %s gatecrash compare: %s\n\n%s\n\n", icon, mdInline(c.summary()), mdInline(c.rule()))
	b.WriteString("| | " + c.keyName() + " |")
	for _, name := range c.Columns {
		b.WriteString(" " + mdCell(name) + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(c.Columns)) + "\n")
	for _, r := range c.Rows {
		mark := ""
		if r.Differ() {
			mark = "≠"
		}
		key := mdCell(r.Key)
		if c.Kind == KindProbe {
			key = mdCellCode(r.Key)
		}
		fmt.Fprintf(&b, "| %s | %s |", mark, key)
		for _, rec := range r.Cells {
			if rec == nil {
				b.WriteString(" **missing** |")
				continue
			}
			var texts []string
			for _, p := range r.cellParts(rec) {
				t := mdCell(p.Text)
				if p.Differs {
					t = "**" + t + "**"
				}
				texts = append(texts, t)
			}
			b.WriteString(" " + strings.Join(texts, ", ") + " |")
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// HTML renders the comparison as one self-contained HTML page (inline CSS,
// no script, nothing fetched; every name and value escaped): the verdict,
// then the table, rows that differ tinted and values that differ marked.
func (c *Comparison) HTML() ([]byte, error) {
	type cell struct {
		Missing bool
		Differs bool
		Parts   []cellPart
	}
	type row struct {
		Key    string
		Differ bool
		Cells  []cell
	}
	data := struct {
		Summary, Rule, KeyName string
		Differ                 bool
		Columns                []string
		Rows                   []row
	}{Summary: c.summary(), Rule: c.rule(), KeyName: c.keyName(), Differ: c.Differences() > 0, Columns: c.Columns}
	for _, r := range c.Rows {
		hr := row{Key: r.Key, Differ: r.Differ()}
		for _, rec := range r.Cells {
			if rec == nil {
				hr.Cells = append(hr.Cells, cell{Missing: true, Differs: true})
				continue
			}
			parts := r.cellParts(rec)
			d := false
			for _, p := range parts {
				d = d || p.Differs
			}
			hr.Cells = append(hr.Cells, cell{Differs: d, Parts: parts})
		}
		data.Rows = append(data.Rows, hr)
	}
	var b bytes.Buffer
	if err := comparePage.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var comparePage = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gatecrash compare</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #212121; }
table { border-collapse: collapse; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
tr.differ td { background: #fff8e1; }
td.differs { outline: 2px solid #ef6c00; outline-offset: -2px; }
mark { background: #ffcc80; font-weight: bold; }
.verdict.same { color: #2e7d32; } .verdict.differ { color: #ef6c00; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1 class="verdict {{if .Differ}}differ{{else}}same{{end}}">gatecrash compare: {{.Summary}}</h1>
<p>{{.Rule}}</p>
<table>
<thead><tr><th></th><th>{{.KeyName}}</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Differ}} class="differ"{{end}}><td>{{if .Differ}}≠{{end}}</td><td><code>{{.Key}}</code></td>{{range .Cells}}<td{{if .Differs}} class="differs"{{end}}>{{if .Missing}}<mark>missing</mark>{{else}}{{range $i, $p := .Parts}}{{if $i}}, {{end}}{{if $p.Differs}}<mark>{{$p.Text}}</mark>{{else}}{{$p.Text}}{{end}}{{end}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// compareJSON is the JSON of a comparison.
type compareJSON struct {
	Format        string           `json:"format"`
	Kind          string           `json:"kind"`
	Columns       []string         `json:"columns"`
	TimeTolerance compareTolerance `json:"time_tolerance"`
	Compared      int              `json:"compared"`
	Differences   int              `json:"differences"`
	Rows          []compareJSONRow `json:"rows"`
}

type compareTolerance struct {
	Ratio   float64 `json:"ratio"`
	Seconds float64 `json:"seconds"`
}

type compareJSONRow struct {
	Key     string    `json:"key"`
	Differs bool      `json:"differs"`
	Fields  []Field   `json:"fields"`
	Missing []string  `json:"missing"`
	Cells   []*Record `json:"cells"`
}

// JSON renders the comparison: format, kind, columns, the time tolerance,
// how many rows were compared and how many differ, and each row with
// whether it differs, the fields that differ, the columns it is missing
// from, and each column's record (null where missing).
func (c *Comparison) JSON() ([]byte, error) {
	out := compareJSON{Format: CompareFormat, Kind: c.Kind, Columns: c.Columns,
		TimeTolerance: compareTolerance{c.Tolerance.Ratio, c.Tolerance.Abs.Seconds()},
		Compared:      len(c.Rows), Differences: c.Differences(), Rows: []compareJSONRow{}}
	for _, r := range c.Rows {
		jr := compareJSONRow{Key: r.Key, Differs: r.Differ(), Fields: r.Differs, Missing: []string{}, Cells: r.Cells}
		if jr.Fields == nil {
			jr.Fields = []Field{}
		}
		for i, rec := range r.Cells {
			if rec == nil {
				jr.Missing = append(jr.Missing, c.Columns[i])
			}
		}
		out.Rows = append(out.Rows, jr)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteMarkdown writes the Markdown comparison to path.
func (c *Comparison) WriteMarkdown(path string) error {
	if err := writeFile(path, c.Markdown()); err != nil {
		return fmt.Errorf("markdown comparison: %w", err)
	}
	return nil
}

// WriteHTML writes the HTML comparison to path.
func (c *Comparison) WriteHTML(path string) error {
	data, err := c.HTML()
	if err == nil {
		err = writeFile(path, data)
	}
	if err != nil {
		return fmt.Errorf("html comparison: %w", err)
	}
	return nil
}

// WriteJSON writes the JSON comparison to path.
func (c *Comparison) WriteJSON(path string) error {
	data, err := c.JSON()
	if err == nil {
		err = writeFile(path, data)
	}
	if err != nil {
		return fmt.Errorf("json comparison: %w", err)
	}
	return nil
}
