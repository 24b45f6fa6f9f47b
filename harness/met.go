package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// A verdict is only as good as its evidence: a gateway that answered 200
// during a fault may have met the fault and coped, or never met it at all
// (a pooled connection, a cached address, another instance). Each piece of
// the environment notes when a fault's behaviour was in effect (spans) and
// which connections, requests and queries it took (hits); an observation
// turns them into a FaultMet.

// MetVerdict says whether a request met the fault in effect.
type MetVerdict string

// The verdicts on meeting a fault.
const (
	// FaultWasMet: at least one of the request's attempts, or one DNS
	// query made while it was in flight, got the fault's behaviour.
	FaultWasMet MetVerdict = "met"
	// FaultNotMet: the evidence shows the request got around the fault:
	// served normally (another instance, a connection opened before the
	// fault, an attempt the fault did not select), no DNS query made, or
	// the fault not in effect while it was in flight.
	FaultNotMet MetVerdict = "not_met"
	// FaultUnobserved: what would show it cannot be seen here (connects
	// that nothing accepts, without the privilege to count their SYNs;
	// a toxic that hits connections at random), and nothing shows the
	// request got around it.
	FaultUnobserved MetVerdict = "unobserved"
)

// FaultMet is the verdict on whether an observed request (or a load) met
// the fault in effect, and its evidence.
type FaultMet struct {
	Verdict MetVerdict
	// Evidence says why, in plain words.
	Evidence string
	// Faulted counts the upstream attempts that got the fault's
	// behaviour; Served those the origin served normally.
	Faulted int
	Served  int
	// DNSQueries counts the queries for the origin's name while the
	// request was in flight, DNSFaulted those answered with the fault.
	DNSQueries int
	DNSFaulted int
	// Share is, for a load, the share of its upstream attempts and
	// queries that met the fault (0 to 1).
	Share *float64
}

// Met reports whether the verdict is FaultWasMet; nil (no fault in
// effect) is not.
func (m *FaultMet) Met() bool { return m != nil && m.Verdict == FaultWasMet }

// String is the verdict and its evidence.
func (m *FaultMet) String() string {
	if m == nil {
		return "no fault in effect"
	}
	return fmt.Sprintf("%s (%s)", strings.ReplaceAll(string(m.Verdict), "_", " "), m.Evidence)
}

// hitKey keys, in a behaviour's context, what notes a hit on the
// connection, request or query the behaviour is handling.
type hitKey struct{}

// FaultHit notes that the fault's behaviour took the connection, request or
// DNS query ctx belongs to: a behaviour of the origin or TLS endpoint calls
// it with the context it was handed, a request behaviour with its request's
// context, a DNS answer with its context. A fault that passes a connection
// on to be served normally does not call it.
func FaultHit(ctx context.Context) {
	if f, ok := ctx.Value(hitKey{}).(func()); ok {
		f()
	}
}

func withHit(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, hitKey{}, f)
}

// spans notes when something was in effect: a fault's behaviour installed
// on the origin, its TLS endpoint or the DNS server, a toxic on a proxy.
type spans struct {
	mu   sync.Mutex
	list []effectSpan
}

type effectSpan struct {
	start, end time.Time // end zero while in effect
	uncertain  bool      // the behaviour hits at random, unseen (a toxic's toxicity)
}

// maxSpans bounds the history between resets (a flapping fault).
const maxSpans = 4096

func (s *spans) begin(uncertain bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if n := len(s.list); n > 0 && s.list[n-1].end.IsZero() {
		s.list[n-1].end = now
	}
	if len(s.list) >= maxSpans {
		s.list = s.list[len(s.list)/2:]
	}
	s.list = append(s.list, effectSpan{start: now, uncertain: uncertain})
}

func (s *spans) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.list); n > 0 && s.list[n-1].end.IsZero() {
		s.list[n-1].end = time.Now()
	}
}

// set begins a span when on, ends it otherwise.
func (s *spans) set(on bool) {
	if on {
		s.begin(false)
	} else {
		s.end()
	}
}

// during reports whether something was in effect at some moment between
// from and to, and whether any such span was uncertain.
func (s *spans) during(from, to time.Time) (in, uncertain bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.list {
		if !sp.start.After(to) && (sp.end.IsZero() || !sp.end.Before(from)) {
			in = true
			uncertain = uncertain || sp.uncertain
		}
	}
	return in, uncertain
}

// at reports whether something was in effect at t, and was certain to hit.
func (s *spans) at(t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.list {
		if !sp.uncertain && !sp.start.After(t) && (sp.end.IsZero() || !sp.end.Before(t)) {
			return true
		}
	}
	return false
}

func (s *spans) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.list); n > 0 && s.list[n-1].end.IsZero() {
		s.list = []effectSpan{s.list[n-1]}
		return
	}
	s.list = nil
}

// faultPaths is what of a fault was in effect while a request was in
// flight: on which origin instances (from 1) a behaviour or a toxic acted,
// on which the proxy accepted nothing, whether the TLS endpoint, the h2c
// endpoint and the DNS server had a fault's behaviour.
type faultPaths struct {
	behavior  []int // origin behaviours or certain toxics
	uncertain []int // toxics that hit at random
	down      []int
	tls, dns  bool
	h2c       bool
}

func (p faultPaths) any() bool {
	return len(p.behavior)+len(p.uncertain)+len(p.down) > 0 || p.tls || p.dns || p.h2c
}

// targets reports whether instance i had a fault path of its own.
func (p faultPaths) targets(i int) bool {
	return slices.Contains(p.behavior, i) || slices.Contains(p.uncertain, i) || slices.Contains(p.down, i)
}

// maxHitsShown bounds the attempts the evidence names one by one.
const maxHitsShown = 5

// countedLines are lines of evidence in the order first seen, each with how
// many times it was seen.
type countedLines struct {
	order []string
	n     map[string]int
}

func (c *countedLines) add(line string) {
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[line] == 0 {
		c.order = append(c.order, line)
	}
	c.n[line]++
}

func (c *countedLines) lines() []string {
	out := make([]string, len(c.order))
	for i, l := range c.order {
		out[i] = l
		if n := c.n[l]; n > 1 {
			out[i] = fmt.Sprintf("%s (%s)", l, Plural(n, "attempt"))
		}
	}
	return out
}

// metInput is the evidence the verdict is drawn from.
type metInput struct {
	paths      faultPaths
	attempts   []Attempt
	dnsQueries int
	dnsFaulted int
	// synsCounted says connects nothing accepted were counted (SYNs).
	synsCounted bool
	// uncounted is why attempts may have gone unseen (Observation.Uncounted).
	uncounted string
	// before counts what met the fault between its start and the request
	// on the gateway's own account (no client request in flight): attempts
	// a fault's behaviour took, connects nothing accepted.
	before int
	// originName is the name the gateway resolves; instances how many
	// origin instances there are.
	originName string
	instances  int
}

// judgeMet draws the verdict on meeting the fault from the evidence.
func judgeMet(in metInput) *FaultMet {
	m := &FaultMet{DNSQueries: in.dnsQueries, DNSFaulted: in.dnsFaulted}
	var hits []string
	var served countedLines
	reused := false
	for _, a := range in.attempts {
		where := fmt.Sprintf("instance %d", a.Instance)
		if in.instances == 1 {
			where = "the origin"
		}
		switch a.Endpoint {
		case "tls":
			where = "the TLS endpoint"
		case "h2c":
			where = "the h2c endpoint"
		case "h2tls":
			where = "the h2tls endpoint"
		}
		switch {
		case a.Faulted:
			m.Faulted++
			if len(hits) < maxHitsShown {
				if a.Endpoint == "unaccepted" {
					hits = append(hits, fmt.Sprintf("a connect to %s was refused or dropped (nothing accepted it)", where))
				} else {
					hits = append(hits, fmt.Sprintf("%s (connection %d) got the fault", where, a.Connection))
				}
			}
		case a.RequestRead && a.Answer != nil:
			m.Served++
			how := ""
			if a.Reused {
				reused = true
				how = " on a connection opened before the request"
			}
			if !in.paths.targets(a.Instance) && a.Endpoint == "http" && (len(in.paths.behavior)+len(in.paths.down)+len(in.paths.uncertain)) > 0 {
				how += ", an instance the fault did not target"
			}
			served.add(fmt.Sprintf("%s served it normally%s", where, how))
		}
	}
	if m.Faulted > maxHitsShown {
		hits = append(hits, "and "+Plural(m.Faulted-maxHitsShown, "more attempt")+" got the fault")
	}
	if in.dnsFaulted > 0 {
		hits = append(hits, fmt.Sprintf("%d of %s for %s since the fault began %s answered with it", in.dnsFaulted, Plural(in.dnsQueries, "DNS query"), in.originName, wasWere(in.dnsFaulted)))
	}
	if len(hits) == 0 && in.before > 0 {
		// The gateway met it on its own before the request, and the
		// request shows what it made of that.
		hits = append(hits, fmt.Sprintf("the gateway met it on its own before the request: %s or connects of its own since the fault began got it (a health check)", Plural(in.before, "upstream attempt")))
		hits = append(hits, served.lines()...)
	}
	if len(hits) > 0 {
		m.Verdict, m.Evidence = FaultWasMet, strings.Join(hits, "; ")
		return m
	}
	if !in.paths.any() {
		m.Verdict = FaultNotMet
		m.Evidence = "the fault was never met: nothing of it was in effect while the request was in flight (it had not started, had ended, or was between its phases)"
		return m
	}
	var why []string
	if in.paths.dns {
		switch {
		case in.dnsQueries > 0:
			why = append(why, fmt.Sprintf("the %s for %s since the fault began %s answered normally (the fault did not act on %s: its attempts or probability, or a query type or transport it leaves alone)", Plural(in.dnsQueries, "DNS query"), in.originName, wasWere(in.dnsQueries), map[bool]string{true: "it", false: "them"}[in.dnsQueries == 1]))
		case reused:
			why = append(why, fmt.Sprintf("no DNS query for %s was made during the fault: the gateway reused a connection opened before it", in.originName))
		case m.Served > 0:
			why = append(why, fmt.Sprintf("no DNS query for %s was made during the fault: the gateway used an address it had cached", in.originName))
		case len(in.paths.behavior)+len(in.paths.down)+len(in.paths.uncertain) == 0 && !in.paths.tls && !in.paths.h2c && in.uncounted == "":
			why = append(why, fmt.Sprintf("no DNS query for %s and no upstream attempt were made during the fault: the gateway answered from a cache or by itself", in.originName))
		}
	}
	why = append(why, served.lines()...)
	if len(in.paths.uncertain) > 0 && len(why) > 0 {
		// A toxic that hits at random may have acted on the attempts
		// that look served: nothing says it did not.
		m.Verdict = FaultUnobserved
		m.Evidence = strings.Join(why, "; ") + "; the fault's toxic hits connections at random (probability) and does not say which it hit"
		return m
	}
	if len(in.paths.down) > 0 && !in.synsCounted && len(why) > 0 {
		// Attempts served elsewhere or between outages do not show that
		// no attempt met the outage: its refused connects are unseen.
		m.Verdict = FaultUnobserved
		m.Evidence = strings.Join(why, "; ") + "; connects to the refused or dropped address cannot be counted here (that needs CAP_NET_RAW)"
		return m
	}
	if len(why) > 0 {
		m.Verdict, m.Evidence = FaultNotMet, "the fault was never met: "+strings.Join(why, "; ")
		return m
	}
	// Nothing reached the origin, and nothing was seen to get the fault.
	switch {
	case len(in.paths.uncertain) > 0:
		m.Verdict = FaultUnobserved
		m.Evidence = "the fault's toxic hits connections at random (probability) and does not say which it hit"
	case len(in.paths.down) > 0 && !in.synsCounted:
		m.Verdict = FaultUnobserved
		m.Evidence = "no attempt reached the origin; connects to the refused or dropped address cannot be counted here (that needs CAP_NET_RAW)"
	case in.uncounted != "":
		m.Verdict = FaultUnobserved
		m.Evidence = "no attempt was seen, but attempts may have gone uncounted: " + in.uncounted
	case len(in.paths.down) > 0:
		m.Verdict = FaultNotMet
		m.Evidence = "the fault was never met: no connect to the origin was made during the request (the gateway answered from a cache or by itself)"
	default:
		m.Verdict = FaultNotMet
		m.Evidence = "the fault was never met: no upstream attempt reached the origin during the request (the gateway answered from a cache or by itself)"
	}
	return m
}
