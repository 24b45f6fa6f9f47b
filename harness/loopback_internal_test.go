package harness

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// offLoopback is TEST-NET-1: never routed, and never dialled, since the
// Control hook refuses it before the connect.
const offLoopback = "192.0.2.1:9"

// TestDialersRefuseOffLoopback checks that each way gatecrash reaches a
// gateway refuses an address off the machine at the address it dials, after
// name resolution: a single request, the readiness probe (which sends
// requests the same way) and an attached gateway's liveness check.
func TestDialersRefuseOffLoopback(t *testing.T) {
	if err := loopbackOnly("tcp", offLoopback, nil); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("loopbackOnly(%s) = %v; want a refusal", offLoopback, err)
	}
	for _, ok := range []string{"127.0.0.1:80", "127.0.0.2:80", "[::1]:80"} {
		if err := loopbackOnly("tcp", ok, nil); err != nil {
			t.Errorf("loopbackOnly(%s) = %v; want nil", ok, err)
		}
	}

	start := time.Now()
	obs := Do(context.Background(), "http://"+offLoopback, Request{Timeout: 5 * time.Second})
	if obs.ErrorKind != ErrConnect || !strings.Contains(obs.Error, "not a loopback address") {
		t.Errorf("a request to %s: %s %q; want a connect error saying it is not loopback", offLoopback, obs.ErrorKind, obs.Error)
	}

	ready := &Readiness{Within: 300 * time.Millisecond}
	err := ready.wait(context.Background(), "http://"+offLoopback, func() error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("readiness probe of %s: %v; want a refusal saying it is not loopback", offLoopback, err)
	}
	if (&Attached{Address: "http://" + offLoopback}).Alive() {
		t.Errorf("liveness of %s: alive; want refused", offLoopback)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing took %s: a connect was attempted", d)
	}
}

// TestFreePortBelowEphemeral: FreePort's ports are free, below the
// kernel's ephemeral range (where outgoing connections take theirs), and
// never the same twice.
func TestFreePortBelowEphemeral(t *testing.T) {
	low := ephemeralLow()
	seen := map[string]bool{}
	for range 50 {
		addr, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		_, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if port < lowestPort || port >= low {
			t.Fatalf("port %d: want one from %d to %d", port, lowestPort, low-1)
		}
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s is not free: %v", addr, err)
		}
		ln.Close()
	}
}
