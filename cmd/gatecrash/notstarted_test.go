package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("a managed gateway that cannot start", func() {
	It("(nginx, a broken template) is an environment error naming the template's line, with its rendered config kept and nothing left running", func() {
		require("nginx")
		tmp := GinkgoT().TempDir()
		suite := withChange(nginxInstancesSuite, tmp, "", "") // a copy
		// A directive nginx does not know, after the {{range}} over the
		// origins: the rendered file's lines are not the template's.
		tmpl := filepath.Join(tmp, "nginx-instances.conf.tmpl")
		data, err := os.ReadFile(tmpl)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring("{{- range .Origins}}"))
		data = []byte(strings.Replace(string(data), "keepalive 32;", "keepalivez 32;", 1))
		Expect(os.WriteFile(tmpl, data, 0o644)).To(Succeed())
		tmplLine := 1 + strings.Count(string(data[:strings.Index(string(data), "keepalivez")]), "\n")

		s := gatecrash(tmp, "run", suite)
		Eventually(s, time.Minute).Should(gexec.Exit(2))
		out := string(s.Out.Contents())
		Expect(out).To(ContainSubstring("did not start, so none of its scenarios ran: gateway nginx did not start: it exited during start-up (exit status 1); its output:"))
		Expect(out).To(MatchRegexp(`unknown directive "keepalivez" in \S+/nginx-instances\.conf:\d+`))

		// "nginx-instances.conf:N is TEMPLATE:M", N the line nginx named.
		m := regexp.MustCompile(`nginx-instances\.conf:(\d+) is (\S+):(\d+)\n`).FindStringSubmatch(out)
		Expect(m).To(HaveLen(4), out)
		Expect(m[2]).To(Equal(tmpl))
		Expect(m[3]).To(Equal(strconv.Itoa(tmplLine)))

		kept := regexp.MustCompile(`the rendered config is kept at (\S+) \(the work dir is removed\)`).FindStringSubmatch(out)
		Expect(kept).To(HaveLen(2), out)
		Expect(kept[1]).To(HavePrefix(filepath.Join(tmp, "gatecrash-failed-nginx-over-two-origins-")))
		info, err := os.Stat(kept[1])
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)))
		conf := filepath.Join(kept[1], "nginx-instances.conf")
		info, err = os.Stat(conf)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
		rendered, err := os.ReadFile(conf)
		Expect(err).NotTo(HaveOccurred())
		n, _ := strconv.Atoi(m[1])
		lines := strings.Split(string(rendered), "\n")
		Expect(n).To(BeNumerically("<", tmplLine), "the range made the rendered file shorter")
		Expect(strings.TrimSpace(lines[n-1])).To(Equal("keepalivez 32;"), "the line nginx named")

		// The rest of the run is released: no work dir, no nginx.
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-work-*"))
		Expect(left).To(BeEmpty())
		Eventually(func() []int { return processesMentioning(tmp) }, 10*time.Second, 100*time.Millisecond).Should(BeEmpty())
	})
})
