package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// The example suites of the real gateways, in-process and side by side:
// they mostly wait on the gateways' timeouts, and one after the other they
// took minutes. Each run's gateways are found by their supervisors' work
// dirs, in the run's own temp dir, and must leave no process behind.

// realGateway is one of the example gateways, with a wrong expectation to
// plant in its suite and the line of its own log that must explain it.
type realGateway struct {
	name, command, suite string
	// old and new: the edit that makes the first origin-down scenario
	// wrong (none: only the suite's passing run is checked).
	old, new string
	// failure is the expected-against-observed line; log the gateway's line.
	failure, log string
	// alone: the suite runs with no other in-process run beside it. Its
	// loads' max latency of 500ms holds on a loaded machine, not beside
	// another suite's gateway as well.
	alone bool
}

var realGateways = []realGateway{
	{"nginx", "nginx", nginxSuite, "status: 502\n      within: 500ms", "status: 503\n      within: 500ms",
		"expected status 503, observed status 502", `connect\(\) failed \(111: Connection refused\) while connecting to upstream`, false},
	{"apache", "apache2", "../../scenarios/examples/apache/suite.yaml", "status: 503\n      within: 500ms", "status: 502\n      within: 500ms",
		"expected status 502, observed status 503", `AH00957: http: attempt to connect to 127\.0\.0\.1:\d+ .* failed`, false},
	{"caddy", "caddy", caddySuite, "status: 502\n      within: 500ms", "status: 503\n      within: 500ms",
		"expected status 503, observed status 502", `connect: connection refused`, false},
	{"caddy", "caddy", "../../scenarios/examples/caddy/instances.yaml", "", "", "", "", true},
	{"haproxy", "haproxy", "../../scenarios/examples/haproxy/suite.yaml", "status: 503\n      within: 500ms", "status: 502\n      within: 500ms",
		"expected status 502, observed status 503", `gw origin/origin 0/0/-1/-1/\d+ 503 \d+ - - SC--`, false},
	{"haproxy", "haproxy", "../../scenarios/examples/haproxy/instances.yaml", "", "", "", "", false},
	{"haproxy", "haproxy", "../../scenarios/examples/haproxy/h2tls.yaml", "", "", "", "", false},
	{"nginx", "nginx", nginxInstancesSuite, "", "", "", "", true},
	{"haproxy", "haproxy", "../../scenarios/examples/haproxy/h2.yaml", "", "", "", "", false},
	{"caddy", "caddy", "../../scenarios/examples/caddy/h2.yaml", "", "", "", "", false},
	{"apache", "apache2", "../../scenarios/examples/apache/h2.yaml", "", "", "", "", false},
	{"nginx", "nginx", "../../scenarios/examples/nginx/grpc.yaml", "", "", "", "", false},
	{"nginx", "nginx", "../../scenarios/examples/nginx/h2-client.yaml", "", "", "", "", false},
	{"nginx", "nginx", "../../scenarios/examples/nginx/streams.yaml", "", "", "", "", false},
	{"apache", "apache2", "../../scenarios/examples/apache/streams.yaml", "", "", "", "", false},
}

// realSeconds is about how long each example suite runs, one scenario
// after the other, on an idle machine: the longest get lanes first.
var realSeconds = map[string]float64{"nginx": 62, "haproxy": 62, "caddy": 50, "apache": 25}

func TestRealGateways(t *testing.T) {
	t.Parallel()
	for _, gw := range realGateways {
		name := gw.name + " " + filepath.Base(gw.suite)
		t.Run(name+": passes its example suite, a valid JUnit, and leaves no process behind", func(t *testing.T) {
			t.Parallel()
			testRealSuite(t, gw)
		})
		if gw.old != "" {
			t.Run(name+": fails a wrong expectation with expected against observed and the gateway's own log line", func(t *testing.T) {
				t.Parallel()
				testRealFailure(t, gw)
			})
		}
	}
}

// testRealSuite runs a real gateway's example suite: it passes, and its
// gateways leave no process behind.
func testRealSuite(t *testing.T, gw realGateway) {
	requireTool(t, gw.command)
	g := NewWithT(t)
	proc := testProcess(t)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	seconds := 6.0 // the instances suites
	if filepath.Base(gw.suite) == "suite.yaml" {
		seconds = realSeconds[gw.name]
	}
	n := 1
	if gw.alone {
		n = lanes
	}
	laneSchedule.acquireLanes(seconds, n)
	defer laneSchedule.releaseLanes(n)
	groups := watchGroups(t, proc.tempDir)
	r := runInLane(t, proc, "run", "--junit", junit, gw.suite)
	seen := groups()
	g.Expect(r.code).To(Equal(0), "%s", notPassed(r.stdout))
	g.Expect(r.stdout).To(MatchRegexp(`\d+ scenarios: ` + passedRE + `, 0 failed, 0 errors, \d+ skipped, 0 interrupted`))
	g.Expect(regexp.MustCompile(`(?m)^PASS `).FindAllString(r.stdout, -1)).NotTo(BeEmpty())
	validJUnit(t, junit)
	expectGone(t, seen)
}

// testRealFailure runs a real gateway's example suite with a wrong
// expectation: it fails with expected against observed and the gateway's
// own log line, and its gateway leaves no process behind.
func testRealFailure(t *testing.T, gw realGateway) {
	requireTool(t, gw.command)
	g := NewWithT(t)
	proc := testProcess(t)
	tmp := t.TempDir()
	suite := withChange(t, gw.suite, tmp, gw.old, gw.new)
	junit := filepath.Join(tmp, "junit.xml")
	laneSchedule.acquire(3)
	defer laneSchedule.release()
	groups := watchGroups(t, proc.tempDir)
	r := runInLane(t, proc, "run", "--junit", junit, "--label-filter", "origin-down", suite)
	seen := groups()
	g.Expect(r.code).To(Equal(1), "%s", r.stdout)
	saysInOrder(t, r.stdout, `FAIL  `, regexp.QuoteMeta(gw.failure), `gateway log \(`+gw.name+`\):`, gw.log)
	c := validJUnit(t, junit).Suites[0].Cases[0]
	g.Expect(c.Failure.Message).To(ContainSubstring(gw.failure))
	g.Expect(c.SystemErr).To(MatchRegexp(gw.log))
	expectGone(t, seen)
}

// group is a process group as seen: its id and its leader's start time,
// so that an id the kernel hands out again (pids wrap) is not taken for it.
type group struct {
	id    int
	start uint64
}

// watchGroups notes, from now until the returned function is called, the
// process groups of this process's children whose working directory is in
// dir: the supervisors of the managed gateways that a run in-process with
// its temp dir in dir starts (each leads a group of its own, in its work
// dir). The function returns them; none seen fails the test.
func watchGroups(t testing.TB, dir string) func() []group {
	t.Helper()
	var mu sync.Mutex
	seen := map[group]bool{}
	stop, done := make(chan struct{}), make(chan struct{})
	look := func() {
		for _, p := range procs() {
			if p.ppid != os.Getpid() || p.pgid != p.pid || p.state == "Z" {
				continue
			}
			if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p.pid)); err == nil && strings.HasPrefix(cwd, dir+"/") {
				mu.Lock()
				seen[group{p.pgid, p.start}] = true
				mu.Unlock()
			}
		}
	}
	go func() {
		defer close(done)
		for {
			look()
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() []group {
		t.Helper()
		close(stop)
		<-done
		var groups []group
		for g := range seen {
			groups = append(groups, g)
		}
		if len(groups) == 0 {
			t.Errorf("saw no gateway's process group in %s", dir)
		}
		return groups
	}
}

// expectGone fails the test for each group that still has a live process.
func expectGone(t testing.TB, groups []group) {
	t.Helper()
	for _, g := range groups {
		if left := processesInGroup(g); len(left) > 0 {
			t.Errorf("process group %d is not gone: %v", g.id, left)
		}
	}
}

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
func processesInGroup(g group) []int {
	all := procs()
	for _, p := range all {
		// Linux gives out a group's id again only once the group is empty:
		// a different process leading it means ours are all gone.
		if p.pid == g.id && p.start != g.start {
			return nil
		}
	}
	var pids []int
	for _, p := range all {
		if p.pgid == g.id && p.state != "Z" {
			pids = append(pids, p.pid)
		}
	}
	return pids
}
