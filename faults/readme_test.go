package faults_test

import (
	"os"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
)

var _ = Describe("the README's fault table", func() {
	It("is the one the registry generates (run make docs when this fails)", func() {
		readme, err := os.ReadFile("../README.md")
		Expect(err).NotTo(HaveOccurred())
		_, rest, ok := strings.Cut(string(readme), "<!-- faults:begin -->\n")
		Expect(ok).To(BeTrue(), "README has a faults:begin marker")
		table, _, ok := strings.Cut(rest, "<!-- faults:end -->")
		Expect(ok).To(BeTrue(), "README has a faults:end marker")
		Expect(table).To(Equal(faults.Markdown()), "README's fault table is stale: run make docs")
	})
})
