package main_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

const (
	builtinSuite = "../../scenarios/examples/builtin.yaml"
	nginxSuite   = "../../scenarios/examples/nginx/suite.yaml"
	junitXSD     = "../../reports/testdata/junit-10.xsd"
)

// gatecrash starts the binary with its temporary files in tmp.
func gatecrash(tmp string, args ...string) *gexec.Session {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	return s
}

// A JUnit report as CI systems read it.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
			SystemErr string `xml:"system-err"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(path string) junitReport {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var r junitReport
	Expect(xml.Unmarshal(data, &r)).To(Succeed())
	return r
}

func validateJUnit(path string) {
	require("xmllint")
	out, err := exec.Command("xmllint", "--noout", "--schema", junitXSD, path).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "xmllint: %s", out)
	Expect(string(out)).To(ContainSubstring("validates"))
}

var _ = Describe("against nginx", func() {
	var tmp string
	BeforeEach(func() {
		require("nginx")
		tmp = GinkgoT().TempDir()
	})

	It("releases every port of a run", func() {
		s := gatecrash(tmp, "run", "--label-filter", "origin-down", nginxSuite)
		run := watch(s, tmp)
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		run.expectReleased()
	})

	It("on Ctrl-C marks the scenario interrupted, writes the report and releases every process and port", func() {
		junit := filepath.Join(tmp, "junit.xml")
		s := gatecrash(tmp, "run", "--junit", junit, nginxSuite)
		run := watch(s, tmp)
		Eventually(s.Out, time.Minute).Should(gbytes.Say(`PASS  nginx reverse proxy / origin down`))
		// The second scenario waits 2s on a hung origin: interrupt it there.
		s.Signal(syscall.SIGINT)
		Eventually(s, time.Minute).Should(gexec.Exit(130))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`INTR  nginx reverse proxy / hung origin`))
		validateJUnit(junit)
		Expect(readJUnit(junit).Errors).To(BeNumerically(">=", 1))
		run.expectReleased()
	})

	It("on SIGTERM does the same as on Ctrl-C", func() {
		junit := filepath.Join(tmp, "junit.xml")
		s := gatecrash(tmp, "run", "--junit", junit, nginxSuite)
		run := watch(s, tmp)
		Eventually(s.Out, time.Minute).Should(gbytes.Say(`PASS  nginx reverse proxy / origin down`))
		s.Terminate()
		Eventually(s, time.Minute).Should(gexec.Exit(130))
		validateJUnit(junit)
		run.expectReleased()
	})

	It("leaves no gateway process when gatecrash itself is SIGKILLed", func() {
		s := gatecrash(tmp, "run", nginxSuite)
		run := watch(s, tmp)
		Eventually(s.Out, time.Minute).Should(gbytes.Say(`PASS  nginx reverse proxy / origin down`))
		s.Kill()
		Eventually(s, time.Minute).Should(gexec.Exit())
		// The supervisor gives nginx its stop grace (5s) before SIGKILL.
		for _, g := range run.groups {
			Eventually(func() []int { return processesInGroup(g) }, 20*time.Second, 100*time.Millisecond).Should(BeEmpty())
		}
		// Its work dir is left behind; the next run removes it.
		left, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-work-*"))
		Expect(left).To(HaveLen(1))
		s = gatecrash(tmp, "run", "--focus", "origin down answers 502 fast", builtinSuite)
		Eventually(s, time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Err.Contents())).To(ContainSubstring("gatecrash: removed " + left[0] + ", left behind by a gatecrash that was killed"))
		Expect(left[0]).NotTo(BeADirectory())
		left, _ = filepath.Glob(filepath.Join(tmp, "gatecrash-*"))
		Expect(left).To(BeEmpty())
	})
})

var _ = Describe("against nginx that daemonizes", func() {
	It("says the gateway daemonized, exits 2 and leaves no nginx running", func() {
		require("nginx")
		tmp := GinkgoT().TempDir()
		// The example suite with nginx's own default, daemon on.
		conf, err := os.ReadFile("../../scenarios/examples/nginx/nginx.conf.tmpl")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(conf)).To(ContainSubstring("daemon off;\n"))
		conf = bytes.Replace(conf, []byte("daemon off;\n"), nil, 1)
		Expect(os.WriteFile(filepath.Join(tmp, "nginx.conf.tmpl"), conf, 0o644)).To(Succeed())
		suite, err := os.ReadFile(nginxSuite)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(tmp, "suite.yaml"), suite, 0o644)).To(Succeed())

		s := gatecrash(tmp, "run", "--label-filter", "origin-down", filepath.Join(tmp, "suite.yaml"))
		Eventually(s, time.Minute).Should(gexec.Exit(2))
		Expect(string(s.Err.Contents()) + string(s.Out.Contents())).To(ContainSubstring(
			"daemonized: its command must stay in the foreground, e.g. nginx -g 'daemon off;'"))
		Eventually(func() []int { return processesMentioning(tmp) }, 10*time.Second, 100*time.Millisecond).Should(BeEmpty(),
			"no nginx of this run is left")
	})
})

// processesMentioning lists the live processes whose command line or
// working directory holds s (nginx's workers rename themselves).
func processesMentioning(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		cwd, _ := os.Readlink("/proc/" + e.Name() + "/cwd")
		if err == nil && (bytes.Contains(cmdline, []byte(s)) || strings.Contains(cwd, s)) && !bytes.Contains(stat, []byte(") Z ")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// startedRun is what a running gatecrash holds: its gateway's process
// groups and the loopback ports it listens on.
type startedRun struct {
	groups []int
	ports  []string
}

// watch waits until the session has started its nginx and notes its
// process groups and ports.
func watch(s *gexec.Session, tmp string) startedRun {
	groups := gatewayGroups(s)
	Expect(groups).NotTo(BeEmpty(), "saw the gateway's process group")
	return startedRun{groups: groups, ports: renderedPorts(tmp)}
}

// expectReleased checks that no process of the gateway's groups is left and
// that nothing listens on the run's ports any more.
func (r startedRun) expectReleased() {
	for _, g := range r.groups {
		Expect(processesInGroup(g)).To(BeEmpty(), "process group %d is gone", g)
	}
	for _, p := range r.ports {
		_, err := net.DialTimeout("tcp", p, time.Second)
		Expect(err).To(MatchError(ContainSubstring("connection refused")), "port %s released", p)
	}
}

// gatewayGroups waits until the session has started its gateway and returns
// the process groups of its children (the supervisors of managed gateways).
func gatewayGroups(s *gexec.Session) []int {
	var groups []int
	Eventually(func() []int {
		groups = childGroups(s)
		return groups
	}, time.Minute, 20*time.Millisecond).ShouldNot(BeEmpty())
	return groups
}

// childGroups is the process groups of the session's live children, each
// in a group of its own (the supervisors of managed gateways), as now.
func childGroups(s *gexec.Session) []int {
	var groups []int
	all := procs()
	own := -1 // gatecrash's own group
	for _, p := range all {
		if p.pid == s.Command.Process.Pid {
			own = p.pgid
		}
	}
	for _, p := range all {
		// A child seen between its fork and its setpgid is still in
		// gatecrash's group (a busy machine widens that moment): wait
		// for the group of its own.
		if p.ppid == s.Command.Process.Pid && p.state != "Z" && p.pgid != own {
			groups = append(groups, p.pgid)
			groupLeaders.Store(p.pgid, p.start)
		}
	}
	return groups
}

// groupLeaders holds the start time of each group's leader as seen, so
// that a group id the kernel hands out again (pids wrap at 32768 here) is
// not taken for the gateway's.
var groupLeaders sync.Map

type proc struct {
	pid, ppid, pgid int
	state           string
	start           uint64 // clock ticks after boot
}

// procs reads every process's parent and group from /proc.
func procs() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces.
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) < 3 {
			continue
		}
		if len(fields) < 20 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		pgid, _ := strconv.Atoi(fields[2])
		start, _ := strconv.ParseUint(fields[19], 10, 64)
		out = append(out, proc{pid: pid, ppid: ppid, pgid: pgid, state: fields[0], start: start})
	}
	return out
}

// processesInGroup lists the live (not zombie) processes of a group.
func processesInGroup(pgid int) []int {
	seen, _ := groupLeaders.Load(pgid)
	all := procs()
	for _, p := range all {
		// Linux gives out a group's id again only once the group is empty:
		// a different process leading it means ours are all gone.
		if started, ok := seen.(uint64); ok && p.pid == pgid && p.start != started {
			return nil
		}
	}
	var pids []int
	for _, p := range all {
		if p.pgid == pgid && p.state != "Z" {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// renderedPorts reads the addresses gatecrash rendered into the nginx
// config in its work dir under tmp: gateway, origin (proxy) and DNS.
func renderedPorts(tmp string) []string {
	var conf []byte
	Eventually(func() error {
		matches, _ := filepath.Glob(filepath.Join(tmp, "gatecrash-*", "nginx.conf"))
		if len(matches) != 1 {
			return fmt.Errorf("expected one rendered nginx.conf, found %d", len(matches))
		}
		var err error
		conf, err = os.ReadFile(matches[0])
		return err
	}, time.Minute, 20*time.Millisecond).Should(Succeed())
	var ports []string
	for _, re := range []string{`listen (127\.0\.0\.1:\d+);`, `resolver (127\.0\.0\.1:\d+) `, `set \$origin "[^:]+:(\d+)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(string(conf))
		Expect(m).To(HaveLen(2), re)
		if !strings.Contains(m[1], ":") {
			m[1] = "127.0.0.1:" + m[1]
		}
		ports = append(ports, m[1])
	}
	return ports
}

// writeSuite writes a suite file into dir.
func writeSuite(dir, name, text string) string {
	path := filepath.Join(dir, name)
	Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
	return path
}
