package scenarios_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("a probe baseline", func() {
	It("keeps the suite's gateway, origin and DNS as written, with their anchors, and loads", func() {
		source := `suite: mine
x-timeouts: &timeouts {connect_timeout: 1s, response_timeout: 2s}
origin:
  routes:
    - {path: /, status: 200, body: hello}
gateway:
  builtin: *timeouts
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`
		obs := harness.Observation{Status: 502, Total: 5 * time.Millisecond}
		results := []scenarios.ProbeResult{{Fault: "refused", Status: 502, Seconds: 0.005, ValidHTTP: true,
			Observation: obs, Request: harness.Request{Path: "/", Timeout: 10 * time.Second}}}
		skipped := []scenarios.ProbeSkip{{Fault: "one_origin_down", Reason: "needs several origin instances"}}
		var b strings.Builder
		Expect(scenarios.ProbeBaseline(&b, []byte(source), "probe baseline: builtin", results, skipped)).To(Succeed())
		out := b.String()
		Expect(out).To(ContainSubstring("# left out: one_origin_down: needs several origin instances"))
		Expect(strings.Index(out, "x-timeouts:")).To(BeNumerically("<", strings.Index(out, "gateway:")), "the anchor before its alias")

		s, err := scenarios.Parse("baseline.yaml", []byte(out))
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(s.Name).To(Equal("probe baseline: builtin"))
		Expect(s.Gateway.Builtin.ResponseTimeout).To(Equal(scenarios.Duration(2 * time.Second)))
		Expect(s.Origin.Routes).To(HaveLen(1))
		Expect(s.Scenarios).To(HaveLen(1))
		sc := s.Scenarios[0]
		Expect(sc.Name).To(Equal("refused as probed"))
		Expect(sc.Expect.String()).To(Equal("status 502, within 600ms, a valid HTTP answer, 0 attempts at the origin"))
	})
})
