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
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	// Gateway is the gateway under test (default: a Builtin with defaults).
	Gateway Gateway
	// WorkDir is the gateway's work dir (default: a new temporary directory,
	// removed by Close).
	WorkDir string
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
	TLS     *TLSOrigin
	Gateway Gateway

	addrs      Addresses
	ownWorkDir bool
	closers    []func() error
}

// Start brings an environment up, all on loopback. On error, whatever had
// started is released again.
func Start(ctx context.Context, cfg Config) (env *Environment, err error) {
	env = &Environment{Gateway: cfg.Gateway}
	if env.Gateway == nil {
		env.Gateway = &Builtin{}
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

	proxyHost, proxyPort, _ := net.SplitHostPort(env.Proxy.Addr())
	if env.DNS, err = StartDNS(orDefault(cfg.DNSListen, "127.0.0.1:0"), name, net.ParseIP(proxyHost)); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.DNS.Close)

	workDir := cfg.WorkDir
	if workDir == "" {
		if workDir, err = os.MkdirTemp("", "gatecrash-"); err != nil {
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

// Do sends req to the gateway and observes the answer, counting the
// attempts that reached the origin meanwhile.
func (e *Environment) Do(ctx context.Context, req Request) Observation {
	reqs, conns := e.counts()
	obs := Do(ctx, e.Gateway.URL(), req)
	reqsAfter, connsAfter := e.counts()
	obs.Attempts, obs.Connections = reqsAfter-reqs, connsAfter-conns
	return obs
}

// counts sums requests and connections over every origin.
func (e *Environment) counts() (requests, connections int) {
	for _, o := range e.Origins {
		requests += o.Requests()
		connections += o.Connections()
	}
	connections += e.TLS.Connections()
	return requests, connections
}

// Reset returns origin, DNS and proxy to health, with counters at zero.
func (e *Environment) Reset() error {
	e.DNS.Reset()
	e.TLS.Reset()
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
