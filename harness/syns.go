package harness

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// synWatch counts the TCP connects (SYNs) made on loopback to the origin's
// port, whatever the address: the connects nothing accepts (refused,
// blackholed, sent elsewhere by DNS) included, which the origin cannot see.
// It needs a packet socket on lo, so CAP_NET_RAW (root); without it there is
// none, and such attempts are reported as not observable.
type synWatch struct {
	file  *os.File
	raw   syscall.RawConn
	ports map[uint16]bool

	mu      sync.Mutex
	syns    []synEvent
	seen    map[synKey]time.Time // retransmitted SYNs count once
	drained time.Time            // when the socket's queue was last found empty
}

type synKey struct{ src, dst netip.AddrPort }

type synEvent struct {
	at  time.Time
	dst netip.AddrPort
}

// maxSYNs bounds the SYNs a watch keeps between resets, synRetransmit how
// long a retransmitted SYN is taken for the same connect.
const (
	maxSYNs       = 1 << 16
	synRetransmit = 3 * time.Minute
)

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// synFilter passes IPv4 TCP segments with SYN set and ACK clear (the first
// of a connect), first fragments only: classic BPF on the IP header.
var synFilter = []syscall.SockFilter{
	*syscall.LsfStmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_ABS, 9),              // IP protocol
	*syscall.LsfJump(syscall.BPF_JMP|syscall.BPF_JEQ|syscall.BPF_K, 6, 0, 7),       // TCP, or drop
	*syscall.LsfStmt(syscall.BPF_LD|syscall.BPF_H|syscall.BPF_ABS, 6),              // flags and fragment offset
	*syscall.LsfJump(syscall.BPF_JMP|syscall.BPF_JSET|syscall.BPF_K, 0x1fff, 5, 0), // a later fragment: drop
	*syscall.LsfStmt(syscall.BPF_LDX|syscall.BPF_B|syscall.BPF_MSH, 0),             // X = IP header length
	*syscall.LsfStmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_IND, 13),             // TCP flags
	*syscall.LsfStmt(syscall.BPF_ALU|syscall.BPF_AND|syscall.BPF_K, 0x12),          // SYN and ACK
	*syscall.LsfJump(syscall.BPF_JMP|syscall.BPF_JEQ|syscall.BPF_K, 0x02, 0, 1),    // SYN alone
	*syscall.LsfStmt(syscall.BPF_RET|syscall.BPF_K, 128),                           // pass the headers
	*syscall.LsfStmt(syscall.BPF_RET|syscall.BPF_K, 0),                             // drop
}

// watchSYNs starts counting SYNs on lo to ports; it fails without the
// privileges a packet socket needs.
func watchSYNs(ports []uint16) (*synWatch, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, fmt.Errorf("count connects: %w", err)
	}
	// Protocol 0: no packets until the bind names one, so the kernel
	// registers the socket's hook once, at the bind (registering at the
	// socket and again at the bind waits out an RCU grace period, ~10ms).
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("count connects: packet socket: %w", err)
	}
	fail := func(what string, err error) (*synWatch, error) {
		syscall.Close(fd)
		return nil, fmt.Errorf("count connects: %s: %w", what, err)
	}
	// The filter goes on before the bind, so nothing unfiltered queues.
	if err := syscall.AttachLsf(fd, synFilter); err != nil {
		return fail("filter", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_IP), Ifindex: lo.Index}); err != nil {
		return fail("bind to lo", err)
	}
	// The kernel stamps each SYN with when it passed: the reader may get
	// to it after the request it belongs to has ended.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		return fail("timestamps", err)
	}
	// In Go's poller, so a read waits with a deadline and Close wakes it.
	file := os.NewFile(uintptr(fd), "syn-watch")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("count connects: %w", err)
	}
	w := &synWatch{file: file, raw: raw, ports: map[uint16]bool{}, seen: map[synKey]time.Time{}}
	for _, p := range ports {
		w.ports[p] = true
	}
	go w.read()
	return w, nil
}

// synPoll is how often the reader finds the queue empty when idle: how
// long an observation may wait for the SYNs of its window.
const synPoll = 20 * time.Millisecond

func (w *synWatch) read() {
	buf, oob := make([]byte, 256), make([]byte, 128)
	var n, oobn int
	var rerr error
	// recv reads one packet without waiting. Finding the queue empty is
	// what tells syncTo that every SYN that passed before has been read,
	// however busy lo is.
	recv := func(fd uintptr) {
		before := time.Now()
		n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, 0)
		if rerr == syscall.EAGAIN {
			w.mu.Lock()
			w.drained = before
			w.mu.Unlock()
		}
	}
	for {
		// Idle, the reader wakes every synPoll to find the queue empty
		// again (the poller may not have noticed a SYN queued just now).
		if err := w.file.SetReadDeadline(time.Now().Add(synPoll)); err != nil {
			return // closed
		}
		err := w.raw.Read(func(fd uintptr) bool {
			recv(fd)
			return rerr != syscall.EAGAIN
		})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = w.raw.Control(recv)
		}
		if err != nil {
			return // closed
		}
		if rerr == nil {
			w.note(buf[:n], stamp(oob[:oobn]))
		}
	}
}

// stamp is the kernel's timestamp of a packet, from its control messages
// (now when there is none).
func stamp(oob []byte) time.Time {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				return time.Unix(int64(binary.NativeEndian.Uint64(m.Data)), int64(binary.NativeEndian.Uint64(m.Data[8:])))
			}
		}
	}
	return time.Now()
}

// syncTo waits until every SYN that passed before t has been read, for at
// most a second; it reports whether they have.
func (w *synWatch) syncTo(t time.Time) bool {
	deadline := time.Now().Add(time.Second)
	for {
		w.mu.Lock()
		drained := w.drained
		w.mu.Unlock()
		if drained.After(t) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(synPoll / 2)
	}
}

// note counts one SYN, given as its IP packet.
func (w *synWatch) note(p []byte, at time.Time) {
	if len(p) < 20 {
		return
	}
	ihl := int(p[0]&0x0f) * 4
	if len(p) < ihl+4 {
		return
	}
	src, _ := netip.AddrFromSlice(p[12:16])
	dst, _ := netip.AddrFromSlice(p[16:20])
	srcPort := uint16(p[ihl])<<8 | uint16(p[ihl+1])
	dstPort := uint16(p[ihl+2])<<8 | uint16(p[ihl+3])
	if !w.ports[dstPort] {
		return
	}
	key := synKey{netip.AddrPortFrom(src, srcPort), netip.AddrPortFrom(dst, dstPort)}
	w.mu.Lock()
	defer w.mu.Unlock()
	if last, ok := w.seen[key]; ok && at.Sub(last) < synRetransmit {
		return
	}
	w.seen[key] = at
	if len(w.syns) < maxSYNs {
		w.syns = append(w.syns, synEvent{at: at, dst: key.dst})
	}
}

// between lists the connects seen from from to to.
func (w *synWatch) between(from, to time.Time) []synEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []synEvent
	for _, s := range w.syns {
		if !s.at.Before(from) && !s.at.After(to) {
			out = append(out, s)
		}
	}
	return out
}

// reset forgets the connects seen.
func (w *synWatch) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.syns, w.seen = nil, map[synKey]time.Time{}
}

// Close stops the watch. The reader ends at once; the socket's close,
// which waits out an RCU grace period in the kernel (~10ms), goes on in the
// background.
func (w *synWatch) Close() error {
	go w.file.Close()
	return nil
}
