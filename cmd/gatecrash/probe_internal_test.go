package main

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
)

// gatecrash probe, in-process; an interrupt and a stubborn gateway's stop
// are in probe_test.go, with a process of their own.

func TestProbe(t *testing.T) {
	t.Parallel()

	t.Run("prints the matrix against the builtin gateway", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		// The rows it checks: the whole catalog's are in the JSON below.
		r := runFor(t, 4, nil, "probe", "--faults", "refused,hang,chunked_cut,keepalive_race,one_origin_down")
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		saysInOrder(t, r.stdout, `gateway builtin, \d+ faults? probed, 1 left out`, `fault +status +seconds +attempts +valid HTTP +body intact +met +error\n`)
		g.Expect(r.stdout).To(MatchRegexp(`\nrefused +502 +0\.\d{3} +\d+ +yes +- +(yes|unobserved) +\n`))
		g.Expect(r.stdout).To(MatchRegexp(`\nhang +504 +2\.\d{3} +1 +yes +- +yes +\n`))
		g.Expect(r.stdout).To(MatchRegexp(`\nchunked_cut +200 +0\.\d{3} +1 +no +no +yes +truncated_body: `))
		// The builtin gateway never reuses a connection: the race is not met.
		g.Expect(r.stdout).To(MatchRegexp(`\nkeepalive_race +200 +0\.\d{3} +1 +yes +yes +NO +\n +the fault was never met: the origin served it normally\n`))
		g.Expect(r.stdout).To(ContainSubstring("left out:\n  one_origin_down: needs several origin instances"))
		g.Expect(r.stdout).NotTo(ContainSubstring("varied over"))
		g.Expect(r.stderr).To(MatchRegexp(`probed +`))
	})

	t.Run("prints JSON with exactly the documented keys, writes a baseline that passes run, and fails once the timeouts change", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		baseline := filepath.Join(tmp, "baseline.yaml")
		r := runFor(t, 27, nil, "probe", "--json", "--write", baseline)
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)

		g.Expect(r.stderr).NotTo(ContainSubstring("varied:"), "the builtin answers each fault the same way every time")
		var rows []map[string]any
		g.Expect(json.Unmarshal([]byte(r.stdout), &rows)).To(Succeed())
		// one_origin_down needs several instances, the HTTP/2 faults the
		// origin's h2c endpoint, the stream faults a WebSocket or event
		// stream: the probe's own suite has none of them.
		hosted := 0
		for _, d := range faults.All() {
			if d.Needs.Instances < 2 && !d.Needs.H2C && d.Needs.Request == "" {
				hosted++
			}
		}
		g.Expect(hosted).To(BeNumerically(">=", 45))
		g.Expect(rows).To(HaveLen(hosted))
		keys := []string{"fault", "status", "seconds", "attempts", "valid_http", "body_intact", "met"}
		for _, row := range rows {
			want := append([]string{}, keys...)
			if row["valid_http"] == false {
				want = append(want, "error")
				g.Expect(row["error"]).NotTo(BeEmpty())
			}
			// A desync fault's follow-ups: the probe's builtin gateway
			// opens a connection per request, so none is cross-wired.
			if d, _ := faults.Lookup(row["fault"].(string)); d.FollowUps > 0 {
				want = append(want, "cross_wired")
				g.Expect(row["cross_wired"]).To(BeFalse(), "%v", row)
			}
			got := make([]string, 0, len(row))
			for k := range row {
				got = append(got, k)
			}
			g.Expect(got).To(ConsistOf(want), "%v", row)
			// null when the answer was not the origin's body (a 502, no HTTP).
			g.Expect(row["body_intact"]).To(Or(BeNil(), BeAssignableToTypeOf(true)), "%v", row)
			// The builtin gateway opens a connection per request and
			// resolves each time: every fault of the catalog is met, except
			// the keep-alive race, which needs a reused connection, and
			// any the machine cannot observe.
			if row["fault"] == "keepalive_race" {
				g.Expect(row["met"]).To(Equal("not_met"), "%v", row)
			} else {
				g.Expect(row["met"]).To(Or(Equal("met"), Equal("unobserved")), "%v", row)
			}
		}
		bodies := map[string]any{}
		for _, row := range rows {
			bodies[row["fault"].(string)] = row["body_intact"]
		}
		g.Expect(bodies).To(HaveKeyWithValue("refused", BeNil()), "the gateway's own 502")
		g.Expect(bodies).To(HaveKeyWithValue("chunked_cut", false), "a cut body")
		g.Expect(bodies).To(HaveKeyWithValue("slow_body", true), "the whole body, slowly")

		data, err := os.ReadFile(baseline)
		g.Expect(err).NotTo(HaveOccurred())
		changed := strings.Replace(string(data), "connect_timeout: 1s", "connect_timeout: 3s", 1)
		changed = strings.Replace(changed, "response_timeout: 2s", "response_timeout: 4s", 1)
		g.Expect(changed).NotTo(Equal(string(data)))
		changedBaseline := writeFile(t, tmp, "changed.yaml", changed)

		t.Run("the baseline passes unchanged", func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			r := runFor(t, 25, nil, "run", baseline)
			// Short, so that a CI log's last lines name the fault.
			g.Expect(r.code).To(Equal(0), "the baseline passes unchanged; it failed:\n%s", notPassed(r.stdout))
			g.Expect(r.stdout).To(MatchRegexp(`(\d+) scenarios: (\d+) passed, 0 failed`))
		})
		t.Run("the baseline catches the changed timeouts", func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			// The scenarios of the faults the timeouts decide.
			r := runFor(t, 8, nil, "run", "--focus", "^(hang|blackhole) as probed$", changedBaseline)
			g.Expect(r.code).To(Equal(1), "the baseline catches the changed timeouts:\n%s", r.stdout)
			g.Expect(r.stdout).To(ContainSubstring("FAIL  probe baseline: builtin / hang as probed"))
			g.Expect(r.stdout).To(ContainSubstring("FAIL  probe baseline: builtin / blackhole as probed"))
		})
	})

	t.Run("probes a managed gateway from --suite (nginx), only the faults named with --faults, and its baseline passes run", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "nginx")
		g := NewWithT(t)
		tmp := t.TempDir()
		// The baseline goes next to its suite: the templates are relative to it.
		suite := withChange(t, nginxSuite, tmp, "", "") // a copy
		baseline := filepath.Join(tmp, "baseline.yaml")
		r := runFor(t, 5, nil, "probe", "--suite", suite, "--faults", "refused,hang,garbage,chunked_cut", "--write", baseline)
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		g.Expect(r.stdout).To(ContainSubstring(`gateway nginx, 4 faults probed, 0 left out`))
		g.Expect(r.stdout).To(MatchRegexp(`\nrefused +502 +0\.\d{3} +1 +yes +- +(yes|unobserved) +\n`))
		g.Expect(r.stdout).To(MatchRegexp(`\nhang +504 +2\.\d{3} +1 +yes +- +yes +\n`), "proxy_read_timeout 2s")
		g.Expect(r.stdout).To(MatchRegexp(`\ngarbage +- +0\.\d{3} +1 +no +- +yes +invalid_http: `), "nginx 1.22 relays an HTTP/0.9-looking answer")
		g.Expect(r.stdout).To(MatchRegexp(`\nchunked_cut +200 +0\.\d{3} +1 +no +no +yes +truncated_body: `))
		g.Expect(r.stdout).NotTo(ContainSubstring("\nblackhole "), "not named")

		r = gatecrash(t, nil, "run", baseline)
		g.Expect(r.code).To(Equal(0), "%s", notPassed(r.stdout))
		g.Expect(r.stdout).To(ContainSubstring(`4 scenarios: 4 passed, 0 failed`))
	})

	t.Run("waits --after injecting, or as long as the suite's own scenario of the fault, so that a gateway's DNS cache has expired and the fault shows (nginx)", func(t *testing.T) {
		t.Parallel()
		requireTool(t, "nginx")
		g := NewWithT(t)
		tmp := t.TempDir()
		// nginx's resolver caches the origin's address for 1s to 2s. The
		// suite's nxdomain scenario that meets the fault waits 2.5s: a copy
		// without that wait is probed at once.
		const wait = "request: {after: 2.5s}   # past valid=1s"
		suite := withChange(t, nginxSuite, tmp, wait, "request: {}   # past valid=1s")
		r := gatecrash(t, nil, "probe", "--suite", suite, "--faults", "nxdomain", "--samples", "1")
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		g.Expect(r.stdout).To(MatchRegexp(`\nnxdomain +200 +\S+ +\d+ +yes +\S+ +NO +\n +the fault was never met: no DNS query`), "the cached address still serves: the fault is not met")

		// The suite as written: its scenario's wait.
		asWritten := withChange(t, nginxSuite, t.TempDir(), "", "") // a copy
		r = gatecrash(t, nil, "probe", "--suite", asWritten, "--faults", "nxdomain", "--samples", "1")
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		g.Expect(r.stdout).To(MatchRegexp(`\nnxdomain +502 +\S+ +0 +yes +- +yes +\n`), "the suite's own scenario waits past the cache")

		baseline := filepath.Join(tmp, "baseline.yaml")
		r = gatecrash(t, nil, "probe", "--suite", suite, "--faults", "nxdomain", "--samples", "1", "--after", "2.5s", "--write", baseline)
		g.Expect(r.code).To(Equal(0), "%s", r.stderr)
		g.Expect(r.stdout).To(MatchRegexp(`\nnxdomain +502 `), "once the cache expired")
		data, err := os.ReadFile(baseline)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(data)).To(ContainSubstring(`request: {path: "/", timeout: 10s, after: 2.5s}`))
		r = gatecrash(t, nil, "run", baseline)
		g.Expect(r.code).To(Equal(0), "%s", notPassed(r.stdout))
	})
}

// testProbeAttached probes an attached gateway, the faulty proxy as a raw
// relay, already running at the suite's fixed loopback addresses.
func testProbeAttached(t *testing.T, proxy string) {
	g := NewWithT(t)
	addrs := freeAddrs(t, 3)
	listen, origin, dns := addrs[0], addrs[1], addrs[2]
	gw := exec.Command(proxy, "-mode", "relay-raw", "-listen", listen, "-origin", origin)
	g.Expect(gw.Start()).To(Succeed())
	t.Cleanup(func() { gw.Process.Kill(); gw.Wait() })
	suite := writeFile(t, t.TempDir(), "attached.yaml", `suite: attached
gateway: {url: "http://`+listen+`", ready: {http: /, within: 10s}}
origin: {listen: "`+origin+`", routes: [{path: /, status: 200, body: "hello from origin"}]}
dns: {listen: "`+dns+`"}
scenarios: [{name: passes on the origin's 503, fault: origin_error, expect: {status: 503}}]
`)
	r := gatecrash(t, nil, "probe", "--suite", suite, "--faults", "refused,garbage,origin_error", "--json")
	g.Expect(r.code).To(Equal(0), "%s", r.stderr)
	var rows []map[string]any
	g.Expect(json.Unmarshal([]byte(r.stdout), &rows)).To(Succeed())
	byFault := map[string]map[string]any{}
	for _, row := range rows {
		byFault[row["fault"].(string)] = row
	}
	g.Expect(byFault).To(HaveLen(3))
	// A raw relay closes on a refused origin and passes garbage on.
	g.Expect(byFault["refused"]).To(HaveKeyWithValue("valid_http", false))
	g.Expect(byFault["garbage"]).To(HaveKeyWithValue("error", HavePrefix("invalid_http: ")))
	g.Expect(byFault["origin_error"]).To(HaveKeyWithValue("status", 503.0))
	g.Expect(byFault["origin_error"]).To(HaveKeyWithValue("body_intact", true))
}

// freeAddrs is n loopback addresses whose ports were free a moment ago,
// each for TCP and UDP both (a DNS server listens on both), and all
// different (each is held until all are found). The kernel picks
// ephemeral ports at random, so another test taking one before gatecrash
// does is unlikely, not impossible.
func freeAddrs(t testing.TB, n int) []string {
	var addrs []string
	var held []io.Closer
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for len(addrs) < n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ln)
		addr := ln.Addr().String()
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			held = append(held, pc)
			addrs = append(addrs, addr)
		}
	}
	return addrs
}
