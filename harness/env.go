// Package harness owns the running pieces of a gatecrash environment: the
// fake origin, the fake DNS server, the toxic proxy between gateway and
// origin, the gateway under test (managed, attached or builtin) and the
// client that observes it.
//
// An Environment is self-contained: its own ports, its own work dir, no
// global state, so several can run side by side. A Go test uses it directly:
//
//	env, err := harness.Start(ctx, harness.Config{})
//	defer env.Close()
//	obs := env.Do(ctx, harness.Request{Path: "/"})
package harness

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultOriginName is the DNS name of the origin when a suite names none.
const DefaultOriginName = "origin.gatecrash.test"

// Config describes an environment.
type Config struct {
	// Routes are what the origin serves (default: DefaultRoutes).
	Routes []Route
	// OriginListen is where the gateway reaches the origin: the toxic
	// proxy's address (default 127.0.0.1:0, an ephemeral port). Set it for
	// an attached gateway whose config names a fixed address.
	OriginListen string
	// OriginName is the origin's DNS name (default DefaultOriginName).
	OriginName string
	// DNSListen is the fake DNS server's address (default 127.0.0.1:0).
	DNSListen string
	// Instances is how many origins serve the routes, each behind its own
	// proxy (default 1), for gateways balancing over several upstreams.
	Instances int
	// Abort, when closed, cuts a managed gateway's graceful stop short (an
	// interrupted run).
	Abort <-chan struct{}
	// Gateway is the gateway under test (default: a Builtin with defaults).
	Gateway Gateway
	// WorkDir is the gateway's work dir (default: a new temporary directory
	// in TempDir, removed by Close).
	WorkDir string
	// TempDir is where the work dir is made when WorkDir is not set
	// (default: os.TempDir()). Environments that run side by side in one
	// process may each have their own.
	TempDir string
	// H2C starts the origin's h2c endpoint (Environment.H2C): the same
	// routes over cleartext HTTP/2 with prior knowledge, for the HTTP/2
	// faults. Off by default, so other environments start nothing more.
	H2C bool
	// H2TLS starts the origin's HTTP/2-over-TLS endpoint (see
	// H2COrigin.ListenTLS; Environment.H2C then runs, whether or not H2C
	// is set): the same routes over HTTP/2 negotiated with ALPN, with the
	// TLS endpoint's certificate, for the HTTP/2 faults over TLS.
	H2TLS bool
	// Unprivileged keeps gatecrash from using privileges it may have: it
	// then counts no connects that nothing accepts, as an unprivileged user
	// cannot (see Observation.Unaccepted).
	Unprivileged bool
}

// Environment is one running set of origin, DNS, proxy and gateway.
type Environment struct {
	// Origin and Proxy are the first origin and its proxy; Origins and
	// Proxies hold every instance, in order.
	Origin  *Origin
	Proxy   *Proxy
	Origins []*Origin
	Proxies []*Proxy
	DNS     *DNS
	// TLS serves the first origin's routes over HTTPS.
	TLS *TLSOrigin
	// H2C serves the first origin's routes over h2c and, with
	// Config.H2TLS, over HTTP/2 with TLS; nil unless Config.H2C or
	// Config.H2TLS asked for it.
	H2C     *H2COrigin
	Gateway Gateway

	addrs      Addresses
	ownWorkDir bool
	closers    []func() error

	// clients are the requests in flight through the gateway; ids tag them.
	clients clients
	idBase  string
	ids     atomic.Int64
	// syns counts the connects to the origin's port that nothing accepts,
	// where privileges allow; synErr says why not otherwise.
	syns   *synWatch
	synErr error
	// faultOn says a fault is injected (NoteFault): observations then
	// carry the verdict on whether they met it.
	faultOn    atomic.Bool
	faultSince atomic.Int64 // when it was injected, in Unix nanoseconds
}

// NoteFault tells the environment a fault is injected (on) or cleared:
// while one is, every observation carries the verdict on whether it met
// the fault (Observation.FaultMet). faults.Inject calls it.
func (e *Environment) NoteFault(on bool) {
	if on {
		e.faultSince.Store(time.Now().UnixNano())
	}
	e.faultOn.Store(on)
}

// Start brings an environment up, all on loopback. On error, whatever had
// started is released again.
func Start(ctx context.Context, cfg Config) (env *Environment, err error) {
	env = &Environment{Gateway: cfg.Gateway, idBase: newIDBase()}
	if env.Gateway == nil {
		env.Gateway = &Builtin{}
	}
	if m, ok := env.Gateway.(*Managed); ok && m.Abort == nil {
		m.Abort = cfg.Abort
	}
	defer func() {
		if err != nil {
			_ = env.Close()
			env = nil
		}
	}()
	name := cfg.OriginName
	if name == "" {
		name = DefaultOriginName
	}
	name = strings.TrimSuffix(name, ".")

	for i := range max(cfg.Instances, 1) {
		origin, err := StartOrigin("127.0.0.1:0", cfg.Routes)
		if err != nil {
			return env, err
		}
		env.closers = append(env.closers, origin.Close)
		listen := "127.0.0.1:0"
		if i == 0 {
			listen = orDefault(cfg.OriginListen, listen)
		}
		proxy, err := StartProxy(listen, origin.Addr())
		if err != nil {
			return env, err
		}
		env.closers = append(env.closers, func() error { proxy.Close(); return nil })
		env.Origins, env.Proxies = append(env.Origins, origin), append(env.Proxies, proxy)
	}
	env.Origin, env.Proxy = env.Origins[0], env.Proxies[0]
	env.synErr = errors.New("not asked for (Config.Unprivileged)")
	if !cfg.Unprivileged {
		var ports []uint16
		for _, p := range env.Proxies {
			if ap, err := netip.ParseAddrPort(p.Addr()); err == nil {
				ports = append(ports, ap.Port())
			}
		}
		if env.syns, env.synErr = watchSYNs(ports); env.syns != nil {
			env.closers = append(env.closers, env.syns.Close)
		}
	}

	proxyHost, proxyPort, _ := net.SplitHostPort(env.Proxy.Addr())
	if env.DNS, err = StartDNS(orDefault(cfg.DNSListen, "127.0.0.1:0"), name, net.ParseIP(proxyHost)); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.DNS.Close)

	workDir := cfg.WorkDir
	if workDir == "" {
		if workDir, err = TempDir(cfg.TempDir, "work-"); err != nil {
			return env, fmt.Errorf("work dir: %w", err)
		}
		env.ownWorkDir = true
		// Gateways started as root drop to an unprivileged worker user,
		// which must still reach its temp files here.
		if err = os.Chmod(workDir, 0o755); err != nil {
			return env, fmt.Errorf("work dir: %w", err)
		}
	} else if err = os.MkdirAll(workDir, 0o755); err != nil {
		return env, fmt.Errorf("work dir: %w", err)
	}
	env.closers = append(env.closers, func() error {
		if env.ownWorkDir {
			return os.RemoveAll(workDir)
		}
		return nil
	})

	// The TLS endpoint listens beside the proxy, where the origin's name
	// resolves.
	hosts := slices.Compact([]string{name, "127.0.0.1", proxyHost})
	if env.TLS, err = StartTLSOrigin(net.JoinHostPort(proxyHost, "0"), env.Origin, hosts); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.TLS.Close)
	caFile := filepath.Join(workDir, "ca.pem")
	if err = env.TLS.WriteCA(caFile); err != nil {
		return env, err
	}
	_, tlsPort, _ := net.SplitHostPort(env.TLS.Addr())
	var h2cAddr, h2cPort, h2tlsAddr, h2tlsPort string
	if cfg.H2C || cfg.H2TLS {
		if env.H2C, err = StartH2COrigin(net.JoinHostPort(proxyHost, "0"), env.Origin); err != nil {
			return env, err
		}
		env.closers = append(env.closers, env.H2C.Close)
	}
	if cfg.H2C {
		h2cAddr = env.H2C.Addr()
		_, h2cPort, _ = net.SplitHostPort(h2cAddr)
	}
	if cfg.H2TLS {
		if err = env.H2C.ListenTLS(net.JoinHostPort(proxyHost, "0"), env.TLS.Cert); err != nil {
			return env, err
		}
		h2tlsAddr = env.H2C.TLSAddr()
		_, h2tlsPort, _ = net.SplitHostPort(h2tlsAddr)
	}

	listen, err := FreePort()
	if err != nil {
		return env, fmt.Errorf("gateway listen port: %w", err)
	}
	listenHost, listenPort, _ := net.SplitHostPort(listen)
	dnsHost, dnsPort, _ := net.SplitHostPort(env.DNS.Addr())
	env.addrs = Addresses{
		Listen: listen, ListenHost: listenHost, ListenPort: listenPort,
		Origin: env.Proxy.Addr(), OriginHost: proxyHost, OriginPort: proxyPort, OriginName: name,
		Origins: make([]string, len(env.Proxies)), OriginPorts: make([]string, len(env.Proxies)),
		DNS: env.DNS.Addr(), DNSHost: dnsHost, DNSPort: dnsPort,
		OriginTLS: env.TLS.Addr(), OriginTLSPort: tlsPort, CAFile: caFile,
		OriginH2C: h2cAddr, OriginH2CPort: h2cPort,
		OriginH2TLS: h2tlsAddr, OriginH2TLSPort: h2tlsPort,
		WorkDir: workDir,
	}
	for i, p := range env.Proxies {
		env.addrs.Origins[i] = p.Addr()
		_, env.addrs.OriginPorts[i], _ = net.SplitHostPort(p.Addr())
	}
	if err = env.Gateway.Start(ctx, env.addrs); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.Gateway.Stop)
	return env, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Addresses are the environment's addresses.
func (e *Environment) Addresses() Addresses { return e.addrs }

// newIDBase is the start of this environment's request ids: random, so
// ids differ between environments and runs.
func newIDBase() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewRequestID is a request id of this environment, unique in it.
func (e *Environment) NewRequestID() string {
	return fmt.Sprintf("%s-%d", e.idBase, e.ids.Add(1))
}

// Do sends req to the gateway, tagged with a new request id, and observes
// the answer: what the client got, the upstream attempts the origin saw for
// it (tied to it by the id, however many requests are in flight), and
// whether the body the client got is the one the origin sent.
func (e *Environment) Do(ctx context.Context, req Request) Observation {
	e.awaitPoolSettled(ctx)
	req.ID = e.NewRequestID()
	inFlight := e.clients.begin(1)
	obs := Do(ctx, e.Gateway.URL(), req)
	e.clients.end(inFlight)
	e.observeUpstream(&obs, inFlight.start, inFlight.end)
	if s := obs.Stream; s != nil {
		for _, o := range e.Origins {
			s.Tunneled = s.Tunneled || o.Tunneled(obs.ID)
		}
	}
	return obs
}

// awaitPoolSettled waits, when a fault has just closed the gateway's idle
// pooled connections, until the gateway has had poolSettle to see them
// closed, so the request meets the fault rather than that close. A
// connection still finishing an answer when the fault started is closed
// as it goes idle: it waits for that first, up to pendingWait.
func (e *Environment) awaitPoolSettled(ctx context.Context) {
	var until time.Time
	giveUp := time.Now().Add(pendingWait)
	for {
		until = time.Time{}
		waiting := false
		for _, o := range e.Origins {
			t, pending := o.settled()
			if t.After(until) {
				until = t
			}
			waiting = waiting || pending
		}
		if !waiting || time.Now().After(giveUp) || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if wait := time.Until(until); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// dnsCacheAllowance is how long before a request an answer of the DNS
// server that sent the origin's name elsewhere may still be in a
// gateway's cache.
const dnsCacheAllowance = time.Minute

// settleTime is how long an observation waits, at most, for connections
// without a request yet to show whose they are.
const settleTime = time.Second

// observeUpstream fills in the attempts the origins saw for obs's request
// between from and to, and judges the body against their answers.
func (e *Environment) observeUpstream(obs *Observation, from, to time.Time) {
	var evs []event
	var reasons []string
	// A connection accepted while other requests were in flight, on which
	// no request has arrived yet, is most often another request's whose
	// request is on its way: give those a moment to show whose they are.
	for waited := time.Duration(0); ; waited += 5 * time.Millisecond {
		evs, reasons = evs[:0], reasons[:0]
		for i, o := range e.Origins {
			got, overflow := o.journal.attempts(obs.ID, i+1, from, to)
			evs = append(evs, got...)
			if overflow {
				reasons = append(reasons, fmt.Sprintf("origin %d's journal is full (%d connections since the scenario began)", i+1, journalCap))
			}
		}
		if waited >= settleTime || !slices.ContainsFunc(evs, func(ev event) bool { return !ev.RequestRead && e.clients.at(ev.at) != 1 }) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	untagged := 0
	var answers []*Answer
	for _, ev := range evs {
		if !ev.tagged {
			if n := e.clients.at(ev.at); n != 1 {
				untagged++
				continue
			}
		}
		obs.Upstream = append(obs.Upstream, ev.Attempt)
		obs.Attempts++
		if ev.fresh && (!ev.RequestRead || isFirstOnConn(obs.Upstream, ev.Attempt)) {
			obs.Connections++
		}
		answers = append(answers, ev.Answer)
	}
	if untagged > 0 {
		reasons = append(reasons, fmt.Sprintf("%s carried no request id (a connection closed before its request, or a gateway that drops the %s header) while several requests were in flight", Plural(untagged, "upstream attempt"), RequestIDHeader))
	}
	var blind []string
	for i, p := range e.Proxies {
		if p.DownDuring(from, to) {
			blind = append(blind, fmt.Sprintf("origin %d's address refused or dropped connects during the request", i+1))
		}
	}
	if addr, ok := e.DNS.ElsewhereSince(from.Add(-dnsCacheAllowance)); ok {
		blind = append(blind, fmt.Sprintf("DNS sent the origin's name to %s", addr))
	}
	synsCounted := false
	if len(blind) > 0 {
		if why := e.countUnaccepted(obs, from, to); why != "" {
			reasons = append(reasons, strings.Join(blind, "; ")+": "+why)
		} else {
			synsCounted = true
		}
	}
	obs.Uncounted = strings.Join(reasons, "; ")
	if obs.Status != 101 { // Switching Protocols
		// After a 101 the bytes are another protocol's (a WebSocket's
		// frames), not a body: the stream's record (messages, bytes,
		// close code) is their judge.
		obs.Integrity = judgeBody(*obs, answers, untagged == 0)
	}
	obs.CrossWired = judgeCrossWire(*obs, func() bool { return obs.Attempts > 0 || e.reached(obs.ID) })
	if e.faultOn.Load() {
		obs.FaultMet = e.judgeMet(obs.Upstream, from, to, synsCounted, obs.Uncounted)
	}
}

// judgeMet marks the attempts a toxic acted on, and draws the verdict on
// meeting the fault from what each piece of the environment noted between
// from and to.
func (e *Environment) judgeMet(attempts []Attempt, from, to time.Time, synsCounted bool, uncounted string) *FaultMet {
	in := metInput{attempts: attempts, synsCounted: synsCounted, uncounted: uncounted, originName: e.addrs.OriginName, instances: len(e.Origins)}
	// The gateway may have met the fault before the request, on its own
	// (a health check's connect, a background resolution), and answer it
	// from what it learnt: that counts as met, and the evidence says so.
	since := time.Unix(0, e.faultSince.Load())
	if since.After(from) {
		since = from
	}
	in.before = e.hitsBetween(since, from)
	in.dnsQueries, in.dnsFaulted, in.paths.dns = e.DNS.queriesBetween(since, to)
	for i, o := range e.Origins {
		n := i + 1
		toxic, uncertain := e.Proxies[i].toxicDuring(from, to)
		switch {
		case o.faultyDuring(from, to) || toxic && !uncertain:
			in.paths.behavior = append(in.paths.behavior, n)
		case toxic:
			in.paths.uncertain = append(in.paths.uncertain, n)
		}
		if e.Proxies[i].DownDuring(from, to) {
			in.paths.down = append(in.paths.down, n)
		}
	}
	in.paths.tls, _ = e.TLS.faulty.during(from, to)
	if e.H2C != nil {
		in.paths.h2c, _ = e.H2C.faulty.during(from, to)
	}
	for i := range in.attempts {
		a := &in.attempts[i]
		if !a.Faulted && a.Endpoint == "http" && a.Instance >= 1 && a.Instance <= len(e.Proxies) &&
			e.Proxies[a.Instance-1].toxicSpans.at(from.Add(a.firstSeen())) {
			a.Faulted = true
		}
	}
	return judgeMet(in)
}

// countUnaccepted adds to obs the connects to the origin's port that
// nothing accepted between from and to, counted from the SYNs on loopback:
// all of them, less those the origin accepted. It needs the privileged
// watch, and obs's request alone in flight; otherwise it says why not.
func (e *Environment) countUnaccepted(obs *Observation, from, to time.Time) (whyNot string) {
	switch {
	case e.syns == nil:
		return fmt.Sprintf("nothing accepts those connects to count them (counting their SYNs needs CAP_NET_RAW: %v)", e.synErr)
	case !e.syns.syncTo(to):
		return "the SYNs on loopback were not read in time to count those connects"
	}
	syns := e.syns.between(from, to)
	accepted := 0
	for i, a := range obs.Upstream {
		if a.Endpoint == "http" && !a.Reused && isFirstOnConn(obs.Upstream[:i+1], a) {
			accepted++
		}
	}
	if slices.ContainsFunc(syns, func(s synEvent) bool { return e.clients.at(s.at) != 1 }) {
		return "their SYNs carry no request id and several requests were in flight"
	}
	if len(syns) < accepted {
		return fmt.Sprintf("%d SYNs on loopback for %d connections the origin accepted: the count does not add up", len(syns), accepted)
	}
	// Each accepted connection answers the last SYN before its accept;
	// the SYNs left over are the connects nothing accepted.
	used := make([]bool, len(syns))
	for i, a := range obs.Upstream {
		if a.Endpoint != "http" || a.Reused || !isFirstOnConn(obs.Upstream[:i+1], a) {
			continue
		}
		for j := len(syns) - 1; j >= 0; j-- {
			if !used[j] && syns[j].at.Sub(from) <= a.Accepted {
				used[j] = true
				break
			}
		}
	}
	for j, s := range syns {
		if !used[j] && obs.Unaccepted < len(syns)-accepted {
			// A connect nothing accepted while a fault was in effect is the
			// fault's doing: refused, dropped, or sent elsewhere by DNS.
			obs.Upstream = append(obs.Upstream, Attempt{Endpoint: "unaccepted", Instance: e.instanceOf(s.dst.Port()),
				Accepted: s.at.Sub(from), Faulted: e.faultOn.Load()})
			obs.Unaccepted++
		}
	}
	slices.SortStableFunc(obs.Upstream, func(a, b Attempt) int { return cmp.Compare(a.firstSeen(), b.firstSeen()) })
	obs.Attempts += obs.Unaccepted
	return ""
}

// hitsBetween counts what met the fault at the origins between from and to
// (not including to) on the gateway's own account, while no client request
// was in flight (a health check): attempts a fault's behaviour took, and
// connects nothing accepted at an instance that was down.
func (e *Environment) hitsBetween(from, to time.Time) int {
	if !from.Before(to) {
		return 0
	}
	n := 0
	for i, o := range e.Origins {
		for _, a := range o.journal.window(i+1, from, to) {
			if a.Faulted && !a.Tagged && e.clients.at(from.Add(a.firstSeen())) == 0 {
				n++
			}
		}
	}
	return n + e.unacceptedBetween(from, to, true)
}

// unacceptedBetween counts the connects to an instance's address while it
// accepted nothing (down or blackholed), from the SYNs on loopback (ownOnly:
// those while no client request was in flight): 0 where they cannot be
// seen.
func (e *Environment) unacceptedBetween(from, to time.Time, ownOnly bool) int {
	if e.syns == nil || !e.syns.syncTo(to) {
		return 0
	}
	n := 0
	for _, s := range e.syns.between(from, to) {
		if ownOnly && e.clients.at(s.at) != 0 {
			continue
		}
		if i := e.instanceOf(s.dst.Port()); i > 0 && e.Proxies[i-1].DownDuring(s.at, s.at) {
			n++
		}
	}
	return n
}

// instanceOf is the origin instance (from 1) whose proxy listens on port, 0
// for none.
func (e *Environment) instanceOf(port uint16) int {
	for i, p := range e.Proxies {
		if ap, err := netip.ParseAddrPort(p.Addr()); err == nil && ap.Port() == port {
			return i + 1
		}
	}
	return 0
}

// isFirstOnConn reports whether a is the first attempt listed on its
// connection: a connection counts once, however many requests it carried.
func isFirstOnConn(list []Attempt, a Attempt) bool {
	for _, b := range list[:len(list)-1] {
		if b.Instance == a.Instance && b.Connection == a.Connection {
			return false
		}
	}
	return true
}

// Reset returns origin, DNS and proxy to health, with counters at zero and
// the origins' journals empty.
func (e *Environment) Reset() error {
	e.clients.reset()
	e.faultOn.Store(false)
	if e.syns != nil {
		e.syns.reset()
	}
	e.DNS.Reset()
	e.TLS.Reset()
	if e.H2C != nil {
		e.H2C.Reset()
	}
	var errs []error
	for i, o := range e.Origins {
		o.Reset()
		errs = append(errs, e.Proxies[i].Reset())
	}
	return errors.Join(errs...)
}

// Close stops everything the environment started, last started first.
func (e *Environment) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		if err := e.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	e.closers = nil
	return errors.Join(errs...)
}
