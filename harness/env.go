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
	// Gateway is the gateway under test (default: a Builtin with defaults).
	Gateway Gateway
	// WorkDir is the gateway's work dir (default: a new temporary directory,
	// removed by Close).
	WorkDir string
}

// Environment is one running set of origin, DNS, proxy and gateway.
type Environment struct {
	Origin  *Origin
	DNS     *DNS
	Proxy   *Proxy
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

	if env.Origin, err = StartOrigin("127.0.0.1:0", cfg.Routes); err != nil {
		return env, err
	}
	env.closers = append(env.closers, env.Origin.Close)

	if env.Proxy, err = StartProxy(orDefault(cfg.OriginListen, "127.0.0.1:0"), env.Origin.Addr()); err != nil {
		return env, err
	}
	env.closers = append(env.closers, func() error { env.Proxy.Close(); return nil })

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

	listen, err := FreePort()
	if err != nil {
		return env, fmt.Errorf("gateway listen port: %w", err)
	}
	listenHost, listenPort, _ := net.SplitHostPort(listen)
	dnsHost, dnsPort, _ := net.SplitHostPort(env.DNS.Addr())
	env.addrs = Addresses{
		Listen: listen, ListenHost: listenHost, ListenPort: listenPort,
		Origin: env.Proxy.Addr(), OriginHost: proxyHost, OriginPort: proxyPort, OriginName: name,
		DNS: env.DNS.Addr(), DNSHost: dnsHost, DNSPort: dnsPort,
		WorkDir: workDir,
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
	reqs, conns := e.Origin.Requests(), e.Origin.Connections()
	obs := Do(ctx, e.Gateway.URL(), req)
	obs.Attempts = e.Origin.Requests() - reqs
	obs.Connections = e.Origin.Connections() - conns
	return obs
}

// Reset returns origin, DNS and proxy to health, with counters at zero.
func (e *Environment) Reset() error {
	e.Origin.Reset()
	e.DNS.Reset()
	return e.Proxy.Reset()
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
