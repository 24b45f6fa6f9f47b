package reports_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// timelineResults are two scenarios with everything a timeline draws.
func timelineResults() []*reports.Scenario {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return []*reports.Scenario{
		{Suite: "s", File: "s.yaml", Line: 3, Name: "hung origin answers 504", Fault: "hang", Expected: "status 504",
			Steady:     &harness.Observation{Start: start.Add(ms(10)), Status: 200, Total: ms(40)},
			FaultStart: start.Add(ms(60)), Observed: &harness.Observation{Start: start.Add(ms(70)), Status: 504, Total: ms(2000)},
			FaultEnd: start.Add(ms(2080)), Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: true, After: ms(300), Polls: 3},
			State: reports.Passed, Start: start, Duration: ms(2400)},
		{Suite: "s", File: "s.yaml", Line: 9, Name: "garbage <b>never</b> reaches the client", Fault: "garbage", Expected: "status 502",
			Steady:     &harness.Observation{Start: start.Add(ms(5)), Status: 200, Total: ms(20)},
			FaultStart: start.Add(ms(30)), Observed: &harness.Observation{Start: start.Add(ms(35)), Total: ms(500), ErrorKind: harness.ErrInvalidHTTP, Error: "bad"},
			FaultEnd: start.Add(ms(540)), Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: false, After: ms(2000), Last: "status 502"},
			Checks:     []reports.Check{{Name: "status", Expected: "status 502", Observed: "no status (invalid_http: bad)"}, {Name: "valid_http", Expected: "valid HTTP", Observed: "valid HTTP", Passed: true}},
			GatewayLog: "2026/11/25 12:00:00 [error] upstream sent no valid HTTP/1.0 header\n2026/11/25 12:00:00 [warn] <script>alert(1)</script>\n",
			State:      reports.Failed, Failure: "expected status 502, observed no status", Start: start, Duration: ms(2600)},
		{Suite: "s", File: "s.yaml", Line: 15, Name: "flapping under load", Fault: "flapping", Expected: "a success ratio of at least 20%",
			FaultStart: start.Add(ms(20)), FaultEnd: start.Add(ms(1040)),
			Load: &harness.LoadResult{Rate: 100, Duration: time.Second, Planned: 100, Requests: 100, Answered: 99, SuccessRatio: 0.39,
				Statuses: map[string]int{"200": 39, "502": 60, "none": 1}, Latency: harness.Latency{P50: ms(2), P99: ms(30), Max: ms(41)}, Started: start.Add(ms(25)), Wall: ms(1010),
				Series: []harness.LoadSlice{
					{At: 0, S5xx: 10, Latency: harness.SliceLatency{Count: 10, P50: ms(1), P99: ms(2)}},
					{At: ms(200), S2xx: 10, Latency: harness.SliceLatency{Count: 10, P50: ms(3), P99: ms(12)}},
					{At: ms(400), S5xx: 10, Latency: harness.SliceLatency{Count: 10, P50: ms(1), P99: ms(2)}},
					{At: ms(600), S2xx: 9, None: 1, Latency: harness.SliceLatency{Count: 10, P50: ms(4), P99: ms(30), TimedOut: 1}},
					{At: ms(800), S5xx: 10, Latency: harness.SliceLatency{Count: 10, P50: ms(1), P99: ms(3)}}}},
			Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: true, After: ms(5), Polls: 1},
			Finding:  "the builtin gateway answers 502 while the origin is down, and does not retry",
			State:    reports.Passed, Start: start, Duration: ms(1100)},
		{Suite: "s", File: "s.yaml", Line: 21, Name: "left out", Fault: "hang", State: reports.Skipped, Failure: "not selected by --label-filter or --focus"},
	}
}

var _ = Describe("the HTML report", func() {
	It("is one self-contained page: a table of scenarios and a timeline each, markup escaped", func() {
		data, err := reports.HTML(timelineResults())
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		Expect(page).To(HavePrefix("<!DOCTYPE html>"))
		// A timeline for each scenario that ran; the skipped one is a row.
		Expect(strings.Count(page, "<svg class=\"timeline\"")).To(Equal(3))
		Expect(strings.Count(page, "<section")).To(Equal(3))
		Expect(page).To(ContainSubstring("<td>left out</td>"))
		Expect(strings.Count(page, `class="fault"`)).To(Equal(3))
		// The load is a column per slice of time, split by class.
		Expect(page).To(ContainSubstring("<title>load after 200ms: 10 2xx</title>"))
		Expect(page).To(ContainSubstring("<title>load after 600ms: 1 no valid answer</title>"))
		Expect(strings.Count(page, "<title>load after")).To(Equal(6))
		Expect(page).To(ContainSubstring(`class="recovery"`))
		Expect(page).To(ContainSubstring("recovered after 300ms"))
		Expect(page).To(ContainSubstring("not recovered after 2s"))
		Expect(page).To(ContainSubstring("garbage &lt;b&gt;never&lt;/b&gt; reaches the client"))
		Expect(page).NotTo(ContainSubstring("<b>never"))
		// Nothing is fetched: no scripts, stylesheets or images from elsewhere.
		Expect(page).NotTo(MatchRegexp(`(?i)<(script|link|img)\b`))
		Expect(regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(page)).To(BeEmpty())
	})

	It("opens with the verdict and the totals, then failures with their checks and log, then findings, then the passes folded", func() {
		data, err := reports.HTML(timelineResults())
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		Expect(page).To(ContainSubstring(`<header class="verdict failed"><h1>gatecrash: failed</h1>`))
		Expect(page).To(ContainSubstring("4 scenarios: 2 passed (1 finding), 1 failed, 0 errors, 1 skipped, 0 interrupted"))
		failures := strings.Index(page, "<h2>Failures (1)</h2>")
		findings := strings.Index(page, "<h2>Findings (1)</h2>")
		passes := strings.Index(page, `<details class="group passes"><summary>Passed (1)</summary>`)
		skipped := strings.Index(page, `<details class="group skipped"><summary>Skipped (1)</summary>`)
		all := strings.Index(page, "<h2>All scenarios, in run order</h2>")
		Expect([]int{failures, findings, passes, skipped, all}).To(HaveEach(BeNumerically(">", 0)), "every section")
		Expect(failures < findings && findings < passes && passes < skipped && skipped < all).To(BeTrue(), "in that order")

		// The failure's card: expected against observed for each check, the
		// message, the gateway's log (escaped) and a link to its timeline.
		failure := page[failures:findings]
		Expect(failure).To(ContainSubstring(`<section class="card failed" id="s2">`))
		Expect(failure).To(ContainSubstring(`<tr class="bad"><td class="mark">✗</td><td>status</td><td>status 502</td><td>no status (invalid_http: bad)</td></tr>`))
		Expect(failure).To(ContainSubstring(`<tr class="ok"><td class="mark">✓</td><td>valid_http</td>`))
		Expect(failure).To(ContainSubstring(`<pre class="message">expected status 502, observed no status</pre>`))
		Expect(failure).To(ContainSubstring(`<pre class="log">2026/11/25 12:00:00 [error] upstream sent no valid HTTP/1.0 header`))
		Expect(failure).To(ContainSubstring(`[warn] &lt;script&gt;alert(1)&lt;/script&gt;`))
		Expect(failure).To(ContainSubstring(`<a href="#s2-timeline">timeline</a>`))
		Expect(failure).To(ContainSubstring(`<div class="timeline" id="s2-timeline"><svg`))
		Expect(page).NotTo(ContainSubstring("<script>"))

		// The finding: amber, with what it pins.
		finding := page[findings:passes]
		Expect(finding).To(ContainSubstring(`<section class="card finding" id="s3">`))
		Expect(finding).To(ContainSubstring(`<span class="badge finding">finding</span>`))
		Expect(finding).To(ContainSubstring(`<p class="pinned">Finding: the builtin gateway answers 502 while the origin is down, and does not retry</p>`))
		Expect(page).To(MatchRegexp(`\.card\.finding\{[^}]*#fff8e1`))
		Expect(page[passes:skipped]).To(ContainSubstring(`<section class="card passed" id="s1">`))
		Expect(page[all:]).To(ContainSubstring(`<td><span class="badge finding">finding</span></td><td>s</td><td><a href="#s3">flapping under load</a>`))
	})

	It("labels the timeline's axes and has a legend of what it draws", func() {
		data, err := reports.HTML(timelineResults())
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		Expect(strings.Count(page, ">time since the scenario started</text>")).To(Equal(3))
		Expect(strings.Count(page, ">requests per slice</text>")).To(Equal(1), "the load's count axis")
		legends := regexp.MustCompile(`<g class="legend"[^>]*>(.*?)</g>`).FindAllStringSubmatch(page, -1)
		Expect(legends).To(HaveLen(3))
		labels := func(legend string) []string {
			var out []string
			for _, m := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(legend, -1) {
				out = append(out, m[1])
			}
			return out
		}
		// What each timeline draws, and only that, in the page's order:
		// the failure, the finding (a load), the pass.
		Expect(labels(legends[0][1])).To(Equal([]string{"fault in effect", "2xx", "no valid answer", "not recovered"}))
		Expect(labels(legends[1][1])).To(Equal([]string{"fault in effect", "5xx", "2xx", "no valid answer", "recovered", "p50 latency", "p99 latency", "at the timeout: at least"}))
		Expect(labels(legends[2][1])).To(Equal([]string{"fault in effect", "2xx", "5xx", "recovered"}))
	})

	It("draws a load's latency per slice over its columns: p50 and p99 lines on a labelled axis in ms", func() {
		data, err := reports.HTML(timelineResults())
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		// One latency axis, the load's, from 0 to a round figure above the
		// highest p99 (30ms): 0, 25 and 50 ms.
		Expect(strings.Count(page, ">latency (ms)</text>")).To(Equal(1))
		axis := regexp.MustCompile(`<g class="latency-axis">(.*?)</g>`).FindStringSubmatch(page)
		Expect(axis).NotTo(BeNil())
		Expect(regexp.MustCompile(`>([^<]+)</text>`).FindAllStringSubmatch(axis[1], -1)).To(Equal([][]string{
			{">0</text>", "0"}, {">25</text>", "25"}, {">50</text>", "50"}, {">latency (ms)</text>", "latency (ms)"}}))
		// Each line a point per slice, p99 dashed; each point says its
		// figures on hover, the requests that timed out included.
		for _, name := range []string{"p50", "p99"} {
			line := regexp.MustCompile(`<g class="latency ` + name + `">(.*?)</g>`).FindStringSubmatch(page)
			Expect(line).NotTo(BeNil(), name)
			Expect(regexp.MustCompile(`<path d="M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){4}"`).FindAllString(line[1], -1)).To(HaveLen(2), "%s: a halo and the line, through 5 points", name)
			Expect(strings.Count(line[1], "<circle")).To(Equal(5))
			Expect(strings.Contains(line[1], "stroke-dasharray")).To(Equal(name == "p99"))
		}
		Expect(page).To(ContainSubstring("<title>p50 of the 10 requests sent after 200ms: 3ms</title>"))
		// The slice at 600ms had one request of ten abandoned at its
		// timeout: its p99 is that timeout, a lower bound, drawn hollow.
		Expect(page).To(ContainSubstring("<title>p50 of the 10 requests sent after 600ms: 4ms (1 timed out, counted at its timeout)</title>"))
		Expect(page).To(MatchRegexp(`<circle class="at-timeout" [^>]*stroke="#6a1b9a"[^>]*><title>p99 of the 10 requests sent after 600ms: at least 30ms \(1 timed out, counted at its timeout\)</title>`))
		Expect(strings.Count(page, `class="at-timeout"`)).To(Equal(1))
		// The legend says which line is which, drawn as the lines are.
		legend := regexp.MustCompile(`<g class="legend"[^>]*>(.*?)</g>`).FindAllStringSubmatch(page, -1)[1][1]
		Expect(legend).To(MatchRegexp(`<line [^>]*stroke="#212121" stroke-width="2"/><text[^>]*>p50 latency</text>`))
		Expect(legend).To(MatchRegexp(`<line [^>]*stroke="#6a1b9a" stroke-width="2" stroke-dasharray="6 3"/><text[^>]*>p99 latency</text>`))
		Expect(legend).To(MatchRegexp(`<circle [^>]*fill="#fff"[^>]*/><text[^>]*>at the timeout: at least</text>`))
	})

	It("breaks a load's latency lines where a slice sent nothing, and draws none for a load recorded without latency", func() {
		start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
		load := func(series ...harness.LoadSlice) *reports.Scenario {
			return &reports.Scenario{Suite: "s", Name: "load", Fault: "hang", State: reports.Passed, Start: start, Duration: ms(500),
				Load: &harness.LoadResult{Rate: 10, Duration: ms(400), Started: start, Wall: ms(400), Series: series}}
		}
		gap, err := reports.HTML([]*reports.Scenario{load(
			harness.LoadSlice{At: 0, S2xx: 1, Latency: harness.SliceLatency{Count: 1, P50: ms(1), P99: ms(1)}},
			harness.LoadSlice{At: ms(100)},
			harness.LoadSlice{At: ms(200), S2xx: 1, Latency: harness.SliceLatency{Count: 1, P50: ms(2), P99: ms(2)}},
			harness.LoadSlice{At: ms(300), S2xx: 1, Latency: harness.SliceLatency{Count: 1, P50: ms(3), P99: ms(3)}})})
		Expect(err).NotTo(HaveOccurred())
		p50 := regexp.MustCompile(`<g class="latency p50"><path d="([^"]*)"`).FindStringSubmatch(string(gap))
		Expect(p50).NotTo(BeNil())
		Expect(p50[1]).To(MatchRegexp(`^M[\d.]+ [\d.]+ M[\d.]+ [\d.]+ L[\d.]+ [\d.]+$`), "a point, then a line of two")

		before, err := reports.HTML([]*reports.Scenario{load(harness.LoadSlice{At: 0, S2xx: 1}, harness.LoadSlice{At: ms(100), S5xx: 1})})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(before)).To(ContainSubstring(`<title>load after 100ms: 1 5xx</title>`))
		Expect(string(before)).NotTo(ContainSubstring("latency"))
	})

	It("wraps a legend too wide for one row, and grows to fit it", func() {
		start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
		ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
		every := harness.LoadSlice{S2xx: 1, S3xx: 1, S4xx: 1, S5xx: 1, None: 1, Latency: harness.SliceLatency{Count: 5, P50: ms(3), P99: ms(400), TimedOut: 1}}
		s := &reports.Scenario{Suite: "s", Name: "every class", Fault: "hang", State: reports.Passed, Start: start, Duration: ms(500),
			FaultStart: start, FaultEnd: start.Add(ms(450)), Recovery: &reports.Recovery{After: ms(40)},
			Load: &harness.LoadResult{Rate: 10, Duration: ms(400), Started: start, Wall: ms(400), Series: []harness.LoadSlice{every}}}
		data, err := reports.HTML([]*reports.Scenario{s})
		Expect(err).NotTo(HaveOccurred())
		page := string(data)
		legend := regexp.MustCompile(`<g class="legend"[^>]*>(.*?)</g>`).FindStringSubmatch(page)[1]
		texts := regexp.MustCompile(`<text x="([\d.]+)" y="([\d.]+)">([^<]*)</text>`).FindAllStringSubmatch(legend, -1)
		Expect(texts).To(HaveLen(10))
		rows := map[string]bool{}
		for _, t := range texts {
			x, err := strconv.ParseFloat(t[1], 64)
			Expect(err).NotTo(HaveOccurred())
			Expect(x+6.2*float64(len(t[3]))).To(BeNumerically("<=", 900), "%q within the picture", t[3])
			rows[t[2]] = true
		}
		Expect(rows).To(HaveLen(2))
		Expect(page).To(ContainSubstring(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="900" height="256" viewBox="0 0 900 256"`), "one row taller")
	})

	It("renders in headless Chromium: the verdict, the failure first with its log, then the finding in amber, and the timelines", func() {
		chromium := "/usr/bin/chromium"
		if _, err := os.Stat(chromium); err != nil {
			if strings.Contains(os.Getenv("GATECRASH_REQUIRE"), "chromium") {
				Fail("chromium is required (GATECRASH_REQUIRE) but not installed")
			}
			Skip("chromium is not installed")
		}
		dir := GinkgoT().TempDir()
		page := filepath.Join(dir, "report.html")
		Expect(reports.WriteHTML(page, timelineResults())).To(Succeed())
		shot := filepath.Join(dir, "shot.png")
		cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--window-size=1000,1500", "--screenshot="+shot, "file://"+page)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		// To look at it: GATECRASH_SCREENSHOTS=dir keeps the page and the
		// screenshot there.
		if keep := os.Getenv("GATECRASH_SCREENSHOTS"); keep != "" {
			Expect(os.MkdirAll(keep, 0o755)).To(Succeed())
			for _, f := range []string{page, shot} {
				data, err := os.ReadFile(f)
				Expect(err).NotTo(HaveOccurred())
				Expect(os.WriteFile(filepath.Join(keep, filepath.Base(f)), data, 0o644)).To(Succeed())
			}
		}

		f, err := os.Open(shot)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		img, err := png.Decode(f)
		Expect(err).NotTo(HaveOccurred())
		// count is how many pixels are near want; top the first row with one.
		count := func(want color.RGBA) (n, top int) {
			top = -1
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if near(img, x, y, want) {
						n++
						if top < 0 {
							top = y
						}
					}
				}
			}
			return n, top
		}
		pixels := func(want color.RGBA) int { n, _ := count(want); return n }
		total := img.Bounds().Dx() * img.Bounds().Dy()
		Expect(pixels(color.RGBA{255, 255, 255, 255})).To(BeNumerically("<", total*95/100), "not blank")
		header, headerTop := count(color.RGBA{0xff, 0xeb, 0xee, 255})
		Expect(header).To(BeNumerically(">", 20000), "the failed verdict's red header")
		log, logTop := count(color.RGBA{0x26, 0x32, 0x38, 255})
		Expect(log).To(BeNumerically(">", 5000), "the failure's gateway log")
		amber, amberTop := count(color.RGBA{0xff, 0xf8, 0xe1, 255})
		Expect(amber).To(BeNumerically(">", 50000), "the finding's amber card")
		Expect(pixels(color.RGBA{0xff, 0x8f, 0x00, 255})).To(BeNumerically(">", 300), "the finding's badge and border")
		Expect(headerTop).To(BeNumerically("<", logTop), "the verdict on top")
		Expect(logTop).To(BeNumerically("<", amberTop), "the failure before the finding")
		Expect(pixels(color.RGBA{0xff, 0xcd, 0xd2, 255})).To(BeNumerically(">", 2000), "the fault windows are shaded")
		Expect(pixels(color.RGBA{0xc6, 0x28, 0x28, 255})).To(BeNumerically(">", 1000), "the load's 502s are red")
		Expect(pixels(color.RGBA{0x2e, 0x7d, 0x32, 255})).To(BeNumerically(">", 50), "the steady 200s are green")
		Expect(pixels(color.RGBA{0x61, 0x61, 0x61, 255})).To(BeNumerically(">", 200), "the answer that was not HTTP is grey")
		Expect(pixels(color.RGBA{0x6a, 0x1b, 0x9a, 255})).To(BeNumerically(">", 200), "the load's p99 line is purple")
	})
})

// near reports whether the pixel at x, y is within a few steps of want.
func near(img image.Image, x, y int, want color.RGBA) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	d := func(a uint32, b uint8) int {
		v := int(a>>8) - int(b)
		if v < 0 {
			v = -v
		}
		return v
	}
	return d(r, want.R) <= 6 && d(g, want.G) <= 6 && d(b, want.B) <= 6
}
