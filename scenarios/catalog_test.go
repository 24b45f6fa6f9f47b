package scenarios_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("the catalog's examples", func() {
	It("are each accepted by the loader as the fault they document", func() {
		for _, d := range faults.All() {
			suite := "suite: catalog\nscenarios:\n  - name: example\n    fault: " + d.Example + "\n    expect: {status: 502}\n"
			s, err := scenarios.Parse(d.Name+".yaml", []byte(suite))
			Expect(err).NotTo(HaveOccurred(), "example of %s: %s", d.Name, d.Example)
			Expect(s.Scenarios[0].Fault.Name).To(Equal(d.Name))
		}
	})
})

var _ = Describe("the example suites", func() {
	load := func(pattern string) []*scenarios.Suite {
		files, err := filepath.Glob(pattern)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).NotTo(BeEmpty(), pattern)
		suites, err := scenarios.LoadAll(files)
		Expect(err).NotTo(HaveOccurred())
		return suites
	}

	It("exercise every fault of the catalog against the builtin gateway", func() {
		used := map[string]bool{}
		for _, s := range load("examples/builtin*.yaml") {
			for _, sc := range s.Scenarios {
				used[sc.Fault.Name] = true
			}
		}
		var missing []string
		for _, name := range faults.Names() {
			if !used[name] {
				missing = append(missing, name)
			}
		}
		Expect(missing).To(BeEmpty(), "faults without a builtin example scenario")
	})

	It("exercise every family of the catalog against nginx", func() {
		families := map[string]bool{}
		for _, s := range load("examples/nginx/*.yaml") {
			for _, sc := range s.Scenarios {
				def, _ := faults.Lookup(sc.Fault.Name)
				families[def.Family] = true
			}
		}
		for _, d := range faults.All() {
			Expect(families).To(HaveKey(d.Family), "no nginx scenario for the %s family", d.Family)
		}
	})
})
