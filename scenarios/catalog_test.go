package scenarios_test

import (
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
