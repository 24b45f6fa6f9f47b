package main_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// stubbornSuite writes a suite whose managed gateway never gets ready and
// ignores SIGTERM and SIGINT, with a stop grace of a minute.
func stubbornSuite(tmp string) string {
	suite := filepath.Join(tmp, "suite.yaml")
	Expect(os.WriteFile(suite, []byte(`suite: stubborn
gateway:
  command: [sh, -c, "trap '' TERM INT; exec sleep 120"]
  ready: {http: /, within: 1s}
  stop_grace: 60s
scenarios:
  - {name: a, fault: refused, expect: {status: 502}}
`), 0o644)).To(Succeed())
	return suite
}

var _ = Describe("a gateway that ignores SIGTERM", func() {
	It("is killed soon after gatecrash gives up waiting for it, not after its whole stop grace", func() {
		tmp := GinkgoT().TempDir()
		suite := stubbornSuite(tmp)
		s := gatecrash(tmp, "run", suite)
		groups := gatewayGroups(s)
		// The readiness probe fails after 1s; gatecrash then waits for the
		// gateway to stop. Interrupt that wait.
		time.Sleep(2500 * time.Millisecond)
		s.Interrupt()
		Eventually(s, 30*time.Second).Should(gexec.Exit())
		for _, g := range groups {
			Eventually(func() []int { return processesInGroup(g) }, 15*time.Second, 100*time.Millisecond).Should(BeEmpty(), "well before the 60s grace")
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
		Expect(left).To(BeEmpty(), "its work dir is removed")
	})
})
