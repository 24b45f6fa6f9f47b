package reports_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
			State: reports.Failed, Failure: "expected status 502, observed no status", Start: start, Duration: ms(2600)},
		{Suite: "s", File: "s.yaml", Line: 15, Name: "flapping under load", Fault: "flapping", Expected: "a success ratio of at least 20%",
			FaultStart: start.Add(ms(20)), FaultEnd: start.Add(ms(1040)),
			Load: &harness.LoadResult{Rate: 100, Duration: time.Second, Requests: 100, Started: start.Add(ms(25)), Wall: ms(1010),
				Series: []harness.LoadSlice{{At: 0, S5xx: 10}, {At: ms(200), S2xx: 10}, {At: ms(400), S5xx: 10}, {At: ms(600), S2xx: 9, None: 1}, {At: ms(800), S5xx: 10}}},
			Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: true, After: ms(5), Polls: 1},
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

	It("renders in headless Chromium: the screenshot is not blank and shows the timelines", func() {
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
			"--window-size=1000,900", "--screenshot="+shot, "file://"+page)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)

		f, err := os.Open(shot)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		img, err := png.Decode(f)
		Expect(err).NotTo(HaveOccurred())
		count := func(want color.RGBA) int {
			n := 0
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if near(img, x, y, want) {
						n++
					}
				}
			}
			return n
		}
		white := count(color.RGBA{255, 255, 255, 255})
		total := img.Bounds().Dx() * img.Bounds().Dy()
		Expect(white).To(BeNumerically("<", total*95/100), "not blank")
		Expect(count(color.RGBA{0xff, 0xcd, 0xd2, 255})).To(BeNumerically(">", 2000), "the fault windows are shaded")
		Expect(count(color.RGBA{0xc6, 0x28, 0x28, 255})).To(BeNumerically(">", 1000), "the 504 is a red bar")
		Expect(count(color.RGBA{0x2e, 0x7d, 0x32, 255})).To(BeNumerically(">", 50), "the steady 200s are green")
		Expect(count(color.RGBA{0x61, 0x61, 0x61, 255})).To(BeNumerically(">", 200), "the answer that was not HTTP is grey")
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
