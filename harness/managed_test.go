package harness_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

var _ = Describe("a managed gateway", func() {
	start := func(ctx context.Context, g *harness.Managed) error {
		env, err := harness.Start(ctx, harness.Config{Gateway: g, WorkDir: GinkgoT().TempDir()})
		if err == nil {
			DeferCleanup(env.Close)
		}
		return err
	}

	It("that exits during start-up is an error that shows its output", func(ctx SpecContext) {
		err := start(ctx, &harness.Managed{
			Command: []string{"sh", "-c", "echo 'bad directive at line 3' >&2; exit 1"},
			Ready:   &harness.Readiness{Within: 10 * time.Second},
		})
		Expect(err).To(MatchError(And(
			ContainSubstring("gateway sh did not start: it exited during start-up (exit status 1); its output:\n"),
			ContainSubstring("bad directive at line 3"),
		)))
	})

	It("that never gets ready fails its readiness probe by the deadline and is stopped", func(ctx SpecContext) {
		pidFile := filepath.Join(GinkgoT().TempDir(), "pid")
		begin := time.Now()
		err := start(ctx, &harness.Managed{
			Label:   "sleeper",
			Command: []string{"sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60"},
			Ready:   &harness.Readiness{Path: "/healthz", Within: 700 * time.Millisecond},
		})
		Expect(err).To(MatchError(ContainSubstring("gateway sleeper did not start: readiness probe http://127.0.0.1:")))
		Expect(err).To(MatchError(ContainSubstring("/healthz: expected any HTTP answer within 700ms, last saw no status")))
		Expect(time.Since(begin)).To(BeNumerically("<", 10*time.Second))
		pid, err := os.ReadFile(pidFile)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() bool {
			_, err := os.Stat("/proc/" + string(pid[:len(pid)-1]))
			return os.IsNotExist(err)
		}, 10*time.Second).Should(BeTrue(), "the gateway process is gone")
	})

	It("renders its templates and command with the environment's addresses", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		tmpl := filepath.Join(dir, "gw.conf.tmpl")
		Expect(os.WriteFile(tmpl, []byte("listen {{.Listen}}\nupstream {{.OriginName}}:{{.OriginPort}} via {{.DNS}}\n"), 0o644)).To(Succeed())
		g := &harness.Managed{Command: []string{"gw", "-c", "{{.WorkDir}}/gw.conf"}, Templates: []string{tmpl}}
		a := harness.Addresses{Listen: "127.0.0.1:1", OriginName: "o.test", OriginPort: "2", DNS: "127.0.0.1:3", WorkDir: "/w"}
		argv, files, err := g.Render(a)
		Expect(err).NotTo(HaveOccurred())
		Expect(argv).To(Equal([]string{"gw", "-c", "/w/gw.conf"}))
		Expect(files).To(HaveKeyWithValue("gw.conf", []byte("listen 127.0.0.1:1\nupstream o.test:2 via 127.0.0.1:3\n")))
	})

	It("that is not installed is an error naming the command", func(ctx SpecContext) {
		err := start(ctx, &harness.Managed{Command: []string{"gatecrash-no-such-gateway"}})
		Expect(err).To(MatchError(ContainSubstring(`command "gatecrash-no-such-gateway"`)))
	})
})

var _ = Describe("a managed gateway that daemonizes", func() {
	// daemon is a shell command that starts a process in a session of its
	// own (as a daemon's setsid does) that writes its pid to pidFile.
	daemon := func(pidFile string) string {
		return `setsid sh -c 'echo $$ > ` + pidFile + `; exec sleep 300' </dev/null >/dev/null 2>&1 &`
	}
	gone := func(pidFile string) {
		GinkgoHelper()
		Eventually(func() []byte { b, _ := os.ReadFile(pidFile); return b }).ShouldNot(BeEmpty())
		pid, err := os.ReadFile(pidFile)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() bool {
			stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
			// A zombie is gone too: only its parent's wait is missing.
			return os.IsNotExist(err) || strings.Contains(string(stat), ") Z ")
		}, 10*time.Second).Should(BeTrue(), "the daemonized process %s is gone", pid)
	}

	It("at start-up is reported as such, and nothing is left running", func(ctx SpecContext) {
		pidFile := filepath.Join(GinkgoT().TempDir(), "pid")
		_, err := harness.Start(ctx, harness.Config{WorkDir: GinkgoT().TempDir(), Gateway: &harness.Managed{
			Label:   "daemon",
			Command: []string{"sh", "-c", daemon(pidFile) + " sleep 0.2; exit 0"},
			Ready:   &harness.Readiness{Within: 10 * time.Second},
		}})
		Expect(err).To(MatchError(ContainSubstring("gateway daemon did not start: it daemonized: its command must stay in the foreground, e.g. nginx -g 'daemon off;'; gatecrash stopped it")))
		gone(pidFile)
	})

	It("while its command stays in the foreground has the daemon stopped with it", func(ctx SpecContext) {
		pidFile := filepath.Join(GinkgoT().TempDir(), "pid")
		_, err := harness.Start(ctx, harness.Config{WorkDir: GinkgoT().TempDir(), Gateway: &harness.Managed{
			Label:   "half-daemon",
			Command: []string{"sh", "-c", daemon(pidFile) + " exec sleep 60"},
			Ready:   &harness.Readiness{Within: 700 * time.Millisecond},
		}})
		Expect(err).To(MatchError(ContainSubstring("readiness probe")))
		gone(pidFile)
	})
})

var _ = Describe("a managed gateway's files", func() {
	It("are rendered readable by their owner only, and its logs must stay in the work dir", func(ctx SpecContext) {
		dir, work := GinkgoT().TempDir(), GinkgoT().TempDir()
		tmpl := filepath.Join(dir, "gw.conf.tmpl")
		Expect(os.WriteFile(tmpl, []byte("secret {{.Listen}}\n"), 0o644)).To(Succeed())
		_, err := harness.Start(ctx, harness.Config{WorkDir: work, Gateway: &harness.Managed{
			Command: []string{"sh", "-c", "exit 1"}, Templates: []string{tmpl},
		}})
		Expect(err).To(MatchError(ContainSubstring("exited during start-up")))
		info, err := os.Stat(filepath.Join(work, "gw.conf"))
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))

		_, err = harness.Start(ctx, harness.Config{WorkDir: work, Gateway: &harness.Managed{
			Command: []string{"sh", "-c", "exec sleep 60"}, LogFiles: []string{"{{.WorkDir}}/../shadow"},
		}})
		Expect(err).To(MatchError(ContainSubstring("is outside the work dir")))
	})
})

var _ = Describe("a managed gateway that does not start", func() {
	// A gateway that names a line of its rendered config and exits, as
	// nginx does: "unknown directive ... in WORKDIR/gw.conf:4".
	broken := func(tmpl string) *harness.Managed {
		return &harness.Managed{
			Label:      "gw",
			Command:    []string{"sh", "-c", "echo 'unknown directive \"bogus\" in {{.WorkDir}}/gw.conf:4' >&2; exit 1"},
			Templates:  []string{tmpl},
			Ready:      &harness.Readiness{Within: 10 * time.Second},
			KeepConfig: "my suite",
		}
	}
	var tmp, tmpl string
	BeforeEach(func() {
		tmp = GinkgoT().TempDir()
		// The work dir and the kept config are made here.
		GinkgoT().Setenv("TMPDIR", tmp)
		tmpl = filepath.Join(GinkgoT().TempDir(), "gw.conf.tmpl")
		// Line 5 of the template is line 4 of the rendered file: the
		// range over two origins makes two lines of three.
		Expect(os.WriteFile(tmpl, []byte("# {{.Listen}}\n{{- range .Origins}}\nserver {{.}};\n{{- end}}\nbogus on;\n"), 0o644)).To(Succeed())
	})

	It("keeps its rendered config, names it and the template's line, and releases the rest", func(ctx SpecContext) {
		_, err := harness.Start(ctx, harness.Config{Instances: 2, Gateway: broken(tmpl)})
		var se *harness.StartError
		Expect(errors.As(err, &se)).To(BeTrue(), "a StartError: %v", err)
		Expect(se.Kept).To(HavePrefix(filepath.Join(tmp, "gatecrash-failed-my-suite-")))
		Expect(err.Error()).To(And(
			HavePrefix("gateway gw did not start: it exited during start-up (exit status 1); its output:\n  unknown directive \"bogus\" in "),
			ContainSubstring("\ngw.conf:4 is "+tmpl+":5\n"),
			HaveSuffix("\nthe rendered config is kept at "+se.Kept+" (the work dir is removed)"),
		))
		info, err := os.Stat(se.Kept)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o700)))
		kept, err := os.ReadFile(filepath.Join(se.Kept, "gw.conf"))
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Split(string(kept), "\n")[3]).To(Equal("bogus on;"))
		info, err = os.Stat(filepath.Join(se.Kept, "gw.conf"))
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)))
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-work-*"))
		Expect(left).To(BeEmpty(), "the work dir is removed")
	})

	It("keeps nothing when not asked to, or when the start was cancelled", func(ctx SpecContext) {
		g := broken(tmpl)
		g.KeepConfig = ""
		_, err := harness.Start(ctx, harness.Config{Instances: 2, Gateway: g})
		Expect(err).To(MatchError(ContainSubstring("gw.conf:4 is " + tmpl + ":5")))
		Expect(err).NotTo(MatchError(ContainSubstring("kept")))

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = harness.Start(cancelled, harness.Config{Instances: 2, Gateway: broken(tmpl)})
		Expect(err).To(HaveOccurred())
		Expect(err).NotTo(MatchError(ContainSubstring("kept")))

		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
		Expect(left).To(BeEmpty())
	})
})
