package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// HTML renders results as one self-contained HTML page (inline CSS and
// SVG, nothing fetched): a table of the scenarios, and per scenario a
// timeline of its requests coloured by status, the fault's window shaded
// and the recovery marked.
func HTML(results []*Scenario) ([]byte, error) {
	counts := map[State]int{}
	for _, r := range results {
		counts[r.State]++
	}
	data := struct {
		Summary string
		// Rows are every scenario's; Sections those that ran, each with
		// its timeline.
		Rows, Sections []htmlRow
	}{
		Summary: fmt.Sprintf("%d scenarios: %d passed, %d failed, %d errors, %d skipped, %d interrupted",
			len(results), counts[Passed], counts[Failed], counts[Errored], counts[Skipped], counts[Interrupted]),
	}
	for i, s := range results {
		observed := s.ObservedLine()
		if s.State == Skipped {
			observed = firstLine(s.Failure)
		}
		row := htmlRow{ID: fmt.Sprintf("s%d", i+1), S: s, Observed: observed,
			Time: harness.Round(s.Duration).String(), Timeline: timeline(s)}
		data.Rows = append(data.Rows, row)
		if s.State != Skipped {
			data.Sections = append(data.Sections, row)
		}
	}
	var b bytes.Buffer
	if err := htmlPage.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteHTML writes the HTML report to path.
func WriteHTML(path string, results []*Scenario) error {
	data, err := HTML(results)
	if err == nil {
		err = writeFile(path, data)
	}
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

type htmlRow struct {
	ID       string
	S        *Scenario
	Observed string
	Time     string
	Timeline template.HTML
}

// Colours of the timeline, by status class; grey is no valid answer.
const (
	color2xx     = "#2e7d32"
	color3xx     = "#1565c0"
	color4xx     = "#ef6c00"
	color5xx     = "#c62828"
	colorNone    = "#616161"
	colorFault   = "#ffcdd2"
	colorRecover = "#00897b"
)

// StatusColor is the colour a timeline draws an answer with status in (0:
// no valid answer).
func StatusColor(status int) string {
	switch status / 100 {
	case 2:
		return color2xx
	case 3:
		return color3xx
	case 4:
		return color4xx
	case 5:
		return color5xx
	}
	return colorNone
}

// timeline draws a scenario's run as SVG: time from the scenario's start
// left to right, the fault window shaded, each request a bar coloured by
// its status, a load one bar coloured by its share of successes, and the
// moment the gateway recovered (or gave up) marked.
func timeline(s *Scenario) template.HTML {
	if s.Start.IsZero() || (s.Steady == nil && s.Observed == nil && s.Load == nil) {
		return ""
	}
	const width, left, right, height = 900.0, 10.0, 10.0, 92.0
	end := s.Duration
	at := func(t time.Time) time.Duration { return t.Sub(s.Start) }
	recoveredAt := time.Duration(0)
	if s.Recovery != nil && !s.FaultEnd.IsZero() {
		recoveredAt = at(s.FaultEnd) + s.Recovery.After
	}
	for _, d := range []time.Duration{recoveredAt, at(s.FaultEnd)} {
		end = max(end, d)
	}
	if s.Observed != nil {
		end = max(end, at(s.Observed.Start)+s.Observed.Total)
	}
	if s.Load != nil && !s.Load.Started.IsZero() {
		end = max(end, at(s.Load.Started)+s.Load.Wall)
	}
	if end <= 0 {
		end = time.Millisecond
	}
	x := func(d time.Duration) float64 {
		return left + (width-left-right)*float64(max(d, 0))/float64(end)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img">`, width, height, width, height)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#fafafa" stroke="#e0e0e0"/>`, width, height)
	if !s.FaultStart.IsZero() {
		faultEnd := at(s.FaultEnd)
		if s.FaultEnd.IsZero() {
			faultEnd = end
		}
		x0, x1 := x(at(s.FaultStart)), x(faultEnd)
		fmt.Fprintf(&b, `<rect class="fault" x="%.1f" y="4" width="%.1f" height="60" fill="%s"><title>fault %s in effect</title></rect>`,
			x0, max(x1-x0, 2), colorFault, template.HTMLEscapeString(s.Fault))
		fmt.Fprintf(&b, `<text x="%.1f" y="16" font-size="11" fill="#b71c1c">%s</text>`, x0+3, template.HTMLEscapeString(s.Fault))
	}
	bar := func(o *harness.Observation, label string) {
		x0 := x(at(o.Start))
		x1 := x(at(o.Start) + o.Total)
		fmt.Fprintf(&b, `<rect class="request" x="%.1f" y="26" width="%.1f" height="22" fill="%s"><title>%s: %s</title></rect>`,
			x0, max(x1-x0, 4), StatusColor(o.Status), label, template.HTMLEscapeString(o.String()))
	}
	if s.Steady != nil {
		bar(s.Steady, "steady state")
	}
	if s.Observed != nil {
		bar(s.Observed, "during the fault")
	}
	if l := s.Load; l != nil && len(l.Series) > 0 {
		loadBars(&b, l, at(l.Started), x)
	}
	if r := s.Recovery; r != nil && recoveredAt > 0 {
		color, label := colorRecover, "recovered after "+harness.Round(r.After).String()
		if !r.Recovered {
			color, label = color5xx, "not recovered after "+harness.Round(r.After).String()
		}
		xr := x(recoveredAt)
		fmt.Fprintf(&b, `<line class="recovery" x1="%.1f" y1="4" x2="%.1f" y2="64" stroke="%s" stroke-width="3"/>`, xr, xr, color)
		anchor := "end"
		if xr < width/2 {
			anchor = "start"
		}
		y := 60 // under the requests' bars, or above a load's columns
		if s.Load != nil {
			y = 14
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="%s" fill="%s">%s</text>`, xr+map[string]float64{"start": 4, "end": -4}[anchor], y, anchor, color, label)
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="72" x2="%.0f" y2="72" stroke="#9e9e9e"/>`, left, width-right)
	for i := range 5 {
		d := end * time.Duration(i) / 4
		anchor := map[bool]string{true: "start", false: "middle"}[i == 0]
		if i == 4 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="86" font-size="10" fill="#616161" text-anchor="%s">%s</text>`, x(d), anchor, harness.Round(d))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// loadBars draws a load's series as stacked columns, one per slice of
// time, each as tall as its count of requests against the fullest slice
// and split by the class of their answers.
func loadBars(b *bytes.Buffer, l *harness.LoadResult, start time.Duration, x func(time.Duration) float64) {
	const top, bottom = 20.0, 64.0
	most := 0
	for _, sl := range l.Series {
		most = max(most, sl.Total())
	}
	var width time.Duration
	if len(l.Series) > 1 {
		width = l.Series[1].At - l.Series[0].At
	} else {
		width = max(l.Wall, time.Millisecond)
	}
	for _, sl := range l.Series {
		x0 := x(start + sl.At)
		w := max(x(start+sl.At+width)-x0-0.5, 1)
		y := bottom
		for _, part := range []struct {
			n     int
			class string
			color string
		}{{sl.S2xx, "2xx", color2xx}, {sl.S3xx, "3xx", color3xx}, {sl.S4xx, "4xx", color4xx}, {sl.S5xx, "5xx", color5xx}, {sl.None, "no valid answer", colorNone}} {
			if part.n == 0 {
				continue
			}
			h := (bottom - top) * float64(part.n) / float64(most)
			y -= h
			fmt.Fprintf(b, `<rect class="request" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s after %s: %d %s</title></rect>`,
				x0, y, w, h, part.color, "load", harness.Round(sl.At), part.n, part.class)
		}
	}
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gatecrash report</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#212121}
table{border-collapse:collapse;margin-bottom:24px}
th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f5f5f5}
.passed{color:#2e7d32}.failed,.error,.interrupted{color:#c62828;font-weight:bold}.skipped{color:#9e9e9e}
section{margin:16px 0;padding-top:8px;border-top:1px solid #eeeeee}
pre{background:#f5f5f5;padding:8px;white-space:pre-wrap;font-size:12px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
</style></head><body>
<h1>gatecrash report</h1>
<p>{{.Summary}}</p>
<table>
<tr><th>verdict</th><th>suite</th><th>scenario</th><th>fault</th><th>expected</th><th>observed</th><th>time</th></tr>
{{range .Rows}}<tr><td class="{{.S.State}}">{{.S.State}}</td><td>{{.S.Suite}}</td><td>{{if eq .S.State "skipped"}}{{.S.Name}}{{else}}<a href="#{{.ID}}">{{.S.Name}}</a>{{end}}</td><td>{{.S.Fault}}</td><td>{{.S.Expected}}</td><td>{{.Observed}}</td><td>{{.Time}}</td></tr>
{{end}}</table>
<p class="legend">Timelines:<span style="background:#ffcdd2"></span>fault in effect<span style="background:#2e7d32"></span>2xx<span style="background:#1565c0"></span>3xx<span style="background:#ef6c00"></span>4xx<span style="background:#c62828"></span>5xx<span style="background:#616161"></span>no valid answer<span style="background:#00897b"></span>recovered</p>
{{range .Sections}}<section id="{{.ID}}">
<h3><span class="{{.S.State}}">{{.S.State}}</span> {{.S.Suite}} / {{.S.Name}}</h3>
<p>{{.S.File}}:{{.S.Line}} · fault <code>{{.S.Fault}}</code> · expected {{.S.Expected}} · observed {{.Observed}}</p>
{{.Timeline}}
{{if .S.Failure}}<pre>{{.S.Failure}}</pre>{{end}}
</section>
{{end}}</body></html>
`))
