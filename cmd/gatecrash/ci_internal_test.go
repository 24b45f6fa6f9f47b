package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// gatecrash run in CI, in-process, with the environment GitHub Actions
// gives a step passed in as the process's.
func TestCI(t *testing.T) {
	t.Parallel()
	// runIn runs a suite with one wrong expectation and env.
	runIn := func(t *testing.T, tmp string, env []string, args ...string) result {
		t.Helper()
		suite := withChange(t, builtinSuite, tmp, "status: 502\n      within: 500ms", "status: 503\n      within: 500ms")
		r := gatecrash(t, testProcess(t, env...), append(append([]string{"run", "--focus", "origin down|NXDOMAIN"}, args...), suite)...)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
		}
		return r
	}

	t.Run("writes a Markdown summary with --markdown, and appends it to $GITHUB_STEP_SUMMARY", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		step := writeFile(t, tmp, "step-summary.md", "earlier step\n")
		md := filepath.Join(tmp, "out", "summary.md")
		r := runIn(t, tmp, []string{"GITHUB_STEP_SUMMARY=" + step}, "--markdown", md)
		g.Expect(r.stdout).NotTo(ContainSubstring("::error"), "no annotations outside GitHub Actions")

		data, err := os.ReadFile(md)
		g.Expect(err).NotTo(HaveOccurred())
		summary := string(data)
		g.Expect(summary).To(HavePrefix("## ❌ gatecrash: "))
		g.Expect(summary).To(ContainSubstring("1 passed, 1 failed"))
		g.Expect(summary).To(ContainSubstring("| ❌ failed | builtin reference gateway | origin down answers 502 fast | `refused` | status 503, within 500ms"))
		g.Expect(summary).To(ContainSubstring("| ✅ passed | builtin reference gateway | NXDOMAIN for the origin answers 502 | `nxdomain` |"))
		g.Expect(summary).To(ContainSubstring("expected status 503, observed status 502"))

		data, err = os.ReadFile(step)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(data)).To(Equal("earlier step\n" + summary))
	})

	t.Run("warns, and keeps the run's exit code, when $GITHUB_STEP_SUMMARY cannot be written", func(t *testing.T) {
		t.Parallel()
		tmp := t.TempDir()
		r := runIn(t, tmp, []string{"GITHUB_STEP_SUMMARY=" + tmp}) // a directory: exit 1 all the same
		NewWithT(t).Expect(r.stdout).To(ContainSubstring("gatecrash: warning: $GITHUB_STEP_SUMMARY: "))
	})

	t.Run("writes the HTML report with --html: a table and a timeline per scenario", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		page := filepath.Join(tmp, "report.html")
		runIn(t, tmp, nil, "--html", page)
		data, err := os.ReadFile(page)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(data)).To(ContainSubstring(">origin down answers 502 fast</a>"))
		g.Expect(strings.Count(string(data), `<svg class="timeline"`)).To(Equal(2))
		g.Expect(string(data)).To(ContainSubstring(`class="fault"`))
	})

	t.Run("annotates the failed scenario at its file and line when GITHUB_ACTIONS is true", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		r := runIn(t, tmp, []string{"GITHUB_ACTIONS=true"})
		suite := filepath.Join(tmp, "builtin.yaml")
		g.Expect(r.stdout).To(MatchRegexp(
			`(?m)^::error file=` + suite + `,line=18,title=gatecrash%3A builtin reference gateway / origin down answers 502 fast::.*expected status 503, observed status 502`))
		g.Expect(r.stdout).NotTo(ContainSubstring("::error file=" + suite + ",line=3"))
	})

	t.Run("annotates nothing when GITHUB_ACTIONS is anything but true", func(t *testing.T) {
		t.Parallel()
		r := runIn(t, t.TempDir(), []string{"GITHUB_ACTIONS=1"})
		NewWithT(t).Expect(r.stdout).NotTo(ContainSubstring("::error"))
	})
}

// TestSecrets: secrets are in none of a run's outputs, sent, received or
// expected, while the headers' presence is reported.
func TestSecrets(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	tmp := t.TempDir()
	suite := writeFile(t, tmp, "secrets.yaml", `suite: secrets
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
`)
	out := filepath.Join(tmp, "out")
	step := filepath.Join(out, "step.md")
	g.Expect(os.MkdirAll(out, 0o755)).To(Succeed())
	proc := testProcess(t, "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+step)
	r := gatecrash(t, proc, "run", "--junit", filepath.Join(out, "r.xml"), "--json", filepath.Join(out, "r.json"),
		"--markdown", filepath.Join(out, "r.md"), "--html", filepath.Join(out, "r.html"), suite)
	g.Expect(r.code).To(Equal(1), "%s", r.stdout)

	outputs := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	g.Expect(files).To(HaveLen(5))
	for _, f := range files {
		data, err := os.ReadFile(f)
		g.Expect(err).NotTo(HaveOccurred())
		outputs[filepath.Base(f)] = string(data)
	}
	for name, text := range outputs {
		for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3"} {
			g.Expect(text).NotTo(ContainSubstring(secret), "%s carries %s", name, secret)
		}
	}
	g.Expect(outputs["stdout"]).To(ContainSubstring("PASS  secrets / the cookie is relayed"))
	g.Expect(outputs["stdout"]).To(ContainSubstring(`expected Set-Cookie: "[redacted]", observed Set-Cookie: "[redacted]"`))
	g.Expect(outputs["stdout"]).To(ContainSubstring("::error"))
	g.Expect(outputs["r.json"]).To(ContainSubstring(`"observed": "Set-Cookie: \"[redacted]\""`), "the passing check says the header was there")
}
