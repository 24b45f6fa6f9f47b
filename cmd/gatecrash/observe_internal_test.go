package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// What a run observes and reports, in-process.

const (
	retriesSuite = "../../scenarios/examples/builtin-retries.yaml"
	// nginxInstancesSuite is nginx over two origin instances, pooled
	// connections and retries on the next server.
	nginxInstancesSuite = "../../scenarios/examples/nginx/instances.yaml"
	caddySuite          = "../../scenarios/examples/caddy/suite.yaml"
)

func TestRetries(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	tmp := t.TempDir()
	jsonPath, junit := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "junit.xml")
	r := runFor(t, 4, nil, "run", "--json", jsonPath, "--junit", junit, retriesSuite)
	g.Expect(r.code).To(Equal(0), "%s", r.stdout)
	g.Expect(r.stdout).To(MatchRegexp(`PASS  builtin gateway with retries / a reset origin is tried three times, then 502 .*\| observed status 502 in \S+, 3 attempts`))
	rep := readReport(t, jsonPath)
	g.Expect(rep.Scenarios[0].Observed.Attempts).To(Equal(3))
	g.Expect(rep.Scenarios[0].Observed.Upstream).To(HaveLen(3))
	for _, a := range rep.Scenarios[0].Observed.Upstream {
		g.Expect(a.Tagged).To(BeTrue(), "each attempt carried the request's id")
	}
	g.Expect(readJUnit(t, junit).properties()).To(HaveKeyWithValue("a reset origin is tried three times, then 502: observed.attempts", "3"))

	suite := withChange(t, retriesSuite, tmp, "attempts: 3\n      log_matches", "attempts: 1\n      log_matches")
	r = gatecrash(t, nil, "run", "--json", jsonPath, "--label-filter", "retries", "--focus", "tried three times", suite)
	g.Expect(r.code).To(Equal(1), "%s", r.stdout)
	saysInOrder(t, r.stdout, `FAIL  builtin gateway with retries / a reset origin is tried three times, then 502`,
		`expected 1 attempt at the origin, observed 3 attempts at the origin \(3 requests read, 3 new connections\)`)
	failed := readReport(t, jsonPath).Scenarios[0]
	g.Expect(failed.State).To(Equal("failed"))
	g.Expect(failed.Failure).To(ContainSubstring("observed 3 attempts"))
}

// buildFaultyProxy builds testdata/faultyproxy, a deliberately faulty
// proxy, into dir.
func buildFaultyProxy(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "faultyproxy")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/faultyproxy").CombinedOutput(); err != nil {
		t.Fatalf("go build faultyproxy: %v\n%s", err, out)
	}
	return bin
}

func TestFaultyProxy(t *testing.T) {
	t.Parallel()
	proxy := buildFaultyProxy(t, t.TempDir())
	suite := func(t *testing.T, mode, scenarios string) string {
		return writeFile(t, t.TempDir(), mode+".yaml", `suite: `+mode+`
gateway:
  name: faulty proxy
  command: [`+proxy+`, -mode, `+mode+`, -listen, "{{.Listen}}", -origin, "{{.Origin}}"]
scenarios:
`+scenarios)
	}

	t.Run("that ends a stalled chunked body cleanly is caught by body_intact: a silent truncation", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		path := suite(t, "cut-stalled-chunked", `  - name: a stalled body is ended as if whole
    fault: {body_stall: {bytes: 100, content_length: 1000}}
    expect: {status: 200, valid_http: true, body_intact: true}
  - name: a slow body that keeps coming arrives whole
    fault: {slow_body: {bytes_per_second: 40000, body_size: 8000}}
    expect: {status: 200, valid_http: true, body_intact: true}
`)
		jsonPath := filepath.Join(t.TempDir(), "report.json")
		r := gatecrash(t, nil, "run", "--json", jsonPath, path)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		g.Expect(r.stdout).To(ContainSubstring("FAIL  cut-stalled-chunked / a stalled body is ended as if whole"))
		g.Expect(r.stdout).To(ContainSubstring("expected the origin's body intact, observed body truncated (received 100 of the 1000 bytes the origin declared, of which it sent 100, in an answer that ended cleanly: a silent truncation)"))
		g.Expect(r.stdout).To(ContainSubstring("PASS  cut-stalled-chunked / a slow body that keeps coming arrives whole"))
		stalled := readReport(t, jsonPath).Scenarios[0]
		g.Expect(stalled.Observed.ValidHTTP).To(BeTrue(), "the framing looked complete")
		g.Expect(stalled.Observed.Integrity.Verdict).To(Equal("truncated"))
		g.Expect(stalled.Observed.Integrity.Silent).To(BeTrue())
		g.Expect(stalled.Observed.Integrity.Received).To(BeEquivalentTo(100))
		g.Expect(stalled.Observed.Integrity.Origin.Declared).To(BeEquivalentTo(1000))
	})

	t.Run("that relays the origin's garbage is caught by valid_http", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		path := suite(t, "relay-raw", `  - name: garbage from the origin never reaches the client
    fault: garbage
    expect: {valid_http: true}
`)
		jsonPath := filepath.Join(t.TempDir(), "report.json")
		r := gatecrash(t, nil, "run", "--json", jsonPath, path)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		saysInOrder(t, r.stdout, `FAIL  relay-raw / garbage from the origin never reaches the client`,
			`expected a valid HTTP answer, observed no status in \S+ \(invalid_http: malformed HTTP status code "is"\)`)
		g.Expect(readReport(t, jsonPath).Scenarios[0].Observed.ValidHTTP).To(BeFalse())
	})

	t.Run("that crashes on the origin's garbage is caught by gateway_alive", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		path := suite(t, "crash-on-garbage", `  - name: the gateway survives garbage
    fault: garbage
    expect: {gateway_alive: true}
`)
		jsonPath := filepath.Join(t.TempDir(), "report.json")
		r := gatecrash(t, nil, "run", "--json", jsonPath, path)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		saysInOrder(t, r.stdout, `expected the gateway still running, observed the gateway no longer running`,
			`faultyproxy: the origin answered "this ", not HTTP: crashing`)
		g.Expect(*readReport(t, jsonPath).Scenarios[0].GatewayAlive).To(BeFalse())
	})

	t.Run("probed as an attached gateway, already running at the suite's fixed loopback addresses", func(t *testing.T) {
		t.Parallel()
		testProbeAttached(t, proxy)
	})
}

func TestLoad(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	tmp := t.TempDir()
	path := writeFile(t, tmp, "load.yaml", `suite: load
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
	r := runAlone(t, 6, lanes, nil, "run", "--json", jsonPath, "--junit", junit, path) // 200 requests a second
	g.Expect(r.code).To(Equal(1), "%s", r.stdout)
	g.Expect(r.stdout).To(MatchRegexp(`FAIL  load / a flapping origin under load  \[flapping\]  expected .* \| observed load 200/s for 5s: \d+ of 1000 requests sent, [\d.]+% success \(200: \d+, 502: \d+\), p50 \S+, p99 \S+, max \S+, recovered after`))
	g.Expect(r.stdout).To(MatchRegexp(`expected a success ratio of at least 99\.0%, observed [\d.]+% of \d+ requests \(200: \d+, 502: \d+\)`))

	sc := readReport(t, jsonPath).Scenarios[0]
	// A loaded machine may fall behind the schedule; most go out.
	g.Expect(sc.Load.Requests).To(BeNumerically(">=", 500))
	g.Expect(sc.Load.Requests).To(BeNumerically("<=", 1000))
	g.Expect(sc.Load.Statuses).To(HaveKey("200"))
	g.Expect(sc.Load.Statuses).To(HaveKey("502"))
	g.Expect(sc.Load.SuccessRatio).To(BeNumerically(">", 0.1))
	g.Expect(sc.Load.SuccessRatio).To(BeNumerically("<", 0.9))
	g.Expect(sc.Load.Latency["p50_ns"]).To(BeNumerically(">", 0))
	g.Expect(sc.Load.Latency["p99_ns"]).To(BeNumerically(">=", sc.Load.Latency["p50_ns"]))
	passed := map[string]bool{}
	for _, c := range sc.Checks {
		passed[c.Name] = c.Passed
	}
	g.Expect(passed).To(Equal(map[string]bool{"success_ratio": false, "statuses": true, "unanswered_after": true, "recovers": true, "fault_met": true}))

	props := readJUnit(t, junit).properties()
	for _, p := range []string{"load.requests", "load.success_ratio", "load.statuses", "load.latency.p50_seconds", "load.latency.p99_seconds"} {
		g.Expect(props).To(HaveKey("a flapping origin under load: "+p), p)
	}
	var statuses map[string]int
	g.Expect(json.Unmarshal([]byte(props["a flapping origin under load: load.statuses"]), &statuses)).To(Succeed())
	g.Expect(statuses).To(Equal(sc.Load.Statuses))
	p99, err := strconv.ParseFloat(props["a flapping origin under load: load.latency.p99_seconds"], 64)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p99).To(BeNumerically(">", 0))
}

func TestJSONReport(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	jsonPath := filepath.Join(t.TempDir(), "report.json")
	r := runFor(t, 6, nil, "run", "--json", jsonPath, "--label-filter", "integrity || logs || load || origin-errors", builtinSuite)
	g.Expect(r.code).To(Equal(0), "%s", r.stdout)
	data, err := os.ReadFile(jsonPath)
	g.Expect(err).NotTo(HaveOccurred())
	var rep struct {
		Summary   map[string]int   `json:"summary"`
		Scenarios []map[string]any `json:"scenarios"`
	}
	g.Expect(json.Unmarshal(data, &rep)).To(Succeed())
	g.Expect(rep.Scenarios).To(HaveLen(scenarioCount(t, builtinSuite)), "skipped scenarios too")
	g.Expect(rep.Summary["scenarios"]).To(Equal(len(rep.Scenarios)))
	ran := 0
	for _, sc := range rep.Scenarios {
		if sc["state"] == "skipped" {
			continue
		}
		ran++
		g.Expect(sc).To(HaveKey("gateway_alive"), sc["name"])
		g.Expect(sc).To(HaveKey("checks"), sc["name"])
		g.Expect(sc).To(HaveKey("steady"), sc["name"])
		if _, load := sc["load"]; load {
			continue
		}
		obs := sc["observed"].(map[string]any)
		for _, k := range []string{"status", "valid_http", "ttfb_ns", "total_ns", "request_id", "attempts", "connections", "body_bytes", "body_integrity"} {
			g.Expect(obs).To(HaveKey(k), "%s: observed.%s", sc["name"], k)
		}
	}
	g.Expect(ran).To(BeNumerically(">=", 5))
	g.Expect(regexp.MustCompile(`(?m)^PASS `).FindAllString(r.stdout, -1)).To(HaveLen(ran))
	g.Expect(strings.Count(string(data), `"recovery"`)).To(BeNumerically(">=", 3), "recovery is reported")
}

// TestFaultMet: a pass means the fault was met. Against real gateways, a
// fault reaches the whole origin, and a fault a gateway got around fails
// the scenario in plain words unless the scenario pins the masking.
func TestFaultMet(t *testing.T) {
	t.Parallel()

	t.Run("reaches both instances behind nginx: a whole origin down is never a 200", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "nginx")
		g := NewWithT(t)
		tmp := t.TempDir()
		// The false green: expecting 200 from nginx over two
		// instances, with the fault on one, passed. On the whole origin
		// nginx has nowhere to go: 502, and the scenario fails.
		suite := withChange(t, nginxInstancesSuite, tmp, "status: 502\n      within: 500ms\n      fault_met: true", "status: 200")
		jsonPath := filepath.Join(tmp, "report.json")
		r := runFor(t, 3, nil, "run", "--json", jsonPath, "--label-filter", "origin-down", suite)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		g.Expect(r.stdout).To(ContainSubstring("expected status 200, observed status 502"))
		rep := readReport(t, jsonPath)
		g.Expect(rep.Scenarios[0].State).To(Equal("failed"))
		g.Expect(rep.Scenarios[0].FaultMethod).To(Equal("all 2 instances"))
		g.Expect(rep.Scenarios[0].Observed.FaultMet.Verdict).To(Equal("met"))
		// The loads that target one instance meet it with a share of
		// their requests and pass.
		loads := 0
		for _, sc := range rep.Scenarios[1:] {
			if sc.Load == nil {
				g.Expect(sc.State).To(Equal("skipped"), sc.Name)
				continue
			}
			loads++
			g.Expect(sc.State).To(Equal("passed"), sc.Name)
			g.Expect(sc.FaultMethod).To(MatchRegexp(`^instance \d of 2$`))
			g.Expect(sc.Load.FaultMet.Verdict).To(BeElementOf("met", "unobserved"), sc.Name)
		}
		g.Expect(loads).To(Equal(2))
	})

	t.Run("fails a DNS fault Caddy never met on its pooled connection, unless the scenario pins the masking", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "caddy")
		g := NewWithT(t)
		tmp := t.TempDir()
		// Copy the Caddyfile template; the suite is this test's own.
		withChange(t, caddySuite, tmp, "", "")
		write := func(metLine string) string {
			return writeFile(t, tmp, "suite.yaml", `suite: caddy with keep-alive
gateway:
  name: caddy
  command: [caddy, run, --config, Caddyfile, --adapter, caddyfile]
  templates: [Caddyfile.tmpl]
  env: {HOME: "{{.WorkDir}}", XDG_DATA_HOME: "{{.WorkDir}}/data", XDG_CONFIG_HOME: "{{.WorkDir}}/config"}
  ready: {http: /healthz, status: 200, within: 10s}
origin:
  routes:
    - {path: /keepalive/, status: 200, body: "hello from origin"}
    - {path: /, status: 200, body: "hello from origin"}
scenarios:
  - name: NXDOMAIN behind a pooled connection
    fault: nxdomain
    request: {path: /keepalive/}
    expect:
      status: 200
`+metLine)
		}
		r := gatecrash(t, nil, "run", write(""))
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		g.Expect(r.stdout).To(ContainSubstring("FAIL  caddy with keep-alive / NXDOMAIN behind a pooled connection"))
		g.Expect(r.stdout).To(ContainSubstring("the fault was never met: no DNS query for origin.gatecrash.test was made during the fault: the gateway reused a connection opened before it"))

		r = gatecrash(t, nil, "run", write("      fault_met: false\n"))
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		g.Expect(r.stdout).To(ContainSubstring("PASS  caddy with keep-alive / NXDOMAIN behind a pooled connection"))
	})

	t.Run("runs a control scenario with nothing injected", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		path := writeFile(t, tmp, "control.yaml", `suite: control
scenarios:
  - {name: nothing injected answers 200, fault: none, expect: {status: 200, body_intact: true, recovers: {status: 200, within: 1s}}}
`)
		jsonPath := filepath.Join(tmp, "report.json")
		r := gatecrash(t, nil, "run", "--json", jsonPath, path)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		rep := readReport(t, jsonPath)
		g.Expect(rep.Scenarios[0].State).To(Equal("passed"))
		g.Expect(rep.Scenarios[0].Observed.FaultMet).To(BeNil())
	})
}
