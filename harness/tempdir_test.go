package harness_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

var _ = Describe("temporary directories", func() {
	It("removes those of a process that no longer runs, and only those", func() {
		GinkgoT().Setenv("TMPDIR", GinkgoT().TempDir())
		mine, err := harness.TempDir("", "work-")
		Expect(err).NotTo(HaveOccurred())
		Expect(filepath.Base(mine)).To(HavePrefix("gatecrash-work-"))

		// A process that has exited, as a SIGKILLed gatecrash has.
		gone := exec.Command("true")
		Expect(gone.Run()).To(Succeed())
		dead := filepath.Join(os.TempDir(), "gatecrash-work-dead")
		Expect(os.MkdirAll(filepath.Join(dead, "conf"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dead, ".gatecrash-owner"), []byte(fmt.Sprintf("%d 1\n", gone.Process.Pid)), 0o644)).To(Succeed())
		// A pid that runs, but started at another time: reused.
		reused := filepath.Join(os.TempDir(), "gatecrash-workers-reused")
		Expect(os.MkdirAll(reused, 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(reused, ".gatecrash-owner"), []byte(fmt.Sprintf("%d 1\n", os.Getpid())), 0o644)).To(Succeed())
		// Not gatecrash's: no mark.
		unmarked := filepath.Join(os.TempDir(), "gatecrash-someone-else")
		Expect(os.MkdirAll(unmarked, 0o755)).To(Succeed())

		Expect(harness.SweepTempDirs("")).To(ConsistOf(dead, reused))
		Expect(dead).NotTo(BeADirectory())
		Expect(reused).NotTo(BeADirectory())
		Expect(mine).To(BeADirectory(), "this process runs")
		Expect(unmarked).To(BeADirectory())
	})
})
