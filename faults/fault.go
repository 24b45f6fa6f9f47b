// Package faults is the catalog of failures gatecrash injects between a
// gateway and its origin. Each fault is one file: a struct whose exported
// fields are its parameters (with defaults from its constructor), an Inject
// method that does the work, and an init that registers it with its name,
// family, one-line summary and YAML example. The catalog that
// `gatecrash faults` prints and the README's table come from this registry.
package faults

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// Fault is one injectable failure.
type Fault interface {
	// Inject starts the fault in env, honouring the options it takes
	// (selection, direction; the schedule is applied by the package's
	// Inject). The returned Injection clears it.
	Inject(ctx context.Context, env *harness.Environment, opts Options) (Injection, error)
}

// Validator is implemented by faults whose parameters need checking beyond
// their types. The error is written for the user who wrote the suite.
type Validator interface {
	Validate() error
}

// SuiteFacts is what a fault's parameters may be checked against before
// anything starts: the suite it runs in.
type SuiteFacts struct {
	// Instances is how many origin instances the suite has (origin.instances).
	Instances int
	// OriginHost is the loopback address the gateway reaches the origin on.
	OriginHost string
	// OriginName is the origin's DNS name (origin.name, or its default).
	OriginName string
	// Routes are the paths of the origin's routes (origin.routes).
	Routes []string
	// H2C says the suite starts the origin's h2c endpoint (origin.h2c).
	H2C bool
	// H2TLS says the suite starts the origin's HTTP/2-over-TLS endpoint
	// (origin.h2tls), on which the h2c endpoint's faults act too.
	H2TLS bool
}

// TLSRoute is the first of the suite's routes under
// harness.TLSPathPrefix, which reach the origin's TLS endpoint, or "".
func (s SuiteFacts) TLSRoute() string {
	for _, r := range s.Routes {
		if strings.HasPrefix(r, harness.TLSPathPrefix) {
			return r
		}
	}
	return ""
}

// H2CRoute is the first of the suite's routes under
// harness.H2CPathPrefix, which the builtin gateway (and a gateway
// configured as it is) sends to the origin's h2c endpoint, or "".
func (s SuiteFacts) H2CRoute() string {
	for _, r := range s.Routes {
		if strings.HasPrefix(r, harness.H2CPathPrefix) {
			return r
		}
	}
	return ""
}

// H2TLSRoute is the first of the suite's routes under
// harness.H2TLSPathPrefix, which the builtin gateway (and a gateway
// configured as it is) sends to the origin's HTTP/2-over-TLS endpoint, or
// "".
func (s SuiteFacts) H2TLSRoute() string {
	for _, r := range s.Routes {
		if strings.HasPrefix(r, harness.H2TLSPathPrefix) {
			return r
		}
	}
	return ""
}

// HTTP2Route is the route an HTTP/2 fault is met on: the suite's h2c
// route when it starts the h2c endpoint and has one, else its h2tls route
// when it starts that endpoint, else "".
func (s SuiteFacts) HTTP2Route() string {
	if r := s.H2CRoute(); s.H2C && r != "" {
		return r
	}
	if r := s.H2TLSRoute(); s.H2TLS && r != "" {
		return r
	}
	return ""
}

// Needs is what a fault needs from the suite it runs in, whatever its
// parameters: a fault declares them in its Register call, so that the
// callers (probe choosing what to inject, validation) ask the catalog
// instead of knowing fault names. The zero value needs nothing.
type Needs struct {
	// Instances is the fewest origin instances (origin.instances) the
	// fault means anything with: one_origin_down needs another to serve.
	// 0 or 1: any suite.
	Instances int
	// TLSRoute is set by faults of the origin's TLS endpoint: only a
	// request the gateway sends there meets them, so the suite needs a
	// route under harness.TLSPathPrefix (SuiteFacts.TLSRoute).
	TLSRoute bool
	// H2C is set by faults of the origin's h2c endpoint: the suite must
	// start it (origin.h2c: true, SuiteFacts.H2C) and have a route under
	// harness.H2CPathPrefix for the gateway to send there
	// (SuiteFacts.H2CRoute), or start its HTTP/2-over-TLS endpoint, where
	// the same faults act (origin.h2tls: true), and have a route under
	// harness.H2TLSPathPrefix (SuiteFacts.HTTP2Route).
	H2C bool
	// Request, when set, is the kind of request the fault means something
	// to: RequestWebSocket, RequestSSE or RequestGRPC. Its behaviour is
	// written for that exchange (a frame, an event, a trailer), so a
	// probe sends that kind, as the suite's scenarios do, or leaves the
	// fault out when they send none.
	Request string
}

// The kinds of request a fault may need (Needs.Request), named as a
// scenario's request field that sends one.
const (
	RequestWebSocket = "websocket"
	RequestSSE       = "sse"
	RequestGRPC      = "grpc"
)

// Shortfall is a need a suite does not meet, in the user's words.
type Shortfall struct {
	// Need is what the suite lacks: "needs several origin instances".
	Need string
	// Fix, when there is one to say, is the suite that would have it: "a
	// suite with origin.instances: 2 or more".
	Fix string
}

// String is the need, then its fix when there is one: "needs several
// origin instances: a suite with origin.instances: 2 or more".
func (s Shortfall) String() string {
	if s.Fix == "" {
		return s.Need
	}
	return s.Need + ": " + s.Fix
}

// Unmet is the first need the suite s does not meet, in the order of
// Needs's fields, or nil when it meets them all.
func (n Needs) Unmet(s SuiteFacts) *Shortfall {
	if n.Instances > 1 && s.Instances < n.Instances {
		need := fmt.Sprintf("needs %d origin instances", n.Instances)
		if n.Instances == 2 {
			need = "needs several origin instances"
		}
		return &Shortfall{Need: need, Fix: fmt.Sprintf("a suite with origin.instances: %d or more", n.Instances)}
	}
	if n.TLSRoute && s.TLSRoute() == "" {
		return &Shortfall{Need: "needs an origin route under " + harness.TLSPathPrefix + " that the gateway sends to the origin's TLS endpoint"}
	}
	if n.H2C && !s.H2C && !s.H2TLS {
		return &Shortfall{Need: "needs the origin's h2c endpoint", Fix: "a suite with origin.h2c: true (or origin.h2tls: true)"}
	}
	if n.H2C && s.HTTP2Route() == "" {
		if !s.H2C {
			return &Shortfall{Need: "needs an origin route under " + harness.H2TLSPathPrefix + " that the gateway sends to the origin's h2tls endpoint"}
		}
		return &Shortfall{Need: "needs an origin route under " + harness.H2CPathPrefix + " that the gateway sends to the origin's h2c endpoint"}
	}
	return nil
}

// SuiteChecker is implemented by faults whose parameters depend on the
// suite (an instance number, an address the origin must not already
// have), so that validating a suite finds what a run would. The error is
// written for the user who wrote the suite.
type SuiteChecker interface {
	CheckSuite(s SuiteFacts) error
}

// CheckSuite checks the instances the options name against the suite's.
func (o Options) CheckSuite(s SuiteFacts) error {
	for _, n := range o.Instances {
		if n > s.Instances {
			return fmt.Errorf("instances: expected origin instances from 1 to %d (origin.instances); got %d", s.Instances, n)
		}
	}
	return nil
}

// Injection is a fault in effect.
type Injection struct {
	// Clear ends the fault; the environment is healthy again afterwards.
	Clear func() error
	// Method says how the fault was made, when there is more than one way.
	Method string
}

// Definition describes one fault of the catalog.
type Definition struct {
	// Name is how suites refer to the fault.
	Name string
	// Family groups faults by what broke (origin down, slow origin, DNS...).
	Family string
	// Summary is one line on what the gateway meets.
	Summary string
	// Example is a scenario's `fault:` value in YAML, using the parameters.
	Example string
	// Options are the common options the fault takes.
	Options OptionSet
	// Needs is what the fault needs from a suite (several origin
	// instances, a TLS route); zero for most faults.
	Needs Needs
	// FollowUps is how many requests a scenario sends after its own, one
	// after the other on the same path while the fault is in effect, to
	// catch an answer cross-wired by it (harness.CrossWire): a fault that
	// may leave bytes on a connection the gateway keeps alive poisons the
	// next request sent on it, not the one that met it. Zero for most.
	FollowUps int
	// New returns the fault with its default parameters.
	New func() Fault
}

// The families of the catalog, in the order the catalog lists them.
const (
	FamilyOriginDown = "origin down"
	FamilySlowOrigin = "slow origin"
	FamilyDNS        = "DNS"
	FamilyFirewall   = "firewall"
	FamilyMalformed  = "malformed response"
	FamilyTLS        = "TLS origin"
	FamilyReuse      = "connection reuse"
	FamilyErrors     = "origin errors"
	FamilyHTTP2      = "HTTP/2 origin"
	FamilyGRPC       = "gRPC origin"
	FamilyStreams    = "streams"
	FamilyDesync     = "response desync"
)

var familyOrder = []string{
	FamilyOriginDown, FamilySlowOrigin, FamilyDNS, FamilyFirewall, FamilyMalformed, FamilyTLS, FamilyReuse, FamilyErrors, FamilyHTTP2,
	FamilyGRPC, FamilyStreams,
	FamilyDesync,
}

var registry = map[string]Definition{}

// Register adds a fault to the catalog; it is called from init functions.
func Register(d Definition) {
	if _, dup := registry[d.Name]; dup {
		panic(fmt.Sprintf("faults: %q registered twice", d.Name))
	}
	if d.Name == "" || d.Family == "" || d.Summary == "" || d.Example == "" || d.New == nil {
		panic(fmt.Sprintf("faults: %q registered without name, family, summary, example or constructor", d.Name))
	}
	registry[d.Name] = d
}

// Lookup finds a fault by name.
func Lookup(name string) (Definition, bool) {
	d, ok := registry[name]
	return d, ok
}

// All is the catalog, by family, then by name.
func All() []Definition {
	rank := make(map[string]int, len(familyOrder))
	for i, f := range familyOrder {
		rank[f] = i
	}
	all := make([]Definition, 0, len(registry))
	for _, d := range registry {
		all = append(all, d)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Family != all[j].Family {
			return rank[all[i].Family] < rank[all[j].Family]
		}
		return all[i].Name < all[j].Name
	})
	return all
}

// Names lists the catalog's fault names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Markdown is the catalog as a Markdown table, for the README.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| fault | family | what the gateway meets | parameters (defaults) | options | example |\n|---|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, d := range All() {
		params := Defaults(d.New())
		if params == "" {
			params = "none"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | `fault: %s` |\n", d.Name, d.Family, cell(d.Summary),
			cell(params), strings.Join(d.Options.Names(), ", "), cell(d.Example))
	}
	return b.String()
}

// Defaults lists a fault's parameters with their values, as a suite writes
// them: "delay: 3s, chunk: 8".
func Defaults(f Fault) string {
	v := reflect.ValueOf(f).Elem()
	var parts []string
	for i := range v.NumField() {
		field := v.Type().Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("yaml"), ",")
		if !field.IsExported() || name == "" || name == "-" {
			continue
		}
		value := v.Field(i).Interface()
		switch x := value.(type) {
		case string:
			value = strconv.Quote(x)
		case Bytes:
			value = strconv.Quote(string(x))
		case time.Duration:
			value = x.String()
		}
		parts = append(parts, fmt.Sprintf("%s: %v", name, value))
	}
	return strings.Join(parts, ", ")
}
