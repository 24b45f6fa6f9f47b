package reports_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	gojunit "github.com/joshdk/go-junit"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

func results() []*reports.Scenario {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	obs := &harness.Observation{Status: 502, Total: 3 * time.Millisecond}
	garbage := &harness.Observation{Start: start.Add(20 * time.Millisecond), Total: time.Millisecond, ErrorKind: harness.ErrInvalidHTTP, Error: `malformed HTTP status code "is"`}
	steady := &harness.Observation{Start: start.Add(5 * time.Millisecond), Status: 200, Total: 2 * time.Millisecond}
	return []*reports.Scenario{
		{Suite: "a", File: "a.yaml", Line: 3, Name: "passes", Gateway: "nginx", Fault: "refused", Expected: "status 502",
			Observed: obs, State: reports.Passed, Start: start, Duration: time.Second},
		{Suite: "a", File: "a.yaml", Line: 9, Name: "fails <&\"> with markup", Gateway: "nginx", Fault: "garbage",
			Params: map[string]string{"bytes": "\x00\x01 not xml"}, Expected: "status 502", Observed: garbage,
			Checks: []reports.Check{{Name: "status", Expected: "status 502", Observed: garbage.String()}},
			Steady: steady, FaultStart: start.Add(15 * time.Millisecond), FaultEnd: start.Add(30 * time.Millisecond),
			Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: true, After: 40 * time.Millisecond, Polls: 2},
			State:    reports.Failed, Failure: "expected status 502, observed no status\nsecond line", GatewayLog: "[error] upstream sent no valid HTTP/1.0 header\n",
			Start: start, Duration: 2 * time.Second},
		{Suite: "b", File: "b.yaml", Line: 3, Name: "skipped", Fault: "hang", State: reports.Skipped, Failure: "not selected"},
		{Suite: "b", File: "b.yaml", Line: 5, Name: "interrupted", Fault: "hang", State: reports.Interrupted, Failure: "interrupted: Interrupted by User"},
		{Suite: "b", File: "b.yaml", Line: 7, Name: "errored", Fault: "blackhole", State: reports.Errored, Failure: "inject blackhole: port taken"},
	}
}

type junit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name    string `xml:"name,attr"`
		Tests   int    `xml:"tests,attr"`
		Skipped int    `xml:"skipped,attr"`
		Cases   []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemErr string `xml:"system-err"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

var _ = Describe("JUnit", func() {
	It("has one testsuite per suite file and one testcase per scenario, and reads back", func() {
		data, err := reports.JUnit(results())
		Expect(err).NotTo(HaveOccurred())
		var r junit
		Expect(xml.Unmarshal(data, &r)).To(Succeed())
		Expect(r.Tests).To(Equal(5))
		Expect(r.Failures).To(Equal(1))
		Expect(r.Errors).To(Equal(2), "interrupted and errored")
		Expect(r.Suites).To(HaveLen(2))
		Expect(r.Suites[0].Name).To(Equal("a"))
		Expect(r.Suites[1].Skipped).To(Equal(1))
		failed := r.Suites[0].Cases[1]
		Expect(failed.Name).To(Equal(`fails <&"> with markup`))
		Expect(failed.Failure.Message).To(Equal("expected status 502, observed no status"))
		Expect(failed.Failure.Text).To(ContainSubstring("second line"))
		Expect(failed.SystemErr).To(ContainSubstring("upstream sent no valid HTTP/1.0 header"))
		Expect(string(data)).To(ContainSubstring(`name="passes: observed.status" value="502"`))
	})

	It("reads back with a JUnit parser library (joshdk/go-junit): suites, cases, verdicts, messages, properties, system-err", func() {
		data, err := reports.JUnit(results())
		Expect(err).NotTo(HaveOccurred())
		suites, err := gojunit.Ingest(data)
		Expect(err).NotTo(HaveOccurred())
		Expect(suites).To(HaveLen(2))
		a, b := suites[0], suites[1]
		Expect(a.Name).To(Equal("a"))
		Expect(a.Totals).To(MatchFields(IgnoreExtras, Fields{"Tests": Equal(2), "Passed": Equal(1), "Failed": Equal(1)}))
		Expect(b.Totals).To(MatchFields(IgnoreExtras, Fields{"Tests": Equal(3), "Skipped": Equal(1), "Error": Equal(2)}))
		Expect(a.Properties).To(HaveKeyWithValue("gateway", "nginx"))
		Expect(a.Properties).To(HaveKeyWithValue("passes: fault", "refused"))
		Expect(a.Properties).To(HaveKeyWithValue("passes: observed.status", "502"))
		Expect(a.Properties).To(HaveKeyWithValue("passes: expected", "status 502"))

		passed, failed := a.Tests[0], a.Tests[1]
		Expect(passed.Name).To(Equal("passes"))
		Expect(passed.Classname).To(Equal("a"))
		Expect(passed.Status).To(Equal(gojunit.StatusPassed))
		Expect(passed.Duration).To(Equal(time.Second))
		Expect(failed.Status).To(Equal(gojunit.StatusFailed))
		Expect(failed.Message).To(Equal("expected status 502, observed no status"))
		Expect(failed.Duration).To(Equal(2 * time.Second))
		// system-err: the timeline in order, then the gateway's log.
		Expect(failed.SystemErr).To(MatchRegexp(`(?s)timeline .*` +
			`\+0\.005s  steady state: status 200 in 2ms\n.*` +
			`\+0\.015s  fault garbage injected\n.*` +
			`\+0\.020s  during the fault: no status in 1ms \(invalid_http: .*\n.*` +
			`\+0\.030s  fault garbage cleared\n.*` +
			`\+0\.070s  recovered: status 200 within 2s after 40ms, 2 polls\n` +
			`\ngateway log:\n\[error\] upstream sent no valid HTTP/1.0 header`))
		Expect(failed.SystemOut).To(ContainSubstring("fault: garbage"))
		Expect(b.Tests[0].Status).To(Equal(gojunit.StatusSkipped))
		Expect(b.Tests[1].Status).To(Equal(gojunit.StatusError))
		Expect(b.Tests[1].Message).To(Equal("interrupted: Interrupted by User"))
	})

	It("validates against Jenkins' junit-10.xsd, control characters and all", func() {
		if _, err := exec.LookPath("xmllint"); err != nil {
			if strings.Contains(os.Getenv("GATECRASH_REQUIRE"), "xmllint") {
				Fail("xmllint is required (GATECRASH_REQUIRE) but not installed")
			}
			Skip("xmllint is not installed")
		}
		path := filepath.Join(GinkgoT().TempDir(), "junit.xml")
		Expect(reports.WriteJUnit(path, results())).To(Succeed())
		out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit-10.xsd", path).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	})
})

var _ = Describe("the console", func() {
	It("prints a line per scenario, and for a failure where it is, what was not met and the gateway's log", func() {
		var b bytes.Buffer
		for _, r := range results() {
			reports.Console(&b, r, false)
		}
		reports.Summary(&b, results(), false)
		Expect(b.String()).To(Equal(`PASS  a / passes  [refused]  expected status 502 | observed status 502 in 3ms  (1s)
FAIL  a / fails <&"> with markup  [garbage]  expected status 502 | observed no status in 1ms (invalid_http: malformed HTTP status code "is"), recovered after 40ms  (2s)
      at a.yaml:9
      expected status 502, observed no status
      second line
      gateway log (nginx):
        [error] upstream sent no valid HTTP/1.0 header
SKIP  b / skipped (not selected)
INTR  b / interrupted  [hang]  expected nothing | observed nothing  (0s)
      at b.yaml:5
      interrupted: Interrupted by User
ERR   b / errored  [blackhole]  expected nothing | observed nothing  (0s)
      at b.yaml:7
      inject blackhole: port taken

5 scenarios: 1 passed, 1 failed, 1 error, 1 skipped, 1 interrupted
`))
	})
})

// observed is a scenario with every kind of observation.
func observed() []*reports.Scenario {
	alive := true
	obs := &harness.Observation{
		Status: 200, Total: 5 * time.Millisecond, TTFB: time.Millisecond, ID: "abc-1",
		Header: map[string][]string{"Content-Type": {"text/plain"}}, Body: []byte("hello"), BodyBytes: 5, BodySHA256: "2cf2",
		Attempts: 3, Connections: 3,
		Upstream: []harness.Attempt{{Endpoint: "http", Instance: 1, Connection: 1, RequestRead: true, Tagged: true}},
		Integrity: &harness.Integrity{Verdict: harness.BodyTruncated, Silent: true, Received: 5,
			Origin: &harness.Answer{Status: 200, Declared: 10, Sent: 5}, Detail: "received 5 of the 10 bytes"},
		FaultMet: &harness.FaultMet{Verdict: harness.FaultNotMet, Evidence: "the fault was never met: instance 2 served it normally", Served: 1},
		Stream: &harness.StreamObservation{Kind: harness.StreamWebSocket, Upgraded: true, Sent: 3, Messages: 2, Bytes: 120, CloseCode: harness.CloseAbnormal,
			OpenFor: time.Millisecond, Tunneled: true},
	}
	load := &harness.LoadResult{Rate: 200, Duration: 5 * time.Second, Planned: 1000, Requests: 1000, Answered: 990,
		SuccessRatio: 0.5, Statuses: map[string]int{"200": 500, "502": 490, "none": 10}, Errors: map[string]int{"reset": 10},
		Latency: harness.Latency{P50: time.Millisecond, P99: 20 * time.Millisecond, Max: 30 * time.Millisecond},
		Series: []harness.LoadSlice{
			{At: 0, S2xx: 400, S5xx: 90, Latency: harness.SliceLatency{Count: 490, P50: time.Millisecond, P99: 3 * time.Millisecond}},
			{At: 100 * time.Millisecond}, // nothing sent
			{At: 200 * time.Millisecond, S2xx: 100, S5xx: 400, None: 10,
				Latency: harness.SliceLatency{Count: 510, P50: 2 * time.Millisecond, P99: 30 * time.Millisecond, TimedOut: 10}},
		}}
	return []*reports.Scenario{
		{Suite: "a", File: "a.yaml", Name: "one", Gateway: "builtin", Fault: "body_stall", Expected: "the origin's body intact",
			Steady: &harness.Observation{Status: 200}, Observed: obs, GatewayAlive: &alive,
			Checks:   []reports.Check{{Name: "attempts", Expected: "1 attempt", Observed: "3 attempts"}, {Name: "body_intact"}},
			Recovery: &reports.Recovery{Expected: "status 200 within 2s", Recovered: true, After: 30 * time.Millisecond, Polls: 2, Last: "status 200 in 1ms"},
			State:    reports.Failed, Failure: "expected 1 attempt"},
		{Suite: "a", File: "a.yaml", Name: "two", Gateway: "builtin", Fault: "flapping", Load: load, GatewayLog: "a\nb\n", State: reports.Passed},
	}
}

var _ = Describe("every observation", func() {
	It("is a JUnit property, under a stable name", func() {
		props := map[string]string{}
		for _, s := range observed() {
			for _, p := range s.Properties() {
				props[s.Name+": "+p[0]] = p[1]
			}
		}
		Expect(props).To(HaveKeyWithValue("one: steady.status", "200"))
		Expect(props).To(HaveKeyWithValue("one: observed.request_id", "abc-1"))
		Expect(props).To(HaveKeyWithValue("one: observed.attempts", "3"))
		Expect(props).To(HaveKeyWithValue("one: observed.attempts_exact", "true"))
		Expect(props).To(HaveKeyWithValue("one: observed.connections", "3"))
		Expect(props).To(HaveKeyWithValue("one: observed.upstream", `[{"endpoint":"http","instance":1,"connection":1,"accepted_ns":0,"reused":false,"request_read":true,"request_ns":0,"tagged":true,"faulted":false}]`))
		Expect(props).To(HaveKeyWithValue("one: observed.headers", `{"Content-Type":["text/plain"]}`))
		Expect(props).To(HaveKeyWithValue("one: observed.fault_met", "not_met"))
		Expect(props).To(HaveKeyWithValue("one: observed.fault_met_evidence", "the fault was never met: instance 2 served it normally"))
		Expect(props).To(HaveKeyWithValue("one: observed.body_bytes", "5"))
		Expect(props).To(HaveKeyWithValue("one: observed.body_sha256", "2cf2"))
		Expect(props).To(HaveKeyWithValue("one: observed.body_excerpt", "hello"))
		Expect(props).To(HaveKeyWithValue("one: observed.body_integrity", "truncated"))
		Expect(props).To(HaveKeyWithValue("one: observed.valid_http", "true"))
		Expect(props).To(HaveKeyWithValue("one: recovery.seconds", "0.0300"))
		Expect(props).To(HaveKeyWithValue("one: recovery.polls", "2"))
		Expect(props).To(HaveKeyWithValue("one: gateway.alive", "true"))
		Expect(props).To(HaveKeyWithValue("one: check.attempts", "expected 1 attempt, observed 3 attempts"))
		Expect(props).To(HaveKeyWithValue("two: load.requests", "1000"))
		Expect(props).To(HaveKeyWithValue("two: load.success_ratio", "0.5000"))
		Expect(props).To(HaveKeyWithValue("two: load.statuses", `{"200":500,"502":490,"none":10}`))
		Expect(props).To(HaveKeyWithValue("two: load.errors", `{"reset":10}`))
		Expect(props).To(HaveKeyWithValue("two: load.latency.p50_seconds", "0.001000"))
		Expect(props).To(HaveKeyWithValue("two: load.latency.p99_seconds", "0.020000"))
		Expect(props).To(HaveKeyWithValue("two: gateway.log_lines", "2"))
	})

	It("is in the JSON report, with totals", func() {
		path := filepath.Join(GinkgoT().TempDir(), "out", "report.json")
		Expect(reports.WriteJSON(path, observed())).To(Succeed())
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		var r map[string]any
		Expect(json.Unmarshal(data, &r)).To(Succeed())
		Expect(r["format"]).To(Equal("gatecrash-report/1"))
		Expect(r["summary"]).To(Equal(map[string]any{"scenarios": 2.0, "passed": 1.0, "findings": 0.0, "failed": 1.0, "errors": 0.0, "skipped": 0.0, "interrupted": 0.0}))
		one := r["scenarios"].([]any)[0].(map[string]any)
		obs := one["observed"].(map[string]any)
		Expect(obs).To(HaveKeyWithValue("valid_http", true))
		Expect(obs).To(HaveKeyWithValue("body_excerpt", "hello"))
		Expect(obs).To(HaveKeyWithValue("attempts", 3.0))
		Expect(obs["body_integrity"]).To(HaveKeyWithValue("silent", true))
		Expect(one["recovery"]).To(HaveKeyWithValue("after_ns", 30e6))
		Expect(one).To(HaveKeyWithValue("gateway_alive", true))
		two := r["scenarios"].([]any)[1].(map[string]any)
		Expect(two["load"]).To(HaveKeyWithValue("success_ratio", 0.5))
		Expect(two["load"].(map[string]any)["latency"]).To(HaveKeyWithValue("p99_ns", 20e6))
		// Each slice of the series has the latency of the requests sent in
		// it; one that sent none has no latency.
		series := two["load"].(map[string]any)["series"].([]any)
		Expect(series).To(HaveLen(3))
		Expect(series[0]).To(HaveKeyWithValue("latency", map[string]any{"count": 490.0, "p50_ns": 1e6, "p99_ns": 3e6}))
		Expect(series[1]).To(Equal(map[string]any{"at_ns": 100e6}))
		Expect(series[2]).To(HaveKeyWithValue("latency", map[string]any{"count": 510.0, "p50_ns": 2e6, "p99_ns": 30e6, "timed_out": 10.0}))
	})

	It("is in the JUnit timeline, slice by slice, with each slice's latency", func() {
		s := observed()[1]
		s.Start = time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
		s.Load.Started = s.Start.Add(10 * time.Millisecond)
		Expect(s.Timeline()).To(ContainSubstring("+0.010s    load: 2xx: 400, 5xx: 90; p50 1ms, p99 3ms\n"))
		Expect(s.Timeline()).To(ContainSubstring("+0.110s    load: none sent\n"), "a slice that sent nothing")
		Expect(s.Timeline()).To(ContainSubstring("+0.210s    load: 2xx: 100, 5xx: 400, none: 10; p50 2ms, p99 30ms (10 timed out)\n"))
	})

	It("reads back as it was written, for -p and merge, body excerpt and all", func() {
		dir := GinkgoT().TempDir()
		first, second := filepath.Join(dir, "first.json"), filepath.Join(dir, "second.json")
		all := append(observed(), results()...)
		all[0].Observed.Body = bytes.Repeat([]byte("x"), 3000) // more than the excerpt
		Expect(reports.WriteJSON(first, all)).To(Succeed())
		back, err := reports.ReadJSON(first)
		Expect(err).NotTo(HaveOccurred())
		Expect(back[0].Observed.Body).To(Equal(bytes.Repeat([]byte("x"), 1024)), "the excerpt")
		Expect(reports.WriteJSON(second, back)).To(Succeed())
		a, err := os.ReadFile(first)
		Expect(err).NotTo(HaveOccurred())
		b, err := os.ReadFile(second)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(Equal(string(a)), "every field survives a read back")
	})

	It("sums a load up in the console line, and a count of attempts when they were asserted", func() {
		s := observed()
		Expect(s[0].ObservedLine()).To(Equal("status 200 in 5ms, fault not met, 3 attempts, body truncated (upgraded, 2 of 3 messages back, 120 bytes, closed with code 1006 after 1ms, tunneled to the origin), recovered after 30ms"))
		Expect(s[1].ObservedLine()).To(Equal("load 200/s for 5s: 1000 of 1000 requests sent, 50.0% success (200: 500, 502: 490, none: 10), p50 1ms, p99 20ms, max 30ms"))
	})
})
