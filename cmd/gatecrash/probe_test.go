package main_test

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// gatecrash probe with a process of its own: an interrupt (a signal), and
// a stubborn gateway's process group. The rest is in-process
// (probe_internal_test.go).
var _ = Describe("gatecrash probe", func() {
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
})
