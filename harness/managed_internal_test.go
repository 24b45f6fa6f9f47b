package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForgottenSupervisor: a program re-executed to supervise a gateway
// that does not call RunSupervisorIfAsked makes Start fail with an error
// that says what to call, at once when it exits, after the handshake's
// bound when it runs on; and is stopped.
func TestForgottenSupervisor(t *testing.T) {
	trueBin, err := exec.LookPath("true")
	if err != nil {
		t.Skip("true is not installed")
	}
	runsOn := filepath.Join(t.TempDir(), "runs-on")
	pidFile := filepath.Join(t.TempDir(), "pid")
	if err := os.WriteFile(runsOn, []byte("#!/bin/sh\necho $$ > "+pidFile+"\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, self, why string
	}{
		{"exits", trueBin, "exited without acting as one"},
		{"runs on", runsOn, "did not say it supervises within 500ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &Managed{Command: []string{"sh", "-c", "exec sleep 60"}, self: c.self, handshake: 500 * time.Millisecond}
			begin := time.Now()
			err := g.Start(context.Background(), Addresses{Listen: "127.0.0.1:1", WorkDir: t.TempDir()})
			if err == nil {
				_ = g.Stop()
				t.Fatal("Start succeeded")
			}
			for _, want := range []string{c.self + ", re-executed to supervise it (GATECRASH_SUPERVISE=1), " + c.why, "harness.RunSupervisorIfAsked()"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\nwant it to contain %q", err, want)
				}
			}
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("Start took %s", took)
			}
			select {
			case <-g.done:
			default:
				t.Error("the re-executed program is still running")
			}
		})
	}
}

// TestStartInAnUnactedSupervisor: a process started to supervise that ran
// on instead starts no gateway of its own (which would re-execute it
// again, without end).
func TestStartInAnUnactedSupervisor(t *testing.T) {
	t.Setenv(superviseEnv, "1")
	g := &Managed{Command: []string{"sh", "-c", "exec sleep 60"}}
	err := g.Start(context.Background(), Addresses{Listen: "127.0.0.1:1", WorkDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "did not act as one") || !strings.Contains(err.Error(), "RunSupervisorIfAsked") {
		t.Errorf("Start: %v; want the refusal of a process that did not act as supervisor", err)
	}
	if g.cmd != nil {
		t.Error("a command was started")
	}
}
