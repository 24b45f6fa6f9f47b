package harness

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLogWindows reads output and a log file by windows, as a scenario
// does: only what came after the mark, file lines named, a truncated
// (rotated) file read from its start.
func TestLogWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l := &logSources{files: []string{path}}
	write := func(s string) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = l.Write([]byte("starting\n"))
	write("[notice] ready\n")
	_, mark := l.since(nil)

	_, _ = l.Write([]byte("worker exited\n"))
	write("[error] connect() failed\n")
	got, mark := l.since(mark)
	if want := "worker exited\nerror.log: [error] connect() failed\n"; got != want {
		t.Fatalf("window:\n%q\nwant\n%q", got, want)
	}
	if got, _ := l.since(mark); got != "" {
		t.Fatalf("nothing new, got %q", got)
	}
	if err := os.WriteFile(path, []byte("[notice] reopened\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.since(mark); got != "error.log: [notice] reopened\n" {
		t.Fatalf("after truncation, got %q", got)
	}
	if got := l.all(); got != "starting\nworker exited\nerror.log: [notice] reopened\n" {
		t.Fatalf("all: %q", got)
	}
}

// TestLogNotAFile reads nothing, at once, from a log file that is a named
// pipe or a device: reading either would block or never end.
func TestLogNotAFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "access.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	l := &logSources{files: []string{fifo, "/dev/zero"}}
	done := make(chan string, 1)
	go func() { done <- l.all() }()
	select {
	case got := <-done:
		if got != "" {
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading a named pipe as a log blocked")
	}
}
