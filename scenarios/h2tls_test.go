package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("origin.h2tls, the origin's HTTP/2-over-TLS endpoint", func() {
	const scenario = "scenarios:\n  - {name: a, fault: {h2_goaway: {mode: immediate}}, request: {path: /h2tls/}, expect: {status: 502}}\n"

	It("starts the endpoint, and the HTTP/2 faults accept it in place of h2c", func() {
		s, err := scenarios.Parse("ok.yaml", []byte("suite: t\norigin: {h2tls: true, routes: [{path: /h2tls/}]}\n"+scenario))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Origin.H2TLS).To(BeTrue())
		Expect(s.Config().H2TLS).To(BeTrue())
		Expect(s.Config().H2C).To(BeFalse())
		facts := s.Facts()
		Expect(facts.H2TLS).To(BeTrue())
		Expect(facts.HTTP2Route()).To(Equal("/h2tls/"))
	})

	DescribeTable("rejects a suite the HTTP/2 faults cannot act in, or a value that is not a boolean, at its place",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("neither endpoint", "suite: t\norigin: {routes: [{path: /h2tls/}]}\n"+scenario,
			"expected origin.h2c: true or origin.h2tls: true in the suite"),
		Entry("not a boolean", "suite: t\norigin: {h2tls: yes please, routes: [{path: /h2tls/}]}\n"+scenario,
			`bad.yaml:2:17: origin.h2tls: expected true or false; got "yes please"`),
	)
})
