package main_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("report paths", func() {
	It("that cannot be written are exit 2 before anything starts", func() {
		tmp := GinkgoT().TempDir()
		file := filepath.Join(tmp, "file")
		Expect(os.WriteFile(file, nil, 0o644)).To(Succeed())
		junit := filepath.Join(tmp, "out", "junit.xml")
		s := gatecrash(tmp, "run", "--junit", junit, "--json", filepath.Join(file, "report.json"), "--html", tmp, builtinSuite)
		Eventually(s, time.Minute).Should(gexec.Exit(2))
		Expect(string(s.Err.Contents())).To(Equal(
			"gatecrash: --json: report not writable: " + file + "/report.json: cannot make its directory " + file + ": not a directory\n" +
				"gatecrash: --html: report not writable: " + tmp + ": is a directory; expected a file path\n"))
		Expect(string(s.Out.Contents())).To(BeEmpty(), "nothing ran")
		Expect(junit).NotTo(BeAnExistingFile())
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
		Expect(left).To(BeEmpty(), "no work dir was made")

		s = gatecrash(tmp, "merge", "--json", filepath.Join(file, "merged.json"), file)
		Eventually(s, time.Minute).Should(gexec.Exit(2))
		Expect(string(s.Err.Contents())).To(HavePrefix("gatecrash merge: --json: report not writable: "))
	})
})
