package scenarios_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/scenarios"
)

// yamlls is the folder where .ci/run installs the YAML language server
// (npm ci), with the script that validates files through it.
const yamlls = "testdata/yamlls"

type diagnostic struct {
	Line, Column int
	Message      string
}

// editorDiagnostics validates files against the suite schema with the YAML
// language server, as an editor would, and returns each file's diagnostics.
func editorDiagnostics(files ...string) map[string][]diagnostic {
	if _, err := os.Stat(filepath.Join(yamlls, "node_modules", "yaml-language-server")); err != nil {
		if strings.Contains(os.Getenv("GATECRASH_REQUIRE"), "yaml-language-server") {
			Fail("yaml-language-server is required (GATECRASH_REQUIRE) but not installed: npm ci --prefix " + yamlls)
		}
		Skip("yaml-language-server not installed: npm ci --prefix scenarios/" + yamlls)
	}
	schema := filepath.Join(GinkgoT().TempDir(), "gatecrash.schema.json")
	data, err := json.Marshal(scenarios.Schema())
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(schema, data, 0o644)).To(Succeed())
	var stderr bytes.Buffer
	cmd := exec.Command("node", append([]string{filepath.Join(yamlls, "check.js"), schema}, files...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred(), stderr.String())
	got := map[string][]diagnostic{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct {
			File        string       `json:"file"`
			Diagnostics []diagnostic `json:"diagnostics"`
		}
		Expect(json.Unmarshal(sc.Bytes(), &r)).To(Succeed(), sc.Text())
		got[r.File] = r.Diagnostics
	}
	Expect(got).To(HaveLen(len(files)))
	return got
}

var _ = Describe("the suite schema in an editor (the YAML language server)", func() {
	It("finds nothing wrong in any example suite", func() {
		for f, d := range editorDiagnostics(exampleSuites()...) {
			Expect(d).To(BeEmpty(), f)
		}
	})

	It("reads each file anew, those of the same name too", func() {
		dir := GinkgoT().TempDir()
		for _, sub := range []string{"a", "b"} {
			Expect(os.Mkdir(filepath.Join(dir, sub), 0o755)).To(Succeed())
		}
		good, bad := filepath.Join(dir, "a", "suite.yaml"), filepath.Join(dir, "b", "suite.yaml")
		Expect(os.WriteFile(good, []byte("scenarios: [{name: a, fault: refused, expect: {status: 502}}]\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(bad, []byte("scenarios: [{name: a, fault: refused, expct: {status: 502}}]\n"), 0o644)).To(Succeed())
		d := editorDiagnostics(good, bad)
		Expect(d[good]).To(BeEmpty())
		Expect(d[bad]).To(ContainElement(HaveField("Message", "Property expct is not allowed.")))
	})

	It("marks a misspelt field at its line and column", func() {
		typo := filepath.Join(GinkgoT().TempDir(), "typo.yaml")
		Expect(os.WriteFile(typo, []byte("suite: mine\ngateway: {builtin: {conect_timeout: 1s}}\nscenarios:\n"+
			"  - {name: a, fault: refusd, expect: {status: 502}}\n"), 0o644)).To(Succeed())
		d := editorDiagnostics(typo)[typo]
		Expect(d).To(ContainElement(diagnostic{Line: 2, Column: 21, Message: "Property conect_timeout is not allowed."}))
		Expect(d).To(ContainElement(HaveField("Line", 4)), "the unknown fault")
	})
})
