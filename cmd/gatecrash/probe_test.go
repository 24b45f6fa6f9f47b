package main_test

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/gatecrash/gatecrash/faults"
)

var _ = Describe("gatecrash probe", func() {
	It("prints the matrix of the whole catalog against the builtin gateway", func() {
		s := gatecrash(GinkgoT().TempDir(), "probe")
		Eventually(s, 3*time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`gateway builtin, \d+ faults? probed, 1 left out`))
		Expect(s.Out).To(gbytes.Say(`fault +status +seconds +attempts +valid HTTP +body intact +met +error\n`))
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`\nrefused +502 +0\.\d{3} +\d+ +yes +- +(yes|unobserved) +\n`))
		Expect(out).To(MatchRegexp(`\nhang +504 +2\.\d{3} +1 +yes +- +yes +\n`))
		Expect(out).To(MatchRegexp(`\nchunked_cut +200 +0\.\d{3} +1 +no +no +yes +truncated_body: `))
		// The builtin gateway never reuses a connection: the race is not met.
		Expect(out).To(MatchRegexp(`\nkeepalive_race +200 +0\.\d{3} +1 +yes +yes +NO +\n +the fault was never met: the origin served it normally\n`))
		Expect(out).To(ContainSubstring("left out:\n  one_origin_down: needs several origin instances"))
		Expect(out).NotTo(ContainSubstring("varied over"), "the builtin answers each fault the same way every time")
		Expect(s.Err).To(gbytes.Say(`probed +`))
	})

	It("prints JSON with exactly the documented keys, writes a baseline that passes run, and fails once the timeouts change", func() {
		tmp := GinkgoT().TempDir()
		baseline := filepath.Join(tmp, "baseline.yaml")
		s := gatecrash(tmp, "probe", "--json", "--write", baseline)
		Eventually(s, 3*time.Minute).Should(gexec.Exit(0))

		var rows []map[string]any
		Expect(json.Unmarshal(s.Out.Contents(), &rows)).To(Succeed())
		Expect(rows).To(HaveLen(len(faults.All()) - 1)) // one_origin_down needs several instances
		keys := []string{"fault", "status", "seconds", "attempts", "valid_http", "body_intact", "met"}
		for _, row := range rows {
			want := keys
			if row["valid_http"] == false {
				want = append(append([]string{}, keys...), "error")
				Expect(row["error"]).NotTo(BeEmpty())
			}
			got := make([]string, 0, len(row))
			for k := range row {
				got = append(got, k)
			}
			Expect(got).To(ConsistOf(want), "%v", row)
			// null when the answer was not the origin's body (a 502, no HTTP).
			Expect(row["body_intact"]).To(Or(BeNil(), BeAssignableToTypeOf(true)), "%v", row)
			// The builtin gateway opens a connection per request and
			// resolves each time: every fault of the catalog is met, except
			// the keep-alive race, which needs a reused connection, and
			// any the machine cannot observe.
			if row["fault"] == "keepalive_race" {
				Expect(row["met"]).To(Equal("not_met"), "%v", row)
			} else {
				Expect(row["met"]).To(Or(Equal("met"), Equal("unobserved")), "%v", row)
			}
		}
		bodies := map[string]any{}
		for _, row := range rows {
			bodies[row["fault"].(string)] = row["body_intact"]
		}
		Expect(bodies).To(HaveKeyWithValue("refused", BeNil()), "the gateway's own 502")
		Expect(bodies).To(HaveKeyWithValue("chunked_cut", false), "a cut body")
		Expect(bodies).To(HaveKeyWithValue("slow_body", true), "the whole body, slowly")

		s = gatecrash(tmp, "run", baseline)
		Eventually(s, 3*time.Minute).Should(gexec.Exit(0), func() string {
			// Short, so that a CI log's last lines name the fault; the
			// whole output is in the spec's GinkgoWriter output above.
			return "the baseline passes unchanged; it failed:\n" + notPassed(string(s.Out.Contents()))
		})
		Expect(s.Out).To(gbytes.Say(`(\d+) scenarios: (\d+) passed, 0 failed`))

		data, err := os.ReadFile(baseline)
		Expect(err).NotTo(HaveOccurred())
		changed := strings.Replace(string(data), "connect_timeout: 1s", "connect_timeout: 3s", 1)
		changed = strings.Replace(changed, "response_timeout: 2s", "response_timeout: 4s", 1)
		Expect(changed).NotTo(Equal(string(data)))
		Expect(os.WriteFile(baseline, []byte(changed), 0o644)).To(Succeed())
		s = gatecrash(tmp, "run", baseline)
		Eventually(s, 3*time.Minute).Should(gexec.Exit(1), func() string {
			return "the baseline catches the changed timeouts:\n" + string(s.Out.Contents())
		})
		out := string(s.Out.Contents())
		Expect(out).To(ContainSubstring("FAIL  probe baseline: builtin / hang as probed"))
		Expect(out).To(ContainSubstring("FAIL  probe baseline: builtin / blackhole as probed"))
	})

	It("stops at an interrupt: prints what it probed, writes no baseline, exits 130", func() {
		tmp := GinkgoT().TempDir()
		baseline := filepath.Join(tmp, "baseline.yaml")
		s := gatecrash(tmp, "probe", "--write", baseline)
		// hang takes 2s at the builtin's response timeout: interrupt it.
		Eventually(s.Err, time.Minute).Should(gbytes.Say(`probed +dribbled_headers`))
		time.Sleep(500 * time.Millisecond)
		s.Interrupt()
		Eventually(s, 15*time.Second).Should(gexec.Exit(130))
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`\nrefused +502 `))
		Expect(out).To(MatchRegexp(`\ndribbled_headers +504 `))
		Expect(out).NotTo(ContainSubstring("\nhang "), "the fault it was probing is not a result")
		Expect(string(s.Err.Contents())).To(MatchRegexp(`gatecrash probe: interrupted after \d+ faults?; .*baseline.yaml not written`))
		Expect(baseline).NotTo(BeAnExistingFile())
	})

	It("cuts a stubborn managed gateway's stop short at an interrupt", func() {
		tmp := GinkgoT().TempDir()
		suite := stubbornSuite(tmp)
		s := gatecrash(tmp, "probe", "--suite", suite)
		groups := gatewayGroups(s)
		// The readiness probe fails after 1s; the probe then waits for the
		// gateway to stop. Interrupt that wait.
		time.Sleep(2500 * time.Millisecond)
		s.Interrupt()
		Eventually(s, 15*time.Second).Should(gexec.Exit(), "well before the 60s grace")
		for _, g := range groups {
			Eventually(func() []int { return processesInGroup(g) }, 15*time.Second, 100*time.Millisecond).Should(BeEmpty())
		}
	})

	It("probes a managed gateway from --suite (nginx), only the faults named with --faults, and its baseline passes run", func() {
		require("nginx")
		tmp := GinkgoT().TempDir()
		// The baseline goes next to its suite: the templates are relative to it.
		suite := withChange(nginxSuite, tmp, "", "") // a copy
		baseline := filepath.Join(tmp, "baseline.yaml")
		s := gatecrash(tmp, "probe", "--suite", suite, "--faults", "refused,hang,garbage,chunked_cut", "--write", baseline)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(s.Out).To(gbytes.Say(`gateway nginx, 4 faults probed, 0 left out`))
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`\nrefused +502 +0\.\d{3} +1 +yes +- +(yes|unobserved) +\n`))
		Expect(out).To(MatchRegexp(`\nhang +504 +2\.\d{3} +1 +yes +- +yes +\n`), "proxy_read_timeout 2s")
		Expect(out).To(MatchRegexp(`\ngarbage +- +0\.\d{3} +1 +no +- +yes +invalid_http: `), "nginx 1.22 relays an HTTP/0.9-looking answer")
		Expect(out).To(MatchRegexp(`\nchunked_cut +200 +0\.\d{3} +1 +no +no +yes +truncated_body: `))
		Expect(out).NotTo(ContainSubstring("\nblackhole "), "not named")

		s = gatecrash(tmp, "run", baseline)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0), func() string { return notPassed(string(s.Out.Contents())) })
		Expect(s.Out).To(gbytes.Say(`4 scenarios: 4 passed, 0 failed`))
	})

	It("waits --after injecting, so that a gateway's DNS cache has expired and the fault shows (nginx)", func() {
		require("nginx")
		tmp := GinkgoT().TempDir()
		suite := withChange(nginxSuite, tmp, "", "") // a copy
		// nginx's resolver caches the origin's address for 1s to 2s.
		s := gatecrash(tmp, "probe", "--suite", suite, "--faults", "nxdomain", "--samples", "1")
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`\nnxdomain +200 +\S+ +\d+ +yes +\S+ +NO +\n +the fault was never met: no DNS query`), "the cached address still serves: the fault is not met")

		baseline := filepath.Join(tmp, "baseline.yaml")
		s = gatecrash(tmp, "probe", "--suite", suite, "--faults", "nxdomain", "--samples", "1", "--after", "2.5s", "--write", baseline)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`\nnxdomain +502 `), "once the cache expired")
		data, err := os.ReadFile(baseline)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`request: {path: "/", timeout: 10s, after: 2.5s}`))
		s = gatecrash(tmp, "run", baseline)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0), func() string { return notPassed(string(s.Out.Contents())) })
	})

	It("probes an attached gateway, already running at the suite's fixed loopback addresses", func() {
		proxy, err := gexec.Build("github.com/gatecrash/gatecrash/cmd/gatecrash/testdata/faultyproxy")
		Expect(err).NotTo(HaveOccurred())
		tmp := GinkgoT().TempDir()
		listen, origin, dns := freeAddr(), freeAddr(), freeAddr()
		gw, err := gexec.Start(exec.Command(proxy, "-mode", "relay-raw", "-listen", listen, "-origin", origin), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { gw.Kill().Wait(10 * time.Second) })
		suite := writeSuite(tmp, "attached.yaml", `suite: attached
gateway: {url: "http://`+listen+`", ready: {http: /, within: 10s}}
origin: {listen: "`+origin+`", routes: [{path: /, status: 200, body: "hello from origin"}]}
dns: {listen: "`+dns+`"}
scenarios: [{name: passes on the origin's 503, fault: origin_error, expect: {status: 503}}]
`)
		s := gatecrash(tmp, "probe", "--suite", suite, "--faults", "refused,garbage,origin_error", "--json")
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		var rows []map[string]any
		Expect(json.Unmarshal(s.Out.Contents(), &rows)).To(Succeed())
		byFault := map[string]map[string]any{}
		for _, row := range rows {
			byFault[row["fault"].(string)] = row
		}
		Expect(byFault).To(HaveLen(3))
		// A raw relay closes on a refused origin and passes garbage on.
		Expect(byFault["refused"]).To(HaveKeyWithValue("valid_http", false))
		Expect(byFault["garbage"]).To(HaveKeyWithValue("error", HavePrefix("invalid_http: ")))
		Expect(byFault["origin_error"]).To(HaveKeyWithValue("status", 503.0))
		Expect(byFault["origin_error"]).To(HaveKeyWithValue("body_intact", true))
	})
})

// notPassed is the lines of a run's console output about the scenarios
// that did not pass, each with its indented details.
func notPassed(out string) string {
	var b strings.Builder
	keep := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "FAIL  "), strings.HasPrefix(line, "ERR   "), strings.HasPrefix(line, "INTR  "):
			keep = true
		case !strings.HasPrefix(line, "  "):
			keep = false
		}
		if keep {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// freeAddr is a loopback address whose port was free a moment ago, for TCP
// and UDP both (a DNS server listens on both). The kernel picks ephemeral
// ports at random, so another test taking it before gatecrash does is
// unlikely, not impossible.
func freeAddr() string {
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		pc, err := net.ListenPacket("udp", addr)
		ln.Close()
		if err == nil {
			pc.Close()
			return addr
		}
	}
}
