package harness

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// A managed gateway binds its own listening port, so gatecrash can only
// pick one that is free and hand it over: between the two, another socket
// may take it. The ports the kernel hands out on its own (an outgoing
// connection's local port, a listener on port 0) come from its ephemeral
// range, which loopback traffic under test churns through; FreePort picks
// below that range, where only an explicit bind lands, and never hands out
// the same port twice in a process while others are left.

// freePorts remembers the ports FreePort handed out.
var freePorts = struct {
	sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// lowestPort is the lowest port FreePort picks: above the well-known and
// most registered service ports.
const lowestPort = 10000

// ephemeralLow is the start of the kernel's ephemeral port range
// (net.ipv4.ip_local_port_range), or Linux's default when it cannot be read.
func ephemeralLow() int {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				return n
			}
		}
	}
	return 32768
}

// FreePort returns a loopback address with a port that was free a moment
// ago, below the kernel's ephemeral range when there is room there (else
// one the kernel picks).
func FreePort() (string, error) {
	high := ephemeralLow()
	if high-lowestPort >= 1000 {
		freePorts.Lock()
		defer freePorts.Unlock()
		if len(freePorts.given) > (high-lowestPort)/2 {
			clear(freePorts.given)
		}
		for range 200 {
			port := lowestPort + rand.IntN(high-lowestPort)
			if freePorts.given[port] {
				continue
			}
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				continue
			}
			ln.Close()
			freePorts.given[port] = true
			return ln.Addr().String(), nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
