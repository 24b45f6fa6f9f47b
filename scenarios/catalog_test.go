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
			// Some examples name a second instance: the suite has three.
			origin := "{instances: 3}"
			if d.Needs.H2C {
				origin = "{instances: 3, h2c: true}"
			}
			suite := "suite: catalog\norigin: " + origin + "\nscenarios:\n  - name: example\n    fault: " + d.Example + "\n    expect: {status: 502}\n"
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
})

var _ = Describe("each real gateway's example suite", func() {
	for _, gw := range []string{"nginx", "haproxy", "caddy", "apache"} {
		It(gw+" covers every family and the faults CI must show", func() {
			files, _ := filepath.Glob("examples/" + gw + "/*.yaml")
			suites, err := scenarios.LoadAll(files)
			Expect(err).NotTo(HaveOccurred())
			used, families := map[string]bool{}, map[string]bool{}
			for _, s := range suites {
				for _, sc := range s.Scenarios {
					used[sc.Fault.Name] = true
					def, _ := faults.Lookup(sc.Fault.Name)
					families[def.Family] = true
				}
			}
			for _, d := range faults.All() {
				if d.Family == faults.FamilyHTTP2 && gw == "nginx" || d.Family == faults.FamilyGRPC && gw != "nginx" ||
					d.Family == faults.FamilyStreams && gw != "nginx" && gw != "apache" {
					// nginx 1.22 speaks HTTP/2 upstream only to gRPC
					// (grpc_pass); the others have no gRPC example yet,
					// and only nginx and Apache have stream suites. The
					// builtin gateway covers these families.
					continue
				}
				Expect(families).To(HaveKey(d.Family), "%s: no scenario for the %s family", gw, d.Family)
			}
			Expect(used).To(HaveKey("refused"))
			Expect(used).To(HaveKey("hang"))
			Expect(used).To(HaveKey("delayed_headers"))
			Expect(used).To(HaveKey("nxdomain"), "a DNS failure (skipped with a reason where the gateway cannot use the fake DNS)")
			Expect(used).To(HaveKey("blackhole"))
			Expect(used).To(Or(HaveKey("reset_after_request"), HaveKey("reset_mid_body")))
			Expect(used).To(HaveKey("empty_reply"))
			Expect(used).To(HaveKey("garbage"))
			Expect(used).To(Or(HaveKey("short_body"), HaveKey("chunked_cut"), HaveKey("body_stall")), "a truncated body")
		})
	}
})
