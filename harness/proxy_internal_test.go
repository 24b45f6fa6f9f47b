package harness

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestProxyHoldsItsPortWhileDown: while the proxy is down (or
// blackholed) nothing else can bind its port, a connect's ephemeral port
// included, and a connect to it is refused; Up takes it back at once.
func TestProxyHoldsItsPortWhileDown(t *testing.T) {
	origin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()
	p, err := StartProxy("127.0.0.1:0", origin.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	port := p.proxy.Listen
	local, err := net.ResolveTCPAddr("tcp", port)
	if err != nil {
		t.Fatal(err)
	}
	// A connect from the proxy's port, as the kernel might pick it for
	// any connect on the machine.
	takePort := func() error {
		d := net.Dialer{LocalAddr: local, Timeout: time.Second}
		c, err := d.Dial("tcp", origin.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	}
	for _, down := range []struct {
		name string
		do   func() error
	}{
		{"down", func() error { p.Down(); return nil }},
		{"blackholed", p.Blackhole},
	} {
		if err := down.do(); err != nil {
			t.Fatalf("%s: %v", down.name, err)
		}
		if err := takePort(); !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("%s: a connect from the proxy's port: got %v, want address in use", down.name, err)
		}
		if down.name == "down" {
			if c, err := net.DialTimeout("tcp", port, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
				if c != nil {
					c.Close()
				}
				t.Errorf("down: a connect to the proxy: got %v, want refused", err)
			}
		}
		if err := p.Up(); err != nil {
			t.Fatalf("up after %s: %v", down.name, err)
		}
		if p.reserved != nil {
			t.Errorf("up after %s: the port is still held", down.name)
		}
		c, err := net.DialTimeout("tcp", port, time.Second)
		if err != nil {
			t.Fatalf("up after %s: %v", down.name, err)
		}
		c.Close()
	}
}
