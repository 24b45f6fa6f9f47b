package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// HTML renders results as one self-contained HTML page (inline CSS and
// SVG, nothing fetched, no script). At the top, the run's verdict and
// totals; then what needs a reader first: each failed, errored or
// interrupted scenario with its checks (expected against observed), its
// message, the gateway's log lines and its timeline; then the findings;
// then the passes and the skipped scenarios, folded; last a table of every
// scenario in run order. Everything from the record (names, messages,
// logs) is escaped.
func HTML(results []*Scenario) ([]byte, error) {
	t := count(results)
	data := htmlData{Verdict: t.verdict(), Totals: t.String()}
	for i, s := range results {
		observed := s.ObservedLine()
		if s.State == Skipped {
			observed = firstLine(s.Failure)
		}
		row := htmlRow{ID: fmt.Sprintf("s%d", i+1), S: s, Kind: s.kind(), Observed: observed,
			Time: harness.Round(s.Duration).String(), Timeline: timeline(s)}
		if s.State == Skipped {
			row.ID = "" // no card to link to
		}
		data.Rows = append(data.Rows, row)
		switch {
		case s.State == Failed || s.State == Errored || s.State == Interrupted:
			data.Failures = append(data.Failures, row)
		case s.IsFinding():
			data.Findings = append(data.Findings, row)
		case s.State == Passed:
			data.Passes = append(data.Passes, row)
		default:
			data.Skipped = append(data.Skipped, row)
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

type htmlData struct {
	// Verdict is the run's: passed, failed or interrupted; Totals the
	// count of each state.
	Verdict, Totals string
	// The scenarios by what a reader needs first: failures (failed,
	// errored, interrupted), findings, passes, skipped; Rows all of them
	// in run order.
	Failures, Findings, Passes, Skipped, Rows []htmlRow
}

type htmlRow struct {
	// ID is the anchor of the scenario's card ("" for a skipped one,
	// which has none).
	ID string
	S  *Scenario
	// Kind is the scenario's state, or "finding".
	Kind     string
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

// The timeline's geometry, in SVG units: the plot between plotLeft and
// width-plotRight (the room on the right for a load's latency axis),
// plotTop and its frame's bottom; under it the time axis, its label and
// the legend.
const (
	svgWidth              = 900.0
	plotLeft, plotRight   = 64.0, 60.0
	plotTop               = 4.0
	barTop, barHeight     = 40.0, 22.0
	columnTop             = 28.0
	legendSwatch, charPix = 10.0, 6.2
	legendRow             = 16.0
	// A load's columns and latency get a taller plot than single
	// requests' bars.
	plotBottom, loadPlotBottom = 84.0, 174.0
)

// frame is a timeline's vertical layout: the plot ends at bottom; the time
// axis, its label and the legend follow under it.
type frame struct{ bottom float64 }

func (f frame) axisY() float64      { return f.bottom + 4 }
func (f frame) axisLabelY() float64 { return f.bottom + 36 }
func (f frame) legendY() float64    { return f.bottom + 56 }
func (f frame) height() float64     { return f.bottom + 66 }

// timeline draws a scenario's run as SVG: time from the scenario's start
// left to right (labelled), the fault window shaded, each request a bar
// coloured by its status, a load a column per slice of time split by the
// class of its answers (against a labelled count), the moment the gateway
// recovered (or was given up on) marked, and a legend of what is drawn. A
// load's columns have its latency over them: p50 and p99 per slice, on a
// second axis (ms) on the right.
func timeline(s *Scenario) template.HTML {
	if s.Start.IsZero() || (s.Steady == nil && s.Observed == nil && s.Load == nil) {
		return ""
	}
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
		return plotLeft + (svgWidth-plotLeft-plotRight)*float64(max(d, 0))/float64(end)
	}
	var legend legendSet
	var b bytes.Buffer
	loaded := s.Load != nil && len(s.Load.Series) > 0
	f := frame{plotBottom}
	if loaded {
		f.bottom = loadPlotBottom
	}
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="#fafafa" stroke="#e0e0e0"/>`,
		plotLeft, plotTop, svgWidth-plotLeft-plotRight, f.bottom-plotTop)
	if !s.FaultStart.IsZero() {
		faultEnd := at(s.FaultEnd)
		if s.FaultEnd.IsZero() {
			faultEnd = end
		}
		x0, x1 := x(at(s.FaultStart)), x(faultEnd)
		fmt.Fprintf(&b, `<rect class="fault" x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="%s"><title>fault %s in effect</title></rect>`,
			x0, plotTop, max(x1-x0, 2), f.bottom-plotTop, colorFault, template.HTMLEscapeString(s.Fault))
		fmt.Fprintf(&b, `<text x="%.1f" y="16" font-size="11" fill="#b71c1c">%s</text>`, x0+3, template.HTMLEscapeString(s.Fault))
		legend.add(colorFault, "fault in effect", swatchBox)
	}
	bar := func(o *harness.Observation, label string) {
		x0 := x(at(o.Start))
		x1 := x(at(o.Start) + o.Total)
		fmt.Fprintf(&b, `<rect class="request" x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="%s"><title>%s: %s</title></rect>`,
			x0, barTop, max(x1-x0, 4), barHeight, StatusColor(o.Status), label, template.HTMLEscapeString(o.String()))
		legend.add(StatusColor(o.Status), classLabel(o.Status), swatchBox)
	}
	if loaded {
		loadBars(&b, s.Load, at(s.Load.Started), x, f, &legend)
	} else {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="#616161" text-anchor="end">requests</text>`, plotLeft-6, barTop+barHeight/2+4)
	}
	if s.Steady != nil {
		bar(s.Steady, "steady state")
	}
	if s.Observed != nil {
		bar(s.Observed, "during the fault")
	}
	if r := s.Recovery; r != nil && recoveredAt > 0 {
		color, what := colorRecover, "recovered"
		if !r.Recovered {
			color, what = color5xx, "not recovered"
		}
		label := what + " after " + harness.Round(r.After).String()
		legend.add(color, what, swatchMark)
		xr := x(recoveredAt)
		fmt.Fprintf(&b, `<line class="recovery" x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-width="3"/>`, xr, plotTop, xr, f.bottom, color)
		anchor, dx := "end", -4.0
		if xr < svgWidth/2 {
			anchor, dx = "start", 4
		}
		y := 78 // under the requests' bars, or above a load's columns
		if s.Load != nil {
			y = 16
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="%s" fill="%s">%s</text>`, xr+dx, y, anchor, color, label)
	}
	if loaded {
		// Over the columns, so that the lines read over every colour.
		latencyLines(&b, s.Load, at(s.Load.Started), x, f, &legend)
	}
	// The time axis: ticks at fifths, and what it measures.
	axisY := f.axisY()
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#9e9e9e"/>`, plotLeft, axisY, svgWidth-plotRight, axisY)
	for i := range 5 {
		d := end * time.Duration(i) / 4
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#9e9e9e"/>`, x(d), axisY, x(d), axisY+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" fill="#616161" text-anchor="%s">%s</text>`, x(d), axisY+15, anchor, harness.Round(d))
	}
	fmt.Fprintf(&b, `<text class="axis-label" x="%.0f" y="%.0f" font-size="11" fill="#424242" text-anchor="middle">time since the scenario started</text>`,
		(plotLeft+svgWidth-plotRight)/2, f.axisLabelY())
	// The legend last, since it is what was drawn; then the picture is as
	// tall as the legend's rows make it.
	var key bytes.Buffer
	height := f.height() + legend.draw(&key, f)
	var out bytes.Buffer
	fmt.Fprintf(&out, `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="timeline of %s">`,
		svgWidth, height, svgWidth, height, template.HTMLEscapeString(s.Name))
	out.Write(b.Bytes())
	out.Write(key.Bytes())
	out.WriteString(`</svg>`)
	return template.HTML(out.String())
}

// classLabel is the legend's name of the class of status.
func classLabel(status int) string {
	if status/100 < 2 || status/100 > 5 { // as StatusColor: grey
		return "no valid answer"
	}
	return fmt.Sprintf("%dxx", status/100)
}

// legendSet is what a timeline draws, in the order first drawn, each
// once: a swatch of its colour and its name.
type legendSet struct {
	entries []legendEntry
}

type legendEntry struct {
	color, label string
	swatch       swatch
}

// swatch is how the legend shows an entry: as it is drawn.
type swatch int

const (
	swatchBox    swatch = iota // a filled square: an area (a bar, a column, the fault)
	swatchMark                 // a vertical stroke: a moment (the recovery)
	swatchLine                 // a horizontal stroke: a series (p50)
	swatchDash                 // a dashed horizontal stroke: a series (p99)
	swatchHollow               // a hollow circle: a point that is a lower bound
)

func (l *legendSet) add(color, label string, s swatch) {
	for _, e := range l.entries {
		if e.label == label {
			return
		}
	}
	l.entries = append(l.entries, legendEntry{color, label, s})
}

// draw writes the legend along the bottom, from the plot's left edge, in
// rows as wide as the picture, and returns how much taller than one row
// it is.
func (l *legendSet) draw(b *bytes.Buffer, f frame) float64 {
	fmt.Fprintf(b, `<g class="legend" font-size="11" fill="#424242">`)
	xPos, y := plotLeft, f.legendY()
	for _, e := range l.entries {
		width := legendSwatch
		if e.swatch == swatchLine || e.swatch == swatchDash {
			width = 2 * legendSwatch
		}
		if xPos > plotLeft && xPos+width+4+charPix*float64(len(e.label)) > svgWidth-4 {
			xPos, y = plotLeft, y+legendRow
		}
		switch e.swatch {
		case swatchMark:
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-width="3"/>`,
				xPos+legendSwatch/2, y-legendSwatch, xPos+legendSwatch/2, y, e.color)
		case swatchHollow:
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#fff" stroke="%s" stroke-width="1.5"/>`, xPos+legendSwatch/2, y-legendSwatch/2, e.color)
		case swatchLine, swatchDash:
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-width="2"%s/>`,
				xPos, y-legendSwatch/2, xPos+width, y-legendSwatch/2, e.color, dashAttr(e.swatch == swatchDash))
		default:
			fmt.Fprintf(b, `<rect x="%.1f" y="%.0f" width="%.0f" height="%.0f" fill="%s"/>`, xPos, y-legendSwatch, legendSwatch, legendSwatch, e.color)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f">%s</text>`, xPos+width+4, y-1, template.HTMLEscapeString(e.label))
		xPos += width + 4 + charPix*float64(len(e.label)) + 18
	}
	b.WriteString(`</g>`)
	return y - f.legendY()
}

// dashAttr is the SVG attribute that dashes a stroke, when dashed.
func dashAttr(dashed bool) string {
	if dashed {
		return ` stroke-dasharray="6 3"`
	}
	return ""
}

// loadBars draws a load's series as stacked columns, one per slice of
// time, each as tall as its count of requests against the fullest slice
// (the count axis on the left) and split by the class of their answers.
func loadBars(b *bytes.Buffer, l *harness.LoadResult, start time.Duration, x func(time.Duration) float64, f frame, legend *legendSet) {
	most := 0
	for _, sl := range l.Series {
		most = max(most, sl.Total())
	}
	most = max(most, 1)
	// The count axis: 0 at the bottom, the fullest slice at the top.
	fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#9e9e9e"/>`, plotLeft, columnTop, plotLeft, f.bottom)
	for _, tick := range []struct {
		n int
		y float64
	}{{0, f.bottom}, {most, columnTop}} {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#9e9e9e"/>`, plotLeft-4, tick.y, plotLeft, tick.y)
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="10" fill="#616161" text-anchor="end">%d</text>`, plotLeft-6, tick.y+3, tick.n)
	}
	fmt.Fprintf(b, `<text class="axis-label" x="14" y="%.0f" font-size="11" fill="#424242" text-anchor="middle" transform="rotate(-90 14 %.0f)">requests per slice</text>`,
		(columnTop+f.bottom)/2, (columnTop+f.bottom)/2)
	width := seriesWidth(l)
	for _, sl := range l.Series {
		x0 := x(start + sl.At)
		w := max(x(start+sl.At+width)-x0-0.5, 1)
		y := f.bottom
		for _, part := range []struct {
			n     int
			class string
			color string
		}{{sl.S2xx, "2xx", color2xx}, {sl.S3xx, "3xx", color3xx}, {sl.S4xx, "4xx", color4xx}, {sl.S5xx, "5xx", color5xx}, {sl.None, "no valid answer", colorNone}} {
			if part.n == 0 {
				continue
			}
			h := (f.bottom - columnTop) * float64(part.n) / float64(most)
			y -= h
			fmt.Fprintf(b, `<rect class="request" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s after %s: %d %s</title></rect>`,
				x0, y, w, h, part.color, "load", harness.Round(sl.At), part.n, part.class)
			legend.add(part.color, part.class, swatchBox)
		}
	}
}

// seriesWidth is the width of each slice of a load's series.
func seriesWidth(l *harness.LoadResult) time.Duration {
	if len(l.Series) > 1 {
		return l.Series[1].At - l.Series[0].At
	}
	return max(l.Wall, time.Millisecond)
}

// Colours of a load's latency lines: dark enough to read over every
// column, and apart from the status colours.
const (
	colorP50 = "#212121"
	colorP99 = "#6a1b9a"
)

// latencyLines draws a load's latency per slice over its columns: p50 a
// solid line, p99 a dashed one, each point at its slice's middle, against
// a latency axis (ms) on the right from 0 to a round figure at or above
// the highest p99. A slice that sent nothing breaks the lines. Each point
// tells its figures on hover; a hollow one is a request abandoned at its
// timeout, a lower bound.
func latencyLines(b *bytes.Buffer, l *harness.LoadResult, start time.Duration, x func(time.Duration) float64, f frame, legend *legendSet) {
	highest := time.Duration(0)
	for _, sl := range l.Series {
		highest = max(highest, sl.Latency.P99)
	}
	if highest <= 0 {
		return // no latency recorded (a report from before it was)
	}
	top := roundUp(highest)
	y := func(d time.Duration) float64 {
		return f.bottom - (f.bottom-columnTop)*float64(d)/float64(top)
	}
	// The latency axis: 0, half and top, in milliseconds.
	right := svgWidth - plotRight
	fmt.Fprintf(b, `<g class="latency-axis"><line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#9e9e9e"/>`, right, columnTop, right, f.bottom)
	for _, d := range []time.Duration{0, top / 2, top} {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#9e9e9e"/>`, right, y(d), right+4, y(d))
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" font-size="10" fill="#616161">%s</text>`, right+6, y(d)+3, milliseconds(d))
	}
	mid := (columnTop + f.bottom) / 2
	fmt.Fprintf(b, `<text class="axis-label" x="%.0f" y="%.0f" font-size="11" fill="#424242" text-anchor="middle" transform="rotate(90 %.0f %.0f)">latency (ms)</text></g>`,
		svgWidth-14, mid, svgWidth-14, mid)
	width := seriesWidth(l)
	cut := false // whether a point is at the timeout
	for _, line := range []struct {
		p      int
		color  string
		swatch swatch
		at     func(harness.SliceLatency) time.Duration
	}{
		{50, colorP50, swatchLine, func(s harness.SliceLatency) time.Duration { return s.P50 }},
		{99, colorP99, swatchDash, func(s harness.SliceLatency) time.Duration { return s.P99 }},
	} {
		name := fmt.Sprintf("p%d", line.p)
		var path, points strings.Builder
		move := true
		for _, sl := range l.Series {
			if sl.Latency.Count == 0 {
				move = true
				continue
			}
			px, py := x(start+sl.At+width/2), y(line.at(sl.Latency))
			cmd := "L"
			if move {
				cmd, move = "M", false
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, px, py)
			title := template.HTMLEscapeString(sliceLatencyTitle(line.p, sl))
			if sl.Latency.AtTimeout(line.p) {
				cut = true
				fmt.Fprintf(&points, `<circle class="at-timeout" cx="%.1f" cy="%.1f" r="3" fill="#fff" stroke="%s" stroke-width="1.5"><title>%s</title></circle>`,
					px, py, line.color, title)
			} else {
				fmt.Fprintf(&points, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s</title></circle>`, px, py, line.color, title)
			}
		}
		if path.Len() == 0 {
			continue
		}
		d := strings.TrimSpace(path.String())
		// A white halo under each line keeps it legible over the columns.
		fmt.Fprintf(b, `<g class="latency %s"><path d="%s" fill="none" stroke="#fff" stroke-opacity="0.8" stroke-width="4" stroke-linejoin="round"/>`, name, d)
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>%s</g>`,
			d, line.color, dashAttr(line.swatch == swatchDash), points.String())
		legend.add(line.color, name+" latency", line.swatch)
	}
	if cut {
		legend.add(colorP50, "at the timeout: at least", swatchHollow)
	}
}

// sliceLatencyTitle is what a point of a latency line (p50 or p99) tells
// on hover: "p99 of the 10 requests sent after 200ms: at least 2s (1
// timed out, counted at its timeout)".
func sliceLatencyTitle(p int, sl harness.LoadSlice) string {
	v := sl.Latency.P50
	if p == 99 {
		v = sl.Latency.P99
	}
	bound := ""
	if sl.Latency.AtTimeout(p) {
		bound = "at least "
	}
	t := fmt.Sprintf("p%d of the %s sent after %s: %s%s", p, harness.Plural(sl.Latency.Count, "request"), harness.Round(sl.At), bound, harness.Round(v))
	if n := sl.Latency.TimedOut; n > 0 {
		whose := "their"
		if n == 1 {
			whose = "its"
		}
		t += fmt.Sprintf(" (%d timed out, counted at %s timeout)", n, whose)
	}
	return t
}

// roundUp is the smallest of 1, 2 and 5 times a power of ten
// microseconds that is at least d: the top of a latency axis.
func roundUp(d time.Duration) time.Duration {
	for step := time.Microsecond; ; step *= 10 {
		for _, f := range []time.Duration{1, 2, 5} {
			if d <= f*step {
				return f * step
			}
		}
	}
}

// milliseconds writes d in milliseconds, as few digits as it takes: "0",
// "0.05", "2.5", "500".
func milliseconds(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64)
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>gatecrash report: {{.Verdict}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#212121;max-width:980px}
h2{margin:28px 0 8px;font-size:20px}
h3{margin:0 0 6px;font-size:16px}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f5f5f5}
pre{background:#f5f5f5;padding:8px;white-space:pre-wrap;word-break:break-word;font-size:12px;margin:6px 0}
pre.log{max-height:320px;overflow:auto;background:#263238;color:#eceff1}
code{background:#f5f5f5;padding:0 3px}
.verdict{padding:12px 16px;border-left:8px solid;border-radius:4px;margin-bottom:16px}
.verdict h1{margin:0 0 4px;font-size:24px}
.verdict p{margin:0}
.verdict.passed{background:#e8f5e9;border-color:#2e7d32}.verdict.passed h1{color:#1b5e20}
.verdict.failed{background:#ffebee;border-color:#c62828}.verdict.failed h1{color:#b71c1c}
.verdict.interrupted{background:#ede7f6;border-color:#5e35b1}.verdict.interrupted h1{color:#4527a0}
.card{border:1px solid #e0e0e0;border-left:6px solid #9e9e9e;border-radius:4px;padding:10px 12px;margin:10px 0}
.card.passed{border-left-color:#2e7d32}
.card.finding{border-left-color:#ff8f00;background:#fff8e1}
.card.failed{border-left-color:#c62828}
.card.error{border-left-color:#ad1457}
.card.interrupted{border-left-color:#5e35b1}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:bold;vertical-align:middle}
.badge.passed{background:#2e7d32}.badge.finding{background:#ff8f00}.badge.failed{background:#c62828}
.badge.error{background:#ad1457}.badge.interrupted{background:#5e35b1}.badge.skipped{background:#9e9e9e}
.meta{color:#616161;font-size:13px;margin:0 0 6px}
.pinned{font-weight:bold;color:#e65100;margin:4px 0}
tr.bad td{background:#ffebee}
td.mark{font-weight:bold}
tr.bad td.mark{color:#c62828}tr.ok td.mark{color:#2e7d32}
details.group{margin:12px 0}
details.group>summary{cursor:pointer;font-size:20px;font-weight:bold;margin:16px 0 8px}
svg.timeline{max-width:100%;height:auto;display:block;margin-top:6px}
</style></head><body>
<header class="verdict {{.Verdict}}"><h1>gatecrash: {{.Verdict}}</h1><p class="totals">{{.Totals}}</p></header>
{{with .Failures}}<h2>Failures ({{len .}})</h2>
{{range .}}{{template "card" .}}{{end}}{{end}}
{{with .Findings}}<h2>Findings ({{len .}})</h2>
<p class="meta">Behaviour the suite pins on purpose: it passed, and is worth knowing.</p>
{{range .}}{{template "card" .}}{{end}}{{end}}
{{with .Passes}}<details class="group passes"><summary>Passed ({{len .}})</summary>
{{range .}}{{template "card" .}}{{end}}</details>{{end}}
{{with .Skipped}}<details class="group skipped"><summary>Skipped ({{len .}})</summary>
<table><tr><th>suite</th><th>scenario</th><th>fault</th><th>why</th></tr>
{{range .}}<tr><td>{{.S.Suite}}</td><td>{{.S.Name}}</td><td>{{.S.Fault}}</td><td>{{.Observed}}</td></tr>
{{end}}</table></details>{{end}}
<h2>All scenarios, in run order</h2>
<table>
<tr><th>verdict</th><th>suite</th><th>scenario</th><th>fault</th><th>expected</th><th>observed</th><th>time</th></tr>
{{range .Rows}}<tr><td><span class="badge {{.Kind}}">{{.Kind}}</span></td><td>{{.S.Suite}}</td><td>{{if .ID}}<a href="#{{.ID}}">{{.S.Name}}</a>{{else}}{{.S.Name}}{{end}}</td><td>{{.S.Fault}}</td><td>{{.S.Expected}}</td><td>{{.Observed}}</td><td>{{.Time}}</td></tr>
{{end}}</table>
</body></html>
{{define "card"}}<section class="card {{.Kind}}" id="{{.ID}}">
<h3><span class="badge {{.Kind}}">{{.Kind}}</span> {{.S.Suite}} / {{.S.Name}}</h3>
<p class="meta">{{.S.File}}:{{.S.Line}} · fault <code>{{.S.Fault}}</code>{{with .S.Gateway}} · gateway {{.}}{{end}} · {{.Time}}{{if .Timeline}} · <a href="#{{.ID}}-timeline">timeline</a>{{end}}</p>
{{with .S.Finding}}<p class="pinned">{{if eq $.Kind "finding"}}Finding{{else}}Pinned as a finding{{end}}: {{.}}</p>{{end}}
<table class="expect"><tr><th></th><th>check</th><th>expected</th><th>observed</th></tr>
{{range .S.Checks}}<tr class="{{if .Passed}}ok{{else}}bad{{end}}"><td class="mark">{{if .Passed}}✓{{else}}✗{{end}}</td><td>{{.Name}}</td><td>{{.Expected}}</td><td>{{.Observed}}</td></tr>
{{else}}<tr class="{{if eq $.S.State "passed"}}ok{{else}}bad{{end}}"><td class="mark">{{if eq $.S.State "passed"}}✓{{else}}✗{{end}}</td><td>scenario</td><td>{{or .S.Expected "nothing"}}</td><td>{{.Observed}}</td></tr>
{{end}}</table>
{{if and .S.Failure (ne .S.State "passed")}}<pre class="message">{{.S.Failure}}</pre>{{end}}
{{if and .S.GatewayLog (ne .S.State "passed")}}<p class="meta">gateway log{{with .S.Gateway}} ({{.}}){{end}}, while the scenario ran:</p>
<pre class="log">{{.S.GatewayLog}}</pre>{{end}}
{{with .Timeline}}<div class="timeline" id="{{$.ID}}-timeline">{{.}}</div>{{end}}
</section>
{{end}}`))
