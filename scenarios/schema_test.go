package scenarios_test

import (
	"bytes"
	"encoding/json"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/scenarios"
)

// compileSchema compiles scenarios.Schema() with a JSON Schema library, as
// an editor or linter would read `gatecrash schema`.
func compileSchema() *jsonschema.Schema {
	data, err := json.Marshal(scenarios.Schema())
	Expect(err).NotTo(HaveOccurred())
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	c := jsonschema.NewCompiler()
	Expect(c.AddResource(scenarios.SchemaID, doc)).To(Succeed())
	sch, err := c.Compile(scenarios.SchemaID)
	Expect(err).NotTo(HaveOccurred())
	return sch
}

// yamlAsJSON reads YAML as the JSON value a YAML language server checks.
func yamlAsJSON(src []byte) any {
	var v any
	Expect(yaml.Unmarshal(src, &v)).To(Succeed())
	data, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	return out
}

var _ = Describe("the suite schema", func() {
	var sch *jsonschema.Schema
	BeforeEach(func() { sch = compileSchema() })

	It("is draft-07, as the YAML language server reads, and names every fault of the catalog", func() {
		s := scenarios.Schema()
		Expect(s["$schema"]).To(Equal("http://json-schema.org/draft-07/schema#"))
		data, _ := json.Marshal(s)
		// Keywords of later drafts, which a draft-07 validator ignores.
		for _, later := range []string{"$defs", "$anchor", "$dynamicRef", "prefixItems", "unevaluatedProperties",
			"unevaluatedItems", "dependentRequired", "dependentSchemas", "minContains", "maxContains"} {
			Expect(string(data)).NotTo(ContainSubstring(`"`+later+`":`), later)
		}
		for _, d := range faults.All() {
			Expect(string(data)).To(ContainSubstring(`"` + d.Name + `"`))
		}
		Expect(string(data)).To(ContainSubstring("Recovers: after the fault clears"), "doc comments become descriptions")
	})

	It("accepts every example suite", func() {
		files := exampleSuites()
		for _, f := range files {
			src, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(sch.Validate(yamlAsJSON(src))).To(Succeed(), f)
		}
	})

	DescribeTable("rejects what the loader rejects",
		func(suite string) {
			_, loadErr := scenarios.Parse("t.yaml", []byte(suite))
			Expect(loadErr).To(HaveOccurred(), "the loader too")
			Expect(sch.Validate(yamlAsJSON([]byte(suite)))).NotTo(Succeed())
		},
		Entry("a typo'd field", "scenarios:\n  - name: a\n    fault: refused\n    expct: {status: 502}\n"),
		Entry("a typo'd top-level field", "scenarioz: []\n"),
		Entry("an unknown fault", "scenarios:\n  - name: a\n    fault: refusd\n"),
		Entry("an unknown fault parameter", "scenarios:\n  - name: a\n    fault: {garbage: {byts: x}}\n"),
		Entry("an option the fault does not take", "scenarios:\n  - name: a\n    fault: {refused: {direction: upstream}}\n"),
		Entry("a duration without a unit", "scenarios:\n  - name: a\n    fault: refused\n    expect: {within: 5}\n"),
		Entry("a bad status", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 5yy}\n"),
		Entry("a list as a finding", "scenarios:\n  - name: a\n    fault: refused\n    finding: [a, b]\n"),
		Entry("two faults in one", "scenarios:\n  - name: a\n    fault: {refused: , hang: }\n"),
	)

	DescribeTable("accepts what the loader accepts",
		func(suite string) {
			_, loadErr := scenarios.Parse("t.yaml", []byte(suite))
			Expect(loadErr).NotTo(HaveOccurred(), "the loader does")
			Expect(sch.Validate(yamlAsJSON([]byte(suite)))).To(Succeed())
		},
		Entry("a number as a header value", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 502}\n    request: {headers: {X-Retries: 5}}\n"),
		Entry("a number as a route's body", "origin:\n  routes:\n    - {path: /, body: 42}\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n"),
		Entry("a number as a name", "scenarios:\n  - name: 404\n    fault: refused\n    expect: {status: 502}\n"),
		Entry("a boolean as a skip reason", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 502}\n    skip: true\n"),
		Entry("a pinned finding", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 502}\n    finding: the gateway answers 502 slowly\n"),
		Entry("an empty request", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 502}\n    request:\n"),
		Entry("a number as a label", "scenarios:\n  - name: a\n    fault: refused\n    expect: {status: 502}\n    labels: [slow, 2]\n"),
		Entry("bytes in base64 under !!binary", "scenarios:\n  - name: a\n    fault: {garbage: {bytes: !!binary U1NILTIuMA0K//4=}}\n    expect: {status: 502}\n"),
	)

	It("accepts anchors in extension fields, aliases and merge keys", func() {
		suite := "x-defaults:\n  request: &req {path: /api, headers: {X-Team: payments}}\nscenarios:\n  - name: a\n    fault: refused\n    request: {<<: *req, path: /other}\n    expect: {status: 502}\n  - {name: b, fault: refused, request: *req, expect: {status: 502}}\n"
		_, err := scenarios.Parse("t.yaml", []byte(suite))
		Expect(err).NotTo(HaveOccurred())
		Expect(sch.Validate(yamlAsJSON([]byte(suite)))).To(Succeed())
		Expect(sch.Validate(yamlAsJSON([]byte("y-defaults: 1\n"+suite)))).NotTo(Succeed(), "only x- fields")
	})

	It("accepts a fault with parameters and options", func() {
		suite := "scenarios:\n  - name: a\n    fault: {hang: {attempts: 1..2}}\n    load: {rate: 5, duration: 1s}\n    expect: {statuses: [502, 5xx], status_ratio: {502: [0, 1]}}\n  - name: b\n    fault: {garbage: {bytes: x}}\n    expect: {status: [502, 5xx], attempts: {min: 1}, within: 1m30s}\n"
		_, err := scenarios.Parse("t.yaml", []byte(suite))
		Expect(err).NotTo(HaveOccurred())
		Expect(sch.Validate(yamlAsJSON([]byte(suite)))).To(Succeed())
	})
})
