package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestGatewayDidNotStart: nginx with a broken template is an environment
// error that names the template's line, with its rendered config kept and
// nothing left running.
func TestGatewayDidNotStart(t *testing.T) {
	t.Parallel()
	requireTool(t, "nginx")
	g := NewWithT(t)
	tmp := t.TempDir()
	suite := withChange(t, nginxInstancesSuite, tmp, "", "") // a copy
	// A directive nginx does not know, after the {{range}} over the
	// origins: the rendered file's lines are not the template's.
	tmpl := filepath.Join(tmp, "nginx-instances.conf.tmpl")
	data, err := os.ReadFile(tmpl)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring("{{- range .Origins}}"))
	data = []byte(strings.Replace(string(data), "keepalive 32;", "keepalivez 32;", 1))
	g.Expect(os.WriteFile(tmpl, data, 0o644)).To(Succeed())
	tmplLine := 1 + strings.Count(string(data[:strings.Index(string(data), "keepalivez")]), "\n")

	proc := testProcess(t)
	laneSchedule.acquire(2)
	r := runInLane(t, proc, "run", suite)
	laneSchedule.release()
	g.Expect(r.code).To(Equal(2), "%s", r.stdout)
	out := r.stdout
	g.Expect(out).To(ContainSubstring("did not start, so none of its scenarios ran: gateway nginx did not start: it exited during start-up (exit status 1); its output:"))
	g.Expect(out).To(MatchRegexp(`unknown directive "keepalivez" in \S+/nginx-instances\.conf:\d+`))

	// "nginx-instances.conf:N is TEMPLATE:M", N the line nginx named.
	m := regexp.MustCompile(`nginx-instances\.conf:(\d+) is (\S+):(\d+)\n`).FindStringSubmatch(out)
	g.Expect(m).To(HaveLen(4), out)
	g.Expect(m[2]).To(Equal(tmpl))
	g.Expect(m[3]).To(Equal(strconv.Itoa(tmplLine)))

	kept := regexp.MustCompile(`the rendered config is kept at (\S+) \(the work dir is removed\)`).FindStringSubmatch(out)
	g.Expect(kept).To(HaveLen(2), out)
	g.Expect(kept[1]).To(HavePrefix(filepath.Join(proc.tempDir, "gatecrash-failed-nginx-over-two-origins-")), "beside the work dir")
	info, err := os.Stat(kept[1])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)))
	conf := filepath.Join(kept[1], "nginx-instances.conf")
	info, err = os.Stat(conf)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
	rendered, err := os.ReadFile(conf)
	g.Expect(err).NotTo(HaveOccurred())
	n, _ := strconv.Atoi(m[1])
	lines := strings.Split(string(rendered), "\n")
	g.Expect(n).To(BeNumerically("<", tmplLine), "the range made the rendered file shorter")
	g.Expect(strings.TrimSpace(lines[n-1])).To(Equal("keepalivez 32;"), "the line nginx named")

	// The rest of the run is released: no work dir, no nginx.
	left, _ := filepath.Glob(filepath.Join(proc.tempDir, "gatecrash-work-*"))
	g.Expect(left).To(BeEmpty())
	g.Eventually(func() []string { return mentioning(proc.tempDir) }, "10s", "100ms").Should(BeEmpty())
}

// mentioning lists the live processes whose command line or working
// directory names dir: a gateway started there, or its supervisor.
func mentioning(dir string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if strings.Contains(string(cmdline), dir) || strings.HasPrefix(cwd, dir+"/") {
			if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); strings.Contains(string(stat), ") Z ") {
				continue // a zombie: gone, not yet reaped
			}
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
