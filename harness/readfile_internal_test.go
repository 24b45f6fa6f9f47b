package harness

import (
	"os"
	"testing"
	"time"
)

// TestReadBoundedStopsAFileThatWaits reads a pipe nobody writes to, as a
// file the poller takes that blocks (root reading /proc/kmsg): the read
// gives up after MaxReadTime instead of waiting for ever.
func TestReadBoundedStopsAFileThatWaits(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	start := time.Now()
	done := make(chan error, 1)
	go func() { _, err := readBounded(r, 1<<10); done <- err }()
	select {
	case err := <-done:
		want := "nothing more to read after 3s: expected a file that can be read at once, not one that waits (such as /proc/kmsg)"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v; want %q", err, want)
		}
		if d := time.Since(start); d < MaxReadTime || d > MaxReadTime+2*time.Second {
			t.Fatalf("gave up after %s; want %s", d, MaxReadTime)
		}
	case <-time.After(MaxReadTime + 5*time.Second):
		t.Fatal("the read still waits")
	}
}
