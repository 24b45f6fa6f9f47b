package faults

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/gatecrash/gatecrash/harness"
)

// Options are what every fault takes where it makes sense, next to its own
// parameters: `fault: {hang: {attempts: 1..2}}`.
type Options struct {
	// Probability hits each attempt with this probability, above 0 and at
	// most 1 (default 1).
	Probability *float64 `yaml:"probability" json:"probability,omitempty"`
	// Attempts hits only these attempts, counted from 1 after the fault
	// starts: 2 (only the second), 1..2 (the first two), 3.. (from the
	// third on). "Fail the first two attempts, then succeed" is 1..2.
	Attempts Attempts `yaml:"attempts" json:"attempts,omitempty"`
	// After starts the fault this long after the scenario injects it.
	After time.Duration `yaml:"after" json:"after,omitempty"`
	// For ends the fault this long after it started.
	For time.Duration `yaml:"for" json:"for,omitempty"`
	// Direction is the stream a proxy-level fault acts on: downstream
	// (origin to gateway, the default) or upstream (gateway to origin).
	Direction string `yaml:"direction" json:"direction,omitempty"`
	// Instances are the origin instances (from 1, origin.instances) the
	// fault hits; none named means every one: an outage, a hang or garbage
	// from a service is a failure of all its instances.
	Instances []int `yaml:"instances" json:"instances,omitempty"`
}

// Which options a fault takes; Definition.Options lists them.
type OptionSet uint8

// The groups of options.
const (
	// Selective faults hit some attempts: probability, attempts.
	Selective OptionSet = 1 << iota
	// Scheduled faults start late or end early: after, for.
	Scheduled
	// Directional faults act on one stream of the proxy: direction.
	Directional
	// Probabilistic faults hit a share of attempts but cannot count them:
	// probability only. Toxics are such faults: toxiproxy draws each
	// connection at random and gives no hook to number it.
	Probabilistic
	// Targeted faults act on origin instances, every one unless some are
	// named: instances.
	Targeted
)

// Names lists the option fields of the set, as a suite writes them.
func (s OptionSet) Names() []string {
	var names []string
	if s&Selective != 0 {
		names = append(names, "probability", "attempts")
	} else if s&Probabilistic != 0 {
		names = append(names, "probability")
	}
	if s&Scheduled != 0 {
		names = append(names, "after", "for")
	}
	if s&Directional != 0 {
		names = append(names, "direction")
	}
	if s&Targeted != 0 {
		names = append(names, "instances")
	}
	return names
}

// Takes reports whether the set includes the option field name.
func (s OptionSet) Takes(name string) bool {
	for _, n := range s.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// Validate checks the options' values.
func (o Options) Validate() error {
	if p := o.Probability; p != nil && (*p <= 0 || *p > 1) {
		return fmt.Errorf("probability: expected a number above 0 and at most 1, such as 0.5; got %v", *p)
	}
	switch o.Direction {
	case "", "downstream", "upstream":
	default:
		return fmt.Errorf("direction: expected downstream or upstream; got %q", o.Direction)
	}
	if o.After < 0 || o.For < 0 {
		return fmt.Errorf("after, for: expected durations of zero or more")
	}
	seen := map[int]bool{}
	for _, n := range o.Instances {
		if n < 1 || seen[n] {
			return fmt.Errorf("instances: expected distinct origin instances counted from 1, such as [1, 3]; got %v", o.Instances)
		}
		seen[n] = true
	}
	return nil
}

// targets lists the origin instances (from 1) the options hit: those named,
// or every one of env's. An instance env does not have is an error.
func targets(env *harness.Environment, opts Options) ([]int, error) {
	if len(opts.Instances) == 0 {
		all := make([]int, len(env.Origins))
		for i := range all {
			all[i] = i + 1
		}
		return all, nil
	}
	for _, n := range opts.Instances {
		if n > len(env.Origins) {
			return nil, fmt.Errorf("instances: expected origin instances from 1 to %d (origin.instances); got %d", len(env.Origins), n)
		}
	}
	return opts.Instances, nil
}

// targetsText says which instances a fault hits, for its Injection.Method:
// "" when the origin has one instance and the fault hits it.
func targetsText(env *harness.Environment, hit []int) string {
	if len(env.Origins) < 2 {
		return ""
	}
	if len(hit) == len(env.Origins) {
		return fmt.Sprintf("all %d instances", len(hit))
	}
	parts := make([]string, len(hit))
	for i, n := range hit {
		parts[i] = strconv.Itoa(n)
	}
	word := "instance"
	if len(hit) > 1 {
		word = "instances"
	}
	return fmt.Sprintf("%s %s of %d", word, strings.Join(parts, ", "), len(env.Origins))
}

// clearAll clears each injection, joining their errors.
func clearAll(clears []func() error) func() error {
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			var errs []error
			for _, c := range clears {
				errs = append(errs, c())
			}
			err = errors.Join(errs...)
		})
		return err
	}
}

// Attempts is a range of attempt numbers, counted from 1; the zero value
// means every attempt.
type Attempts struct {
	From, To int // To 0: no end
}

// Includes reports whether attempt n (from 1) is in the range.
func (a Attempts) Includes(n int) bool {
	if a.From == 0 {
		return true
	}
	return n >= a.From && (a.To == 0 || n <= a.To)
}

// String writes the range as a suite does: 2, 1..2, 3..
func (a Attempts) String() string {
	switch {
	case a.From == 0:
		return ""
	case a.To == a.From:
		return strconv.Itoa(a.From)
	case a.To == 0:
		return fmt.Sprintf("%d..", a.From)
	}
	return fmt.Sprintf("%d..%d", a.From, a.To)
}

// MarshalText writes the range as a suite does.
func (a Attempts) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads 2, 1..2 or 3..
func (a *Attempts) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	bad := fmt.Errorf("expected an attempt number or range counted from 1, such as 2, 1..2 or 3..; got %q", s)
	from, to, isRange := strings.Cut(s, "..")
	f, err := strconv.Atoi(from)
	if err != nil || f < 1 {
		return bad
	}
	t := f
	if isRange {
		t = 0
		if to != "" {
			if t, err = strconv.Atoi(to); err != nil || t < f {
				return bad
			}
		}
	}
	a.From, a.To = f, t
	return nil
}

// selector decides, attempt by attempt, whether a fault hits.
type selector struct {
	opts Options
	n    atomic.Int64
	mu   sync.Mutex
	rnd  *rand.Rand
}

func newSelector(opts Options) *selector {
	return &selector{opts: opts, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// hit counts one attempt and reports whether the fault hits it.
func (s *selector) hit() bool {
	n := int(s.n.Add(1))
	if !s.opts.Attempts.Includes(n) {
		return false
	}
	p := s.opts.Probability
	if p == nil || *p >= 1 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64() < *p
}

// originBehavior makes the targeted origin instances hand the connections
// the options select to b and serve the others normally. Each connection is
// one attempt, counted across the instances. Instances env does not have
// are left out (Inject rejects them first).
func originBehavior(env *harness.Environment, opts Options, b harness.ConnBehavior) Injection {
	hit := inRange(env, opts)
	sel := newSelector(opts)
	behavior := func(ctx context.Context, conn net.Conn, o *harness.Origin) {
		if sel.hit() {
			harness.FaultHit(ctx)
			b(ctx, conn, o)
			return
		}
		o.Serve(conn)
	}
	var clears []func() error
	for _, n := range hit {
		o := env.Origins[n-1]
		o.SetBehavior(behavior)
		clears = append(clears, func() error { o.SetBehavior(nil); return nil })
	}
	return Injection{Clear: clearAll(clears), Method: targetsText(env, hit)}
}

// inRange is the instances the options target that env has.
func inRange(env *harness.Environment, opts Options) []int {
	hit, err := targets(env, opts)
	if err == nil {
		return hit
	}
	var in []int
	for _, n := range opts.Instances {
		if n <= len(env.Origins) {
			in = append(in, n)
		}
	}
	return in
}

// proxies runs do on the proxy of each instance the options target, and
// returns what clears them all; a failure undoes what was done.
func proxies(env *harness.Environment, opts Options, do func(p *harness.Proxy) (clear func() error, err error)) (Injection, error) {
	hit, err := targets(env, opts)
	if err != nil {
		return Injection{}, err
	}
	var clears []func() error
	for _, n := range hit {
		c, err := do(env.Proxies[n-1])
		if err != nil {
			_ = clearAll(clears)()
			return Injection{}, err
		}
		clears = append(clears, c)
	}
	return Injection{Clear: clearAll(clears), Method: targetsText(env, hit)}, nil
}

// tlsBehavior makes the origin's TLS endpoint hand the connections the
// options select to b, before any TLS byte, and serve the others with its
// good certificate. Each connection is one attempt.
func tlsBehavior(env *harness.Environment, opts Options, b harness.TLSBehavior) Injection {
	sel := newSelector(opts)
	env.TLS.SetBehavior(func(ctx context.Context, conn net.Conn, t *harness.TLSOrigin) {
		if sel.hit() {
			harness.FaultHit(ctx)
			b(ctx, conn, t)
			return
		}
		t.ServeTLS(conn, nil)
	})
	return Injection{Clear: func() error { env.TLS.SetBehavior(nil); return nil }}
}

// tlsCertificate makes the TLS endpoint present cert on the connections the
// options select.
func tlsCertificate(env *harness.Environment, opts Options, cert tls.Certificate) Injection {
	return tlsBehavior(env, opts, func(_ context.Context, conn net.Conn, t *harness.TLSOrigin) {
		t.ServeTLS(conn, &cert)
	})
}

// dnsAnswer makes the DNS server answer the queries the options select
// with a (which returns nil to send no reply at all) and the others
// normally. Each A query for the origin's name is one attempt; resolvers
// that also ask for AAAA get the normal (empty) answer for it, so an
// attempt is decided by one query and not by the order parallel queries
// arrive in. With every attempt selected, all query types get a.
func dnsAnswer(env *harness.Environment, opts Options, a harness.DNSAnswer) Injection {
	sel := newSelector(opts)
	everything := opts.Attempts.From == 0 && (opts.Probability == nil || *opts.Probability >= 1)
	env.DNS.SetAnswer(func(ctx context.Context, w dns.ResponseWriter, req *dns.Msg) *dns.Msg {
		if everything {
			harness.FaultHit(ctx)
			return a(ctx, w, req)
		}
		if req.Question[0].Qtype == dns.TypeA && sel.hit() {
			harness.FaultHit(ctx)
			return a(ctx, w, req)
		}
		// The server sends nothing for nil, so answer normally here.
		return env.DNS.Normal(req)
	})
	return Injection{Clear: func() error { env.DNS.SetAnswer(nil); return nil }}
}

// toxic adds a toxiproxy toxic on the stream the options name, hitting each
// connection with the options' probability (toxiproxy's toxicity; attempts
// cannot be honoured, so toxic faults declare Probabilistic).
func toxic(env *harness.Environment, opts Options, typ string, attributes any) (Injection, error) {
	stream := opts.Direction
	if stream == "" {
		stream = "downstream"
	}
	toxicity := float32(1)
	if opts.Probability != nil {
		toxicity = float32(*opts.Probability)
	}
	name := typ + "_" + stream
	// Clearing twice must not fail on the toxic the first clear removed:
	// clearAll clears once.
	return proxies(env, opts, func(p *harness.Proxy) (func() error, error) {
		if err := p.AddToxic(name, typ, stream, toxicity, attributes); err != nil {
			return nil, err
		}
		return func() error { return p.RemoveToxic(name) }, nil
	})
}

// Inject starts f with its options: selection and direction are the
// fault's own business; the schedule (after, for) is applied here.
//
// The fault's parameters and the options are validated first, so a Go
// caller cannot start a fault a suite would have rejected. When ctx ends,
// a scheduled fault is cleared with it.
func Inject(ctx context.Context, env *harness.Environment, f Fault, opts Options) (Injection, error) {
	if err := opts.Validate(); err != nil {
		return Injection{}, err
	}
	if v, ok := f.(Validator); ok {
		if err := v.Validate(); err != nil {
			return Injection{}, err
		}
	}
	if _, err := targets(env, opts); err != nil {
		return Injection{}, err
	}
	in, err := schedule(ctx, env, f, opts)
	if err != nil {
		return in, err
	}
	// While the fault is injected, every observation says whether it met
	// the fault.
	env.NoteFault(true)
	clearFault := in.Clear
	in.Clear = func() error {
		env.NoteFault(false)
		return clearFault()
	}
	return in, nil
}

// schedule starts f now, or on the options' schedule (after, for).
func schedule(ctx context.Context, env *harness.Environment, f Fault, opts Options) (Injection, error) {
	if opts.After == 0 && opts.For == 0 {
		return f.Inject(ctx, env, opts)
	}
	s := &scheduled{}
	start := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cleared {
			return
		}
		in, err := f.Inject(ctx, env, opts)
		s.inj, s.err = &in, err
		if err == nil && opts.For > 0 {
			s.stop = time.AfterFunc(opts.For, func() { _ = s.clear() })
		}
	}
	method := fmt.Sprintf("starts after %s", opts.After)
	if opts.After > 0 {
		s.start = time.AfterFunc(opts.After, start)
	} else {
		start()
		if s.err != nil {
			return Injection{}, s.err
		}
		method = s.inj.Method
	}
	if opts.For > 0 {
		method = strings.TrimPrefix(fmt.Sprintf("%s, ends after %s", method, opts.For), ", ")
	}
	// The run ending (an interrupt) ends the schedule too.
	context.AfterFunc(ctx, func() { _ = s.clear() })
	return Injection{Clear: s.clear, Method: method}, nil
}

// scheduled is a fault that starts and ends on timers.
type scheduled struct {
	mu          sync.Mutex
	start, stop *time.Timer
	inj         *Injection
	err         error
	cleared     bool
	clearErr    error // what clearing returned, for every later call
}

func (s *scheduled) clear() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start != nil {
		s.start.Stop()
	}
	if s.stop != nil {
		s.stop.Stop()
	}
	if s.cleared {
		return s.clearErr
	}
	s.cleared = true
	s.clearErr = s.err
	if s.inj != nil && s.inj.Clear != nil {
		s.clearErr = s.inj.Clear()
	}
	return s.clearErr
}
