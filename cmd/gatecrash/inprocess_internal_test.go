package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// These helpers run gatecrash's commands in-process, as main does but with
// a process of the test's own: tests that need no real process (no
// signal, no process group, no terminal of the kernel's) call run directly
// and run side by side (t.Parallel).

// testProcess is a process for a command a test runs: an environment that
// holds only env ("NAME=value"), a stdout that is no terminal, a temp dir
// of the test's own, and no interrupt.
func testProcess(t testing.TB, env ...string) *process {
	t.Helper()
	// Short, unlike t.TempDir's: a gateway's unix socket in a work dir in
	// it must fit in 108 bytes (HAProxy's stats socket).
	tmp, err := os.MkdirTemp("", "gc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	vars := map[string]string{}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		vars[name] = value
	}
	return &process{
		getenv:     func(name string) string { return vars[name] },
		columns:    func() int { return 0 },
		tempDir:    tmp,
		interrupts: func() (context.Context, func()) { return context.Background(), func() {} },
	}
}

// onTerminal makes proc's stdout a terminal cols columns wide (0: one that
// does not say), as a pseudo-terminal would be.
func (p *process) onTerminal(cols int) *process {
	p.terminal = true
	p.columns = func() int { return cols }
	return p
}

// interruptible gives proc an interrupt that the returned cancel sends.
func (p *process) interruptible() (cancel func()) {
	ctx, cancel := context.WithCancel(context.Background())
	p.interrupts = func() (context.Context, func()) { return ctx, func() {} }
	return cancel
}

// output is what a command wrote, readable while it writes.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// result is how a command ended.
type result struct {
	code           int
	stdout, stderr string
	// took is how long the command ran, once it had a lane.
	took time.Duration
}

// gatecrash runs a command in-process with proc (nil: testProcess(t)).
// A run or a probe, which starts environments, waits for a lane first.
func gatecrash(t testing.TB, proc *process, args ...string) result {
	t.Helper()
	return runFor(t, 1, proc, args...)
}

// runFor is gatecrash for a run or probe expected to take about seconds
// on an idle machine: the longest get the lanes first.
func runFor(t testing.TB, seconds float64, proc *process, args ...string) result {
	t.Helper()
	return runAlone(t, seconds, 1, proc, args...)
}

// runAlone is runFor taking n lanes: n = lanes runs it with no other
// in-process run beside it (a load, or workers of its own).
func runAlone(t testing.TB, seconds float64, n int, proc *process, args ...string) result {
	t.Helper()
	if proc == nil {
		proc = testProcess(t)
	}
	if len(args) > 0 && (args[0] == "run" || args[0] == "probe") {
		laneSchedule.acquireLanes(seconds, n)
		defer laneSchedule.releaseLanes(n)
	}
	return runInLane(t, proc, args...)
}

// runInLane is gatecrash for a caller that holds a lane.
func runInLane(t testing.TB, proc *process, args ...string) result {
	t.Helper()
	var stdout, stderr output
	start := time.Now()
	code := run(args, &stdout, &stderr, proc)
	return result{code, stdout.String(), stderr.String(), time.Since(start)}
}

// leftovers lists the temporary directories (work dirs) in proc's temp
// dir: none must be left once a command ends.
func leftovers(proc *process) []string {
	left, _ := filepath.Glob(filepath.Join(proc.tempDir, "gatecrash-*"))
	return left
}

// writeFile writes a file into dir and returns its path.
func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lanes is how many in-process runs and probes go at once, beside the
// specs that exec gatecrash (main_suite_test.go) and the tests that start
// nothing: their scenarios have time bounds (within 500ms, a p50 or a max
// latency under a load, a probe's times that its baseline pins), and on a
// loaded machine with two cores three at once already starve each other
// past them now and then.
const lanes = 2

// laneSchedule hands out the lanes, the longest expected run first, so
// that the long runs (a real gateway's example suite) start at once and
// the short ones fill in around them.
var laneSchedule = &scheduler{free: lanes}

// scheduler is a counting semaphore whose waiters are let in longest
// first. It hands out nothing for a moment after the first request, so
// that the tests started together are all waiting to be ordered.
type scheduler struct {
	mu      sync.Mutex
	free    int
	started bool // the first request came
	open    bool // gather has passed since
	waiting []*laneWaiter
}

type laneWaiter struct {
	seconds float64
	lanes   int // how many it takes
	ready   chan struct{}
}

// gather is how long the first request waits for the others.
const gather = 200 * time.Millisecond

func (s *scheduler) acquire(seconds float64) { s.acquireLanes(seconds, 1) }

// acquireLanes waits for n lanes at once: a run whose own workers, or a
// load, keep the cores busy takes them all.
func (s *scheduler) acquireLanes(seconds float64, n int) {
	w := &laneWaiter{seconds, min(n, lanes), make(chan struct{})}
	s.mu.Lock()
	s.waiting = append(s.waiting, w)
	if !s.started {
		s.started = true
		time.AfterFunc(gather, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.open = true
			s.dispatch()
		})
	} else {
		s.dispatch()
	}
	s.mu.Unlock()
	<-w.ready
}

func (s *scheduler) release() { s.releaseLanes(1) }

func (s *scheduler) releaseLanes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free += min(n, lanes)
	s.dispatch()
}

// dispatch lets in the longest waiters while they have the lanes they
// take; s.mu held. The longest waits for its lanes: none overtakes it.
func (s *scheduler) dispatch() {
	for s.open && len(s.waiting) > 0 {
		longest := 0
		for i, w := range s.waiting {
			if w.seconds > s.waiting[longest].seconds {
				longest = i
			}
		}
		w := s.waiting[longest]
		if w.lanes > s.free {
			return
		}
		s.waiting = append(s.waiting[:longest], s.waiting[longest+1:]...)
		s.free -= w.lanes
		close(w.ready)
	}
}
