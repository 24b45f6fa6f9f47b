package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Proxy is the toxic TCP proxy between the gateway and the origin: an
// embedded toxiproxy proxy (no toxiproxy-server process). The gateway is
// pointed at its address, which stays the same for the whole run, so faults
// can take it down, blackhole it or add toxics without touching the gateway.
type Proxy struct {
	addr string

	mu        sync.Mutex
	proxy     *toxiproxy.Proxy
	blackhole *Blackhole
	// downs are the times the proxy accepted nothing (down or blackholed),
	// since the last Reset; the last has a zero end while it lasts.
	downs []downSpan
	// toxics are the toxics in place that act on connections (toxicity
	// above 0), by name: true when they hit at random (toxicity below 1);
	// toxicSpans notes when any was in place.
	toxics     map[string]bool
	toxicSpans spans
	// reserved holds the port while nothing listens on it (down, or
	// between a blackhole and the proxy's return).
	reserved *reservation
}

// downSpan is a time the proxy accepted no connection.
type downSpan struct{ start, end time.Time }

// maxDownSpans bounds the history of a flapping proxy.
const maxDownSpans = 4096

// wentDown notes that the proxy stops accepting now.
func (p *Proxy) wentDown() {
	if n := len(p.downs); n > 0 && p.downs[n-1].end.IsZero() {
		return
	}
	if len(p.downs) >= maxDownSpans {
		p.downs = p.downs[len(p.downs)/2:]
	}
	p.downs = append(p.downs, downSpan{start: time.Now()})
}

// cameUp notes that the proxy accepts again.
func (p *Proxy) cameUp() {
	if n := len(p.downs); n > 0 && p.downs[n-1].end.IsZero() {
		p.downs[n-1].end = time.Now()
	}
}

// DownDuring reports whether the proxy accepted nothing at some moment
// between from and to: connects then were refused or dropped, and no
// attempt of the gateway's in that time can be seen at the origin.
func (p *Proxy) DownDuring(from, to time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.downs {
		if !d.start.After(to) && (d.end.IsZero() || !d.end.Before(from)) {
			return true
		}
	}
	return false
}

// StartProxy starts a proxy listening on listen and forwarding to upstream.
func StartProxy(listen, upstream string) (*Proxy, error) {
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "origin", listen, upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("proxy: listen on %s: %w", listen, err)
	}
	return &Proxy{addr: p.Listen, proxy: p}, nil
}

// Addr is the proxy's address (host:port): where the gateway reaches the origin.
func (p *Proxy) Addr() string { return p.addr }

// Down stops the proxy listening and closes every connection through it, so
// connecting to Addr is refused.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.proxy.Stop()
	p.closeBlackhole()
	p.reserve()
	p.wentDown()
}

// reserve holds the port once nothing listens on it. A failure to hold it
// is not the fault's failure: Up retries, as it did before ports were held.
func (p *Proxy) reserve() {
	if p.reserved == nil {
		p.reserved, _ = reservePort(p.addr)
	}
}

// release lets the port go, once the proxy listens on it again.
func (p *Proxy) release() {
	if p.reserved != nil {
		p.reserved.Close()
		p.reserved = nil
	}
}

// Up makes the proxy listen on Addr again, ending a blackhole.
func (p *Proxy) Up() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeBlackhole()
	if p.proxy.Enabled {
		p.release()
		p.cameUp()
		return nil
	}
	var err error
	// The port is held while down, so this takes it at once; were the
	// hold lost, another process could take it in between: retry briefly
	// before calling it lost.
	for range 50 {
		if err = p.proxy.Start(); err == nil {
			p.release()
			p.cameUp()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("proxy: listen again on %s: %w", p.addr, err)
}

// Blackhole replaces the proxy's listener by one whose accept queue is full,
// so a connect to Addr is never answered: the kernel drops the SYNs, as a
// firewall that silently drops packets does. It needs no privileges.
func (p *Proxy) Blackhole() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.proxy.Stop()
	p.closeBlackhole()
	p.reserve()
	p.wentDown()
	bh, err := ListenBlackhole(p.addr)
	if err != nil {
		return err
	}
	p.blackhole = bh
	return nil
}

func (p *Proxy) closeBlackhole() {
	if p.blackhole != nil {
		p.blackhole.Close()
		p.blackhole = nil
	}
}

// AddToxic adds a toxiproxy toxic, given as toxiproxy's API would take it:
// type, stream ("upstream" or "downstream"), toxicity and attributes.
func (p *Proxy) AddToxic(name, typ, stream string, toxicity float32, attributes any) error {
	body, err := json.Marshal(map[string]any{
		"name": name, "type": typ, "stream": stream, "toxicity": toxicity, "attributes": attributes,
	})
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.proxy.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
		return fmt.Errorf("proxy: add toxic %s: %w", typ, err)
	}
	if toxicity > 0 {
		if p.toxics == nil {
			p.toxics = map[string]bool{}
		}
		p.toxics[name] = toxicity < 1
		p.noteToxics()
	}
	return nil
}

// noteToxics begins a span of the toxics now in place, or ends the last.
func (p *Proxy) noteToxics() {
	if len(p.toxics) == 0 {
		p.toxicSpans.end()
		return
	}
	uncertain := false
	for _, u := range p.toxics {
		uncertain = uncertain || u
	}
	p.toxicSpans.begin(uncertain)
}

// toxicDuring reports whether a toxic acted on connections at some moment
// between from and to, and whether it hit them at random.
func (p *Proxy) toxicDuring(from, to time.Time) (in, uncertain bool) {
	return p.toxicSpans.during(from, to)
}

// RemoveToxic removes the toxic named name.
func (p *Proxy) RemoveToxic(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.proxy.Toxics.RemoveToxic(context.Background(), name); err != nil {
		return fmt.Errorf("proxy: remove toxic %s: %w", name, err)
	}
	if _, ok := p.toxics[name]; ok {
		delete(p.toxics, name)
		p.noteToxics()
	}
	return nil
}

// Reset removes every toxic, makes sure the proxy listens and forgets when
// it was down.
func (p *Proxy) Reset() error {
	p.mu.Lock()
	p.proxy.Toxics.ResetToxics(context.Background())
	clear(p.toxics)
	p.noteToxics()
	p.mu.Unlock()
	err := p.Up()
	p.mu.Lock()
	if err == nil {
		p.downs = nil
		p.toxicSpans.reset()
	}
	p.mu.Unlock()
	return err
}

// Close stops the proxy for good.
func (p *Proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Toxics that hold connections (drop) let go only when removed.
	p.proxy.Toxics.ResetToxics(context.Background())
	p.proxy.Stop()
	p.closeBlackhole()
	p.release()
}

// reservation is a TCP socket bound to an address without listening on
// it. While it is bound, Linux picks no ephemeral port there for a
// connect (a bound port is never chosen), so nothing on the machine can
// take the proxy's port while the proxy is down; and since nothing
// listens, a connect to it is still refused. It and the listeners that
// take the port again (net.Listen, toxiproxy's, a blackhole's) all set
// SO_REUSEADDR, which lets a listener bind beside a socket that does not
// listen.
type reservation struct{ fd int }

// reservePort binds a reservation to addr (an IP literal and a port).
func reservePort(addr string) (*reservation, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil || ta.IP == nil {
		return nil, fmt.Errorf("proxy: reserve %s: not an IP address and port", addr)
	}
	family, sa := syscall.AF_INET6, syscall.Sockaddr(nil)
	if ip4 := ta.IP.To4(); ip4 != nil {
		family = syscall.AF_INET
		sa = &syscall.SockaddrInet4{Port: ta.Port, Addr: [4]byte(ip4)}
	} else {
		sa = &syscall.SockaddrInet6{Port: ta.Port, Addr: [16]byte(ta.IP.To16())}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("proxy: reserve %s: %w", addr, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("proxy: reserve %s: %w", addr, err)
	}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("proxy: reserve %s: %w", addr, err)
	}
	return &reservation{fd: fd}, nil
}

// Close lets the port go.
func (r *reservation) Close() { syscall.Close(r.fd) }

// Blackhole is a TCP listener that never completes a connection: its accept
// queue is shrunk to one and filled, and nothing accepts, so Linux drops every
// further SYN. A client's connect stays pending until its own timeout.
type Blackhole struct {
	ln      net.Listener
	fillers []net.Conn
}

// ListenBlackhole opens a blackhole on addr.
func ListenBlackhole(addr string) (*Blackhole, error) {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("blackhole: listen on %s: %w", addr, err)
	}
	bh := &Blackhole{ln: ln}
	// listen(2) again on a listening socket only changes its backlog.
	raw, err := ln.(*net.TCPListener).SyscallConn()
	if err == nil {
		cerr := raw.Control(func(fd uintptr) { err = syscall.Listen(int(fd), 0) })
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("blackhole: shrink backlog on %s: %w", addr, err)
	}
	// Fill the queue until a connect no longer completes. The first connect
	// must complete (the queue holds one), so a slow machine is not taken
	// for a full queue.
	for i := range 16 {
		wait := 150 * time.Millisecond
		if i == 0 {
			wait = 5 * time.Second
		}
		c, err := net.DialTimeout("tcp", ln.Addr().String(), wait)
		if ne, ok := err.(net.Error); ok && ne.Timeout() && i > 0 {
			return bh, nil
		}
		if err != nil {
			bh.Close()
			return nil, fmt.Errorf("blackhole: fill accept queue on %s: %w", addr, err)
		}
		bh.fillers = append(bh.fillers, c)
	}
	bh.Close()
	return nil, fmt.Errorf("blackhole: accept queue on %s never filled", addr)
}

// Close releases the listener and the connections that filled its queue.
func (b *Blackhole) Close() {
	b.ln.Close()
	for _, c := range b.fillers {
		c.Close()
	}
}
