package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
}

// gatecrash runs a command in-process with proc (nil: testProcess(t)).
func gatecrash(t testing.TB, proc *process, args ...string) result {
	t.Helper()
	if proc == nil {
		proc = testProcess(t)
	}
	var stdout, stderr output
	code := run(args, &stdout, &stderr, proc)
	return result{code, stdout.String(), stderr.String()}
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
