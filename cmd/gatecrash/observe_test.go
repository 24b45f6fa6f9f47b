package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

const retriesSuite = "../../scenarios/examples/builtin-retries.yaml"

// report is the part of the JSON report these specs read.
type report struct {
	Format  string `json:"format"`
	Summary struct {
		Scenarios, Passed, Failed int
	} `json:"summary"`
	Scenarios []struct {
		Name        string `json:"name"`
		State       string `json:"state"`
		Failure     string `json:"failure"`
		FaultMethod string `json:"fault_method"`
		Observed    *struct {
			FaultMet *struct {
				Verdict string `json:"verdict"`
			} `json:"fault_met"`
			Status    int  `json:"status"`
			ValidHTTP bool `json:"valid_http"`
			Attempts  int  `json:"attempts"`
			Upstream  []struct {
				Tagged      bool `json:"tagged"`
				RequestRead bool `json:"request_read"`
			} `json:"upstream"`
			Integrity *struct {
				Verdict  string `json:"verdict"`
				Silent   bool   `json:"silent"`
				Received int64  `json:"received"`
				Origin   *struct {
					Declared int64 `json:"declared"`
					Sent     int64 `json:"sent"`
				} `json:"origin"`
			} `json:"body_integrity"`
		} `json:"observed"`
		Load *struct {
			FaultMet *struct {
				Verdict string `json:"verdict"`
			} `json:"fault_met"`
			Requests     int            `json:"requests"`
			SuccessRatio float64        `json:"success_ratio"`
			Statuses     map[string]int `json:"statuses"`
			Latency      map[string]int64
		} `json:"load"`
		Checks []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
		} `json:"checks"`
		GatewayAlive *bool `json:"gateway_alive"`
	} `json:"scenarios"`
}

func readReport(path string) report {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var r report
	Expect(json.Unmarshal(data, &r)).To(Succeed())
	Expect(r.Format).To(Equal("gatecrash-report/1"))
	return r
}

// properties are a JUnit report's properties by name.
func properties(junit string) map[string]string {
	props := map[string]string{}
	for _, s := range readJUnit(junit).Suites {
		for _, p := range s.Properties {
			props[p.Name] = p.Value
		}
	}
	return props
}

// writeSuite writes a suite file into dir.
func writeSuite(dir, name, text string) string {
	path := filepath.Join(dir, name)
	Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
	return path
}

var _ = Describe("retries, counted at the origin", func() {
	It("with 2 retries a reset origin gets 3 attempts, and a scenario expecting 1 fails naming 3", func() {
		tmp := GinkgoT().TempDir()
		jsonPath, junit := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "junit.xml")
		s := gatecrash(tmp, "run", "--json", jsonPath, "--junit", junit, retriesSuite)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`PASS  builtin gateway with retries / a reset origin is tried three times, then 502 .*\| observed status 502 in \S+, 3 attempts`))
		r := readReport(jsonPath)
		Expect(r.Scenarios[0].Observed.Attempts).To(Equal(3))
		Expect(r.Scenarios[0].Observed.Upstream).To(HaveLen(3))
		for _, a := range r.Scenarios[0].Observed.Upstream {
			Expect(a.Tagged).To(BeTrue(), "each attempt carried the request's id")
		}
		Expect(properties(junit)).To(HaveKeyWithValue("a reset origin is tried three times, then 502: observed.attempts", "3"))

		suite := withChange(retriesSuite, tmp, "attempts: 3\n      log_matches", "attempts: 1\n      log_matches")
		s = gatecrash(tmp, "run", "--json", jsonPath, "--label-filter", "retries", "--focus", "tried three times", suite)
		Eventually(s, time.Minute).Should(gexec.Exit(1))
		Expect(s.Out).To(gbytes.Say(`FAIL  builtin gateway with retries / a reset origin is tried three times, then 502`))
		Expect(s.Out).To(gbytes.Say(`expected 1 attempt at the origin, observed 3 attempts at the origin \(3 requests read, 3 new connections\)`))
		failed := readReport(jsonPath).Scenarios[0]
		Expect(failed.State).To(Equal("failed"))
		Expect(failed.Failure).To(ContainSubstring("observed 3 attempts"))
	})
})

var _ = Describe("a deliberately faulty proxy as the gateway", func() {
	var proxy, tmp string
	BeforeEach(func() {
		var err error
		proxy, err = gexec.Build("github.com/gatecrash/gatecrash/cmd/gatecrash/testdata/faultyproxy")
		Expect(err).NotTo(HaveOccurred())
		tmp = GinkgoT().TempDir()
	})

	suite := func(mode, scenarios string) string {
		return writeSuite(tmp, mode+".yaml", `suite: `+mode+`
gateway:
  name: faulty proxy
  command: [`+proxy+`, -mode, `+mode+`, -listen, "{{.Listen}}", -origin, "{{.Origin}}"]
scenarios:
`+scenarios)
	}

	It("that ends a stalled chunked body cleanly is caught by body_intact: a silent truncation", func() {
		path := suite("cut-stalled-chunked", `  - name: a stalled body is ended as if whole
    fault: {body_stall: {bytes: 100, content_length: 1000}}
    expect: {status: 200, valid_http: true, body_intact: true}
  - name: a slow body that keeps coming arrives whole
    fault: {slow_body: {bytes_per_second: 40000, body_size: 8000}}
    expect: {status: 200, valid_http: true, body_intact: true}
`)
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, path)
		Eventually(s, time.Minute).Should(gexec.Exit(1))
		out := string(s.Out.Contents())
		Expect(out).To(ContainSubstring("FAIL  cut-stalled-chunked / a stalled body is ended as if whole"))
		Expect(out).To(ContainSubstring("expected the origin's body intact, observed body truncated (received 100 of the 1000 bytes the origin declared, of which it sent 100, in an answer that ended cleanly: a silent truncation)"))
		Expect(out).To(ContainSubstring("PASS  cut-stalled-chunked / a slow body that keeps coming arrives whole"))
		stalled := readReport(jsonPath).Scenarios[0]
		Expect(stalled.Observed.ValidHTTP).To(BeTrue(), "the framing looked complete")
		Expect(stalled.Observed.Integrity.Verdict).To(Equal("truncated"))
		Expect(stalled.Observed.Integrity.Silent).To(BeTrue())
		Expect(stalled.Observed.Integrity.Received).To(BeEquivalentTo(100))
		Expect(stalled.Observed.Integrity.Origin.Declared).To(BeEquivalentTo(1000))
	})

	It("that relays the origin's garbage is caught by valid_http", func() {
		path := suite("relay-raw", `  - name: garbage from the origin never reaches the client
    fault: garbage
    expect: {valid_http: true}
`)
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, path)
		Eventually(s, time.Minute).Should(gexec.Exit(1))
		Expect(s.Out).To(gbytes.Say(`FAIL  relay-raw / garbage from the origin never reaches the client`))
		Expect(s.Out).To(gbytes.Say(`expected a valid HTTP answer, observed no status in \S+ \(invalid_http: malformed HTTP status code "is"\)`))
		Expect(readReport(jsonPath).Scenarios[0].Observed.ValidHTTP).To(BeFalse())
	})

	It("that crashes on the origin's garbage is caught by gateway_alive", func() {
		path := suite("crash-on-garbage", `  - name: the gateway survives garbage
    fault: garbage
    expect: {gateway_alive: true}
`)
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, path)
		Eventually(s, time.Minute).Should(gexec.Exit(1))
		Expect(s.Out).To(gbytes.Say(`expected the gateway still running, observed the gateway no longer running`))
		Expect(s.Out).To(gbytes.Say(`faultyproxy: the origin answered "this ", not HTTP: crashing`))
		Expect(*readReport(jsonPath).Scenarios[0].GatewayAlive).To(BeFalse())
	})
})

var _ = Describe("a load during a fault", func() {
	It("at 200 requests/s for 5s against a flapping origin reports the statuses and p50/p99, and its success ratio can fail", func() {
		tmp := GinkgoT().TempDir()
		path := writeSuite(tmp, "load.yaml", `suite: load
scenarios:
  - name: a flapping origin under load
    fault: {flapping: {down: 500ms, up: 500ms}}
    load: {rate: 200, duration: 5s}
    request: {timeout: 10s}
    expect:
      success_ratio: 0.99
      statuses: [200, 502]
      unanswered_after: 5s
      recovers: {status: 200, within: 2s}
`)
		jsonPath, junit := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "junit.xml")
		s := gatecrash(tmp, "run", "--json", jsonPath, "--junit", junit, path)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(1))
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`FAIL  load / a flapping origin under load  \[flapping\]  expected .* \| observed load 200/s for 5s: \d+ of 1000 requests sent, [\d.]+% success \(200: \d+, 502: \d+\), p50 \S+, p99 \S+, max \S+, recovered after`))
		Expect(out).To(MatchRegexp(`expected a success ratio of at least 99\.0%, observed [\d.]+% of \d+ requests \(200: \d+, 502: \d+\)`))

		r := readReport(jsonPath).Scenarios[0]
		// A loaded machine may fall behind the schedule; most go out.
		Expect(r.Load.Requests).To(BeNumerically(">=", 500))
		Expect(r.Load.Requests).To(BeNumerically("<=", 1000))
		Expect(r.Load.Statuses).To(HaveKey("200"))
		Expect(r.Load.Statuses).To(HaveKey("502"))
		Expect(r.Load.SuccessRatio).To(BeNumerically(">", 0.1))
		Expect(r.Load.SuccessRatio).To(BeNumerically("<", 0.9))
		Expect(r.Load.Latency["p50_ns"]).To(BeNumerically(">", 0))
		Expect(r.Load.Latency["p99_ns"]).To(BeNumerically(">=", r.Load.Latency["p50_ns"]))
		passed := map[string]bool{}
		for _, c := range r.Checks {
			passed[c.Name] = c.Passed
		}
		Expect(passed).To(Equal(map[string]bool{"success_ratio": false, "statuses": true, "unanswered_after": true, "recovers": true, "fault_met": true}))

		props := properties(junit)
		for _, p := range []string{"load.requests", "load.success_ratio", "load.statuses", "load.latency.p50_seconds", "load.latency.p99_seconds"} {
			Expect(props).To(HaveKey("a flapping origin under load: "+p), p)
		}
		var statuses map[string]int
		Expect(json.Unmarshal([]byte(props["a flapping origin under load: load.statuses"]), &statuses)).To(Succeed())
		Expect(statuses).To(Equal(r.Load.Statuses))
		p99, err := strconv.ParseFloat(props["a flapping origin under load: load.latency.p99_seconds"], 64)
		Expect(err).NotTo(HaveOccurred())
		Expect(p99).To(BeNumerically(">", 0))
	})
})

var _ = Describe("the JSON report", func() {
	It("holds every scenario of the builtin examples with its observations, under stable names", func() {
		tmp := GinkgoT().TempDir()
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, "--label-filter", "integrity || logs || load || origin-errors", builtinSuite)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		data, err := os.ReadFile(jsonPath)
		Expect(err).NotTo(HaveOccurred())
		var r struct {
			Summary   map[string]int   `json:"summary"`
			Scenarios []map[string]any `json:"scenarios"`
		}
		Expect(json.Unmarshal(data, &r)).To(Succeed())
		Expect(r.Scenarios).To(HaveLen(scenarioCount(builtinSuite)), "skipped scenarios too")
		Expect(r.Summary["scenarios"]).To(Equal(len(r.Scenarios)))
		ran := 0
		for _, sc := range r.Scenarios {
			if sc["state"] == "skipped" {
				continue
			}
			ran++
			Expect(sc).To(HaveKey("gateway_alive"), sc["name"])
			Expect(sc).To(HaveKey("checks"), sc["name"])
			Expect(sc).To(HaveKey("steady"), sc["name"])
			if _, load := sc["load"]; load {
				continue
			}
			obs := sc["observed"].(map[string]any)
			for _, k := range []string{"status", "valid_http", "ttfb_ns", "total_ns", "request_id", "attempts", "connections", "body_bytes", "body_integrity"} {
				Expect(obs).To(HaveKey(k), "%s: observed.%s", sc["name"], k)
			}
		}
		Expect(ran).To(BeNumerically(">=", 5))
		Expect(regexp.MustCompile(`(?m)^PASS `).FindAllString(string(s.Out.Contents()), -1)).To(HaveLen(ran))
		Expect(strings.Count(string(data), `"recovery"`)).To(BeNumerically(">=", 3), "recovery is reported")
	})
})
