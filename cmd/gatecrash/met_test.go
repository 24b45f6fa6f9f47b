package main_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// A pass means the fault was met: against real gateways, a fault reaches
// the whole origin, and a fault a gateway got around fails the scenario in
// plain words unless the scenario pins the masking.
var _ = Describe("a fault the gateway must meet", func() {
	var tmp string
	BeforeEach(func() { tmp = GinkgoT().TempDir() })

	It("reaches both instances behind nginx: a whole origin down is never a 200", func() {
		require("nginx")
		// The false green: expecting 200 from nginx over two
		// instances, with the fault on one, passed. On the whole origin
		// nginx has nowhere to go: 502, and the scenario fails.
		suite := withChange(nginxInstancesSuite, tmp, "status: 502\n      within: 500ms\n      fault_met: true", "status: 200")
		jsonPath := filepath.Join(tmp, "report.json")
		s := gatecrash(tmp, "run", "--json", jsonPath, "--label-filter", "origin-down", suite)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(1))
		Expect(string(s.Out.Contents())).To(ContainSubstring("expected status 200, observed status 502"))
		r := readReport(jsonPath)
		Expect(r.Scenarios[0].State).To(Equal("failed"))
		Expect(r.Scenarios[0].FaultMethod).To(Equal("all 2 instances"))
		Expect(r.Scenarios[0].Observed.FaultMet.Verdict).To(Equal("met"))
		// The loads that target one instance meet it with a share of
		// their requests and pass.
		loads := 0
		for _, sc := range r.Scenarios[1:] {
			if sc.Load == nil {
				Expect(sc.State).To(Equal("skipped"), sc.Name)
				continue
			}
			loads++
			Expect(sc.State).To(Equal("passed"), sc.Name)
			Expect(sc.FaultMethod).To(MatchRegexp(`^instance \d of 2$`))
			Expect(sc.Load.FaultMet.Verdict).To(BeElementOf("met", "unobserved"), sc.Name)
		}
		Expect(loads).To(Equal(2))
	})

	It("fails a DNS fault Caddy never met on its pooled connection, unless the scenario pins the masking", func() {
		require("caddy")
		// Copy the Caddyfile template; the suite is this spec's own.
		withChange(caddySuite, tmp, "", "")
		write := func(metLine string) string {
			path := filepath.Join(tmp, "suite.yaml")
			Expect(os.WriteFile(path, []byte(`suite: caddy with keep-alive
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
`+metLine), 0o644)).To(Succeed())
			return path
		}
		s := gatecrash(tmp, "run", write(""))
		Eventually(s, 2*time.Minute).Should(gexec.Exit(1))
		out := string(s.Out.Contents())
		Expect(out).To(ContainSubstring("FAIL  caddy with keep-alive / NXDOMAIN behind a pooled connection"))
		Expect(out).To(ContainSubstring("the fault was never met: no DNS query for origin.gatecrash.test was made during the fault: the gateway reused a connection opened before it"))

		s = gatecrash(tmp, "run", write("      fault_met: false\n"))
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(ContainSubstring("PASS  caddy with keep-alive / NXDOMAIN behind a pooled connection"))
	})

	It("runs a control scenario with nothing injected", func() {
		path := filepath.Join(tmp, "control.yaml")
		jsonPath := filepath.Join(tmp, "report.json")
		Expect(os.WriteFile(path, []byte(`suite: control
scenarios:
  - {name: nothing injected answers 200, fault: none, expect: {status: 200, body_intact: true, recovers: {status: 200, within: 1s}}}
`), 0o644)).To(Succeed())
		s := gatecrash(tmp, "run", "--json", jsonPath, path)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		r := readReport(jsonPath)
		Expect(r.Scenarios[0].State).To(Equal("passed"))
		Expect(r.Scenarios[0].Observed.FaultMet).To(BeNil())
	})
})
