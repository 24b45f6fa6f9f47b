package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("secrets in a run's outputs", func() {
	It("are in none of them, sent, received or expected, while the headers' presence is reported", func() {
		tmp := GinkgoT().TempDir()
		suite := filepath.Join(tmp, "secrets.yaml")
		Expect(os.WriteFile(suite, []byte(`suite: secrets
gateway: {builtin: {}}
origin:
  routes:
    - {path: /, status: 200, body: ok, headers: {Set-Cookie: "session=SECRET1; Path=/"}}
scenarios:
  - name: the cookie is relayed
    fault: none
    request: {headers: {Authorization: "Bearer SECRET2"}}
    expect: {status: 200, headers: {present: [Set-Cookie]}}
  - name: a cookie expected that is not the one relayed
    fault: none
    request: {headers: {Authorization: "Bearer SECRET2"}}
    expect: {status: 200, headers: {equals: {Set-Cookie: "session=SECRET3; Path=/"}}}
`), 0o644)).To(Succeed())
		out := filepath.Join(tmp, "out")
		step := filepath.Join(out, "step.md")
		Expect(os.MkdirAll(out, 0o755)).To(Succeed())
		cmd := exec.Command(bin, "run", "--junit", filepath.Join(out, "r.xml"), "--json", filepath.Join(out, "r.json"),
			"--markdown", filepath.Join(out, "r.md"), "--html", filepath.Join(out, "r.html"), suite)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+step)
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(1))

		outputs := map[string]string{"stdout": string(s.Out.Contents()), "stderr": string(s.Err.Contents())}
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		Expect(files).To(HaveLen(5))
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			outputs[filepath.Base(f)] = string(data)
		}
		for name, text := range outputs {
			for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3"} {
				Expect(text).NotTo(ContainSubstring(secret), "%s carries %s", name, secret)
			}
		}
		Expect(outputs["stdout"]).To(ContainSubstring("PASS  secrets / the cookie is relayed"))
		Expect(outputs["stdout"]).To(ContainSubstring(`expected Set-Cookie: "[redacted]", observed Set-Cookie: "[redacted]"`))
		Expect(outputs["stdout"]).To(ContainSubstring("::error"))
		Expect(outputs["r.json"]).To(ContainSubstring(`"observed": "Set-Cookie: \"[redacted]\""`), "the passing check says the header was there")
	})
})
