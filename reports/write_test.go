package reports_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/reports"
)

var _ = Describe("writing a report", func() {
	var dir, victim string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		// A file another user wants overwritten, outside the report's dir.
		victim = filepath.Join(GinkgoT().TempDir(), "victim")
		Expect(os.WriteFile(victim, []byte("precious\n"), 0o600)).To(Succeed())
	})

	// leftovers lists the files in dir other than the reports named.
	leftovers := func(names ...string) []string {
		entries, err := os.ReadDir(dir)
		Expect(err).NotTo(HaveOccurred())
		var left []string
		for _, e := range entries {
			keep := false
			for _, n := range names {
				keep = keep || e.Name() == n
			}
			if !keep {
				left = append(left, e.Name())
			}
		}
		return left
	}

	It("never follows a symlink planted at a temporary name, nor at the report's own path", func() {
		path := filepath.Join(dir, "junit.xml")
		for _, name := range []string{"junit.xml.tmp", ".junit.xml.tmp", "junit.xml.tmp.0", ".junit.xml.0.tmp"} {
			Expect(os.Symlink(victim, filepath.Join(dir, name))).To(Succeed())
		}
		Expect(reports.WriteJUnit(path, results())).To(Succeed())
		Expect(os.ReadFile(victim)).To(Equal([]byte("precious\n")), "the symlinks' target is unchanged")
		fi, err := os.Lstat(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(fi.Mode().IsRegular()).To(BeTrue())
		Expect(fi.Mode().Perm()).To(Equal(os.FileMode(0o644)))

		// A symlink at the report's path is replaced, its target untouched.
		json := filepath.Join(dir, "report.json")
		Expect(os.Symlink(victim, json)).To(Succeed())
		Expect(reports.WriteJSON(json, results())).To(Succeed())
		Expect(os.ReadFile(victim)).To(Equal([]byte("precious\n")))
		_, err = reports.ReadJSON(json)
		Expect(err).NotTo(HaveOccurred())
		Expect(leftovers("junit.xml", "report.json", "junit.xml.tmp", ".junit.xml.tmp", "junit.xml.tmp.0", ".junit.xml.0.tmp")).To(BeEmpty(), "no temporary file left")
	})

	It("leaves no temporary file when the write fails", func() {
		// Renaming over a directory that holds a file fails after the
		// temporary file was written: a failure at the last step.
		path := filepath.Join(dir, "report.json")
		Expect(os.MkdirAll(filepath.Join(path, "inside"), 0o755)).To(Succeed())
		Expect(reports.WriteJSON(path, results())).NotTo(Succeed())
		Expect(reports.WriteJUnit(path, results())).NotTo(Succeed())
		Expect(reports.WriteMarkdown(path, results())).NotTo(Succeed())
		Expect(reports.WriteHTML(path, results())).NotTo(Succeed())
		Expect(leftovers("report.json")).To(BeEmpty(), "no temporary file left")
	})

	It("is checked up front: a path that cannot be written is an error that says why, and leaves nothing", func() {
		file := filepath.Join(dir, "file")
		Expect(os.WriteFile(file, nil, 0o644)).To(Succeed())
		Expect(reports.CheckWritable(filepath.Join(file, "junit.xml"))).To(MatchError(
			file + "/junit.xml: cannot make its directory " + file + ": not a directory"))
		Expect(reports.CheckWritable(dir)).To(MatchError(dir + ": is a directory; expected a file path"))

		Expect(reports.CheckWritable(filepath.Join(dir, "new", "deeper", "junit.xml"))).To(Succeed())
		Expect(filepath.Join(dir, "new", "deeper")).To(BeADirectory())
		entries, err := os.ReadDir(filepath.Join(dir, "new", "deeper"))
		Expect(err).NotTo(HaveOccurred())
		Expect(entries).To(BeEmpty(), "the probe file is removed")
	})
})
