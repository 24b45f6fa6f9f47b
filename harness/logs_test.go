package harness

import (
	"os"
	"path/filepath"
	"testing"
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
