package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/scenarios"
)

// selectable is two suite files of three scenarios each, numbered.
func selectable() []*scenarios.Suite {
	var suites []*scenarios.Suite
	for _, text := range []string{`suite: edge proxy
scenarios:
  - {name: origin down answers 502, labels: [origin-down], fault: refused, expect: {status: 502}}
  - {name: NXDOMAIN answers 502, labels: [dns], fault: nxdomain, expect: {status: 502}}
  - {name: not yet, labels: [dns, slow], fault: dns_timeout, skip: the resolver caches, expect: {status: 502}}
`, `suite: api gateway
scenarios:
  - {name: origin down answers 503, labels: [Origin-Down], fault: refused, expect: {status: 503}}
  - {name: hung origin answers 504, labels: [slow], fault: hang, expect: {status: 504}}
  - {name: garbage answers 502, fault: garbage, expect: {status: 502}}
`} {
		s, err := scenarios.Parse("edge.yaml", []byte(text))
		Expect(err).NotTo(HaveOccurred())
		if len(suites) == 1 {
			s.File = "api.yaml"
		}
		suites = append(suites, s)
	}
	scenarios.Number(suites)
	return suites
}

// names are the scenarios of suites, "suite / name", and whether each runs.
func names(suites []*scenarios.Suite) map[string]bool {
	out := map[string]bool{}
	for _, s := range suites {
		for _, sc := range s.Scenarios {
			out[s.Name+" / "+sc.Name] = !sc.Unselected
		}
	}
	return out
}

var _ = Describe("selecting scenarios", func() {
	DescribeTable("selects by label and by name, a scenario's or its suite's",
		func(labels string, focus []string, want []string) {
			f, err := scenarios.NewFilter(labels, focus)
			Expect(err).NotTo(HaveOccurred())
			suites := selectable()
			part, err := f.Select(suites, scenarios.Slice{})
			Expect(err).NotTo(HaveOccurred())
			var selected []string
			for name, runs := range names(part) {
				if runs {
					selected = append(selected, name)
				}
			}
			Expect(selected).To(ConsistOf(want))
			Expect(names(part)).To(HaveLen(6), "the others are kept, to be reported as skipped")
		},
		Entry("no filter: all", "", nil, []string{"edge proxy / origin down answers 502", "edge proxy / NXDOMAIN answers 502",
			"edge proxy / not yet", "api gateway / origin down answers 503", "api gateway / hung origin answers 504", "api gateway / garbage answers 502"}),
		Entry("a name from its start", "", []string{"^origin down"}, []string{"edge proxy / origin down answers 502", "api gateway / origin down answers 503"}),
		Entry("suite / name", "", []string{"^api gateway / origin"}, []string{"api gateway / origin down answers 503"}),
		Entry("a suite's name", "", []string{"^edge proxy / "}, []string{"edge proxy / origin down answers 502", "edge proxy / NXDOMAIN answers 502", "edge proxy / not yet"}),
		Entry("any of several", "", []string{"NXDOMAIN", "504$"}, []string{"edge proxy / NXDOMAIN answers 502", "api gateway / hung origin answers 504"}),
		Entry("labels, ignoring case", "origin-down", nil, []string{"edge proxy / origin down answers 502", "api gateway / origin down answers 503"}),
		Entry("a label expression", "dns && !slow || slow && !dns", nil, []string{"edge proxy / NXDOMAIN answers 502", "api gateway / hung origin answers 504"}),
		Entry("labels and a name", "origin-down", []string{"503"}, []string{"api gateway / origin down answers 503"}),
		Entry("a scenario with skip: is selected, to be skipped with its reason", "", []string{"^not yet$"}, []string{"edge proxy / not yet"}),
	)

	DescribeTable("is bad input, naming the filters, when it selects nothing or cannot be read",
		func(labels string, focus []string, shard scenarios.Slice, want string) {
			f, err := scenarios.NewFilter(labels, focus)
			if err == nil {
				_, err = f.Select(selectable(), shard)
			}
			Expect(err).To(MatchError(want))
		},
		Entry("a focus that matches no name", "", []string{"^orign"}, scenarios.Slice{},
			`--focus "^orign" selects none of the 6 scenarios in edge.yaml and api.yaml (--focus is matched against each scenario's name and "suite / name")`),
		Entry("a focus on Ginkgo's own text", "", []string{"^gatecrash 000000"}, scenarios.Slice{},
			`--focus "^gatecrash 000000" selects none of the 6 scenarios in edge.yaml and api.yaml (--focus is matched against each scenario's name and "suite / name")`),
		Entry("a label no scenario has", "dsn", nil, scenarios.Slice{},
			`--label-filter "dsn" selects none of the 6 scenarios in edge.yaml and api.yaml`),
		Entry("filters that select apart but not together", "dns", []string{"origin", "hung"}, scenarios.Slice{},
			`--label-filter "dns" and --focus "origin" --focus "hung" select none of the 6 scenarios in edge.yaml and api.yaml `+
				`(--label-filter alone selects 2, --focus alone 3; --focus is matched against each scenario's name and "suite / name")`),
		Entry("more shards than scenarios selected", "", []string{"^origin down"}, scenarios.Slice{I: 3, N: 3},
			`--shard 3/3 selects no scenario: --focus "^origin down" selects 2 of the 6 scenarios in edge.yaml and api.yaml, fewer than the 3 shards`),
		Entry("more shards than scenarios", "", nil, scenarios.Slice{I: 7, N: 7},
			`--shard 7/7 selects no scenario: edge.yaml and api.yaml hold 6 scenarios, fewer than the 7 shards`),
		Entry("a bad regular expression", "", []string{"("}, scenarios.Slice{},
			"--focus \"(\": expected a regular expression: error parsing regexp: missing closing ): `(`"),
		Entry("a bad label expression", "dns &&", nil, scenarios.Slice{},
			`--label-filter "dns &&": expected a label expression such as 'dns && !slow': Unexpected EOF.`),
	)

	It("deals the selected scenarios over the shards evenly, and the others once each", func() {
		f, err := scenarios.NewFilter("", []string{"origin down answers 502|not yet|hung|garbage"}) // the 1st, 3rd, 5th and 6th
		Expect(err).NotTo(HaveOccurred())
		runs, skipped := map[string]int{}, map[string]int{}
		for i := 1; i <= 2; i++ {
			part, err := f.Select(selectable(), scenarios.Slice{I: i, N: 2})
			Expect(err).NotTo(HaveOccurred())
			Expect(scenarios.Selected(part)).To(Equal(2), "shard %d/2", i)
			for name, run := range names(part) {
				if run {
					runs[name]++
				} else {
					skipped[name]++
				}
			}
		}
		Expect(runs).To(HaveLen(4))
		Expect(skipped).To(HaveLen(2))
		for name, n := range runs {
			Expect(n).To(Equal(1), name)
		}
		for name, n := range skipped {
			Expect(n).To(Equal(1), name)
		}
	})
})
