// Package scenarios owns the suite format: the YAML a user writes, its
// strict loading and validation (every problem named by file, line and
// column), its JSON Schema, what each expectation checks (Expect.Checks),
// and the selection of scenarios (label filters, focus, shards). Running
// them is package runner's, on package engine; probing a gateway is
// package probe's; the steps both take are package steps'.
package scenarios

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// Suite is one suite file: a gateway, an origin and the scenarios to run.
type Suite struct {
	// Name names the suite in reports (default: the file's base name).
	Name      string      `yaml:"suite" json:"suite"`
	Gateway   GatewaySpec `yaml:"gateway" json:"gateway"`
	Origin    OriginSpec  `yaml:"origin" json:"origin"`
	DNS       DNSSpec     `yaml:"dns" json:"dns"`
	Scenarios []Scenario  `yaml:"scenarios" json:"scenarios"`
	// File is the suite file's path and Dir its directory, against which
	// templates are found.
	File string `yaml:"-" json:"file"`
	Dir  string `yaml:"-" json:"-"`
}

// Pos is a place in a suite file.
type Pos struct{ Line, Column int }

// GatewaySpec says which gateway is under test: builtin (the default),
// managed (command) or attached (url).
type GatewaySpec struct {
	// Name names the gateway in reports.
	Name string `yaml:"name" json:"name,omitempty"`
	// Builtin configures the reference gateway shipped in gatecrash.
	Builtin *BuiltinSpec `yaml:"builtin" json:"builtin,omitempty"`
	// Command is the argv of a managed gateway, run without a shell; each
	// element is a template.
	Command []string `yaml:"command" json:"command,omitempty"`
	// Templates are config templates, relative to the suite file, rendered
	// into the work dir without their .tmpl suffix.
	Templates []string `yaml:"templates" json:"templates,omitempty"`
	// Env adds environment variables to a managed gateway.
	Env map[string]string `yaml:"env" json:"env,omitempty"`
	// Ready is the readiness probe of a managed or attached gateway.
	Ready *ReadySpec `yaml:"ready" json:"ready,omitempty"`
	// StopGrace is how long a managed gateway has to exit after SIGTERM.
	StopGrace Duration `yaml:"stop_grace" json:"stop_grace,omitempty"`
	// Logs are the gateway's log files, attached to failures with its
	// output: relative to the work dir (templates) for a managed gateway,
	// to the suite file for an attached one.
	Logs []string `yaml:"logs" json:"logs,omitempty"`
	// URL is the address of an attached gateway that is already running.
	URL string `yaml:"url" json:"url,omitempty"`
}

// BuiltinSpec configures the builtin gateway.
type BuiltinSpec struct {
	ConnectTimeout  Duration `yaml:"connect_timeout" json:"connect_timeout,omitempty"`
	ResponseTimeout Duration `yaml:"response_timeout" json:"response_timeout,omitempty"`
	KeepAlive       bool     `yaml:"keepalive" json:"keepalive,omitempty"`
	// Retries is how many more times a failed attempt that is safe to
	// repeat is tried (harness.Builtin.Retries), 0 to 10.
	Retries int `yaml:"retries" json:"retries,omitempty"`
}

// ReadySpec is a readiness probe.
type ReadySpec struct {
	// HTTP is the path to request (default /).
	HTTP string `yaml:"http" json:"http,omitempty"`
	// Status, when set, is the status that means ready; otherwise any HTTP answer.
	Status int `yaml:"status" json:"status,omitempty"`
	// Within is the deadline (default 10s).
	Within Duration `yaml:"within" json:"within,omitempty"`
	// H2C probes over HTTP/2 in clear text with prior knowledge, for a
	// gateway that takes only that (nginx's listen ... http2 without TLS).
	H2C bool `yaml:"h2c" json:"h2c,omitempty"`
}

// Harness is the probe as the harness runs it (nil for none).
func (r *ReadySpec) Harness() *harness.Readiness {
	if r == nil {
		return nil
	}
	return &harness.Readiness{Path: r.HTTP, Status: r.Status, Within: r.Within.D(), H2C: r.H2C}
}

// OriginSpec configures the fake origin.
type OriginSpec struct {
	// Listen fixes where the gateway reaches the origin (needed for an
	// attached gateway); default: an ephemeral loopback port.
	Listen string `yaml:"listen" json:"listen,omitempty"`
	// Name is the origin's DNS name (default origin.gatecrash.test).
	Name string `yaml:"name" json:"name,omitempty"`
	// Routes are what the origin serves (default: / answers 200).
	Routes []harness.Route `yaml:"routes" json:"routes,omitempty"`
	// Instances is how many origins serve the routes, each behind its own
	// proxy, for a gateway that balances over several (default 1).
	Instances int `yaml:"instances" json:"instances,omitempty"`
	// H2C starts the origin's h2c endpoint ({{.OriginH2C}}): the same
	// routes over cleartext HTTP/2 with prior knowledge, which the HTTP/2
	// faults act on (default false: not started).
	H2C bool `yaml:"h2c" json:"h2c,omitempty"`
	// H2TLS starts the origin's HTTP/2-over-TLS endpoint
	// ({{.OriginH2TLS}}): the same routes over HTTP/2 negotiated with ALPN
	// (HTTP/1.1 for a client offering only http/1.1), with the TLS
	// endpoint's certificate ({{.CAFile}} verifies it), on which the HTTP/2
	// faults act as on the h2c endpoint (default false: not started).
	H2TLS bool `yaml:"h2tls" json:"h2tls,omitempty"`
}

// DNSSpec configures the fake DNS server.
type DNSSpec struct {
	// Listen fixes the DNS server's address (needed for an attached
	// gateway); default: an ephemeral loopback port.
	Listen string `yaml:"listen" json:"listen,omitempty"`
}

// Scenario is one fault and what the gateway must do about it.
type Scenario struct {
	Name    string      `yaml:"name" json:"name"`
	Labels  []string    `yaml:"labels" json:"labels,omitempty"`
	Fault   FaultRef    `yaml:"fault" json:"fault"`
	Request RequestSpec `yaml:"request" json:"request"`
	// Load, when set, sends the request at a constant rate for a duration
	// during the fault instead of once.
	Load   *LoadSpec `yaml:"load" json:"load,omitempty"`
	Expect Expect    `yaml:"expect" json:"expect"`
	// Skip, when set, is why the scenario does not run (say, a gateway
	// that cannot be pointed at the fake DNS); it shows in every report.
	Skip string `yaml:"skip" json:"skip,omitempty"`
	// Finding, when set, pins a behaviour of the gateway worth knowing
	// that is not what one would want (say, "nginx relays garbage as
	// HTTP/0.9"): the scenario asserts it, and every report shows it
	// passing as a finding rather than a plain pass. It still counts as
	// passed, and fails like any scenario when the behaviour changes.
	Finding string `yaml:"finding" json:"finding,omitempty"`
	// Deadline bounds the whole scenario (default: derived from its
	// request timeout, wait, load and recovery bound); a scenario still
	// running then fails, saying so.
	Deadline Duration `yaml:"deadline" json:"deadline,omitempty"`
	// Order is the scenario's place in the whole run, in file order (see
	// Number); reports of slices are merged by it.
	Order int `yaml:"-" json:"-"`
	// Unselected is set by Filter.Select on a scenario the run's
	// --label-filter or --focus leaves out: it is reported as skipped,
	// never run.
	Unselected bool `yaml:"-" json:"-"`
	// Pos is where the scenario starts in its file.
	Pos Pos `yaml:"-" json:"-"`
}

// Bound is how long a whole scenario may take, however the gateway behaves: the steady
// state and the observed request each within their timeout, the wait
// before the request, recovery, and a margin for injecting and clearing.
func (sc *Scenario) Bound() time.Duration {
	if sc.Deadline > 0 {
		return sc.Deadline.D()
	}
	request := sc.Request.Timeout.D()
	if request <= 0 {
		request = harness.DefaultRequestTimeout
	}
	d := 2*request + sc.Request.After.D() + 30*time.Second
	if r := sc.Expect.Recovers; r != nil {
		d += r.Within.D()
	}
	if sc.Load != nil {
		d += sc.Load.Duration.D()
	}
	return d
}

// RequestSpec is the request the client sends through the gateway.
type RequestSpec struct {
	Method  string            `yaml:"method" json:"method,omitempty"`
	Path    string            `yaml:"path" json:"path,omitempty"`
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`
	Body    string            `yaml:"body" json:"body,omitempty"`
	// Timeout bounds the request (default 30s).
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// After delays the request this long after the fault is injected, for
	// instance to let a gateway's DNS cache expire.
	After Duration `yaml:"after" json:"after,omitempty"`
	// GRPC makes the request a gRPC call over h2c (see GRPCSpec).
	GRPC *GRPCSpec `yaml:"grpc" json:"grpc,omitempty"`
	// H2C sends the request to the gateway over cleartext HTTP/2 with
	// prior knowledge (a gateway that speaks HTTP/2 to its clients, such
	// as nginx's listen ... http2), not HTTP/1.1.
	H2C bool `yaml:"h2c" json:"h2c,omitempty"`
	// WebSocket opens a WebSocket instead (see stream.go).
	WebSocket *WebSocketSpec `yaml:"websocket" json:"websocket,omitempty"`
	// SSE reads server-sent events instead (see stream.go).
	SSE *SSESpec `yaml:"sse" json:"sse,omitempty"`
}

// Harness is the request as the harness sends it.
func (r RequestSpec) Harness() harness.Request {
	return harness.Request{Method: r.Method, Path: r.Path, Headers: r.Headers, Body: r.Body, Timeout: r.Timeout.D(), GRPC: r.GRPC.harness(), H2C: r.H2C, Stream: r.stream()}
}

// Duration is a time.Duration written as in Go: 500ms, 2s, 1m30s.
type Duration time.Duration

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats the duration as it is written.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string such as "500ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) decodeNode(dec *decoder, node ast.Node, path string) {
	v, problem := parseDuration(node)
	if problem == "" {
		problem = durationBounds(path, v, node)
	}
	if problem != "" {
		dec.fail(node, "%s: %s", path, problem)
		return
	}
	*d = Duration(v)
}

// StatusSet matches status codes: exact codes and classes like 5xx.
type StatusSet []StatusMatch

// StatusMatch is one code (Code) or one class (Class 1-5, Code 0).
type StatusMatch struct {
	Code  int
	Class int
}

// Matches reports whether status is in the set.
func (s StatusSet) Matches(status int) bool {
	for _, m := range s {
		if (m.Code != 0 && m.Code == status) || (m.Class != 0 && status/100 == m.Class) {
			return true
		}
	}
	return false
}

// String writes the set as a suite would: 502, 5xx, or [502, 504].
func (s StatusSet) String() string {
	parts := make([]string, len(s))
	for i, m := range s {
		parts[i] = m.String()
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// String writes the code or the class.
func (m StatusMatch) String() string {
	if m.Class != 0 {
		return fmt.Sprintf("%dxx", m.Class)
	}
	return strconv.Itoa(m.Code)
}

// MarshalJSON writes the set as a list of strings such as ["502", "5xx"].
func (s StatusSet) MarshalJSON() ([]byte, error) {
	parts := make([]string, len(s))
	for i, m := range s {
		parts[i] = m.String()
	}
	return json.Marshal(parts)
}

// statusExpected is what a status in an expectation may be. A code is any
// three digits from 100: a gateway can relay a code RFC 9110 does not
// define, such as 999, and the client reports it as it came (with
// valid_http false), so a suite can pin it; four digits, or fewer than
// three, never come as a status.
const statusExpected = "expected a status code (three digits, 100-999), a class such as 5xx, or a list of them"

func (s *StatusSet) decodeNode(dec *decoder, node ast.Node, path string) {
	items := []ast.Node{node}
	if seq, ok := node.(*ast.SequenceNode); ok {
		items = seq.Values
		if len(items) == 0 {
			dec.fail(node, "%s: %s; got an empty list", path, statusExpected)
			return
		}
	}
	for _, item := range items {
		item = unwrap(item)
		switch n := item.(type) {
		case *ast.IntegerNode:
			code, err := strconv.Atoi(fmt.Sprint(n.GetValue()))
			if tk := n.GetToken(); tk != nil && strings.Trim(tk.Value, "0123456789") != "" {
				err = fmt.Errorf("not three decimal digits") // 0x1F6 or 0o766 is 502, but no status line says so
			}
			if err != nil || code < 100 || code > 999 {
				dec.fail(item, "%s: %s; got %s", path, statusExpected, n.GetToken().Value)
				continue
			}
			*s = append(*s, StatusMatch{Code: code})
		case *ast.StringNode:
			v := strings.ToLower(n.Value)
			if len(v) == 3 && v[0] >= '1' && v[0] <= '5' && v[1:] == "xx" {
				*s = append(*s, StatusMatch{Class: int(v[0] - '0')})
				continue
			}
			if code, err := strconv.Atoi(v); err == nil && code >= 100 && code <= 999 && len(v) == 3 {
				*s = append(*s, StatusMatch{Code: code})
				continue
			}
			dec.fail(item, "%s: %s; got %q", path, statusExpected, n.Value)
		default:
			dec.fail(item, "%s: %s; got %s", path, statusExpected, describe(item))
		}
	}
}

// FaultRef is a scenario's fault: a catalog name, alone (`fault: refused`)
// or with parameters (`fault: {garbage: {bytes: "x"}}`), or `fault: none`
// for a control scenario with nothing injected (Fault is then nil).
type FaultRef struct {
	Name    string
	Fault   faults.Fault
	Options faults.Options
	// Control says the scenario injects nothing (fault: none).
	Control bool
}

// NoFault is the fault of a control scenario: nothing is injected, and the
// request, expectations and recovery are checked as for any scenario.
const NoFault = "none"

// MarshalJSON writes the fault as {"name": ..., "params": ..., "options": ...}.
func (f FaultRef) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name    string         `json:"name"`
		Params  faults.Fault   `json:"params"`
		Options faults.Options `json:"options"`
	}{f.Name, f.Fault, f.Options})
}

func (f *FaultRef) decodeNode(dec *decoder, node ast.Node, path string) {
	var params ast.Node
	var nameNode ast.Node = node
	switch n := node.(type) {
	case *ast.StringNode:
		f.Name = n.Value
		if f.Name == NoFault {
			f.Control = true
			return
		}
	case *ast.MappingNode:
		if len(n.Values) != 1 {
			dec.fail(node, "%s: expected one fault name with its parameters, such as {garbage: {bytes: \"x\"}}; got %d names", path, len(n.Values))
			return
		}
		f.Name = keyString(n.Values[0])
		nameNode = n.Values[0].Key
		params = unwrap(n.Values[0].Value)
	default:
		dec.fail(node, "%s: expected a fault name such as refused, or a mapping of one fault name to its parameters; got %s", path, describe(node))
		return
	}
	def, ok := faults.Lookup(f.Name)
	if !ok {
		dec.fail(nameNode, "%s: unknown fault %q%s; expected one of the catalog (gatecrash faults): %s",
			path, f.Name, didYouMean(f.Name, faults.Names()), strings.Join(faults.Names(), ", "))
		return
	}
	f.Fault = def.New()
	at := path + "." + f.Name
	before := len(dec.problems)
	ownParams, options := splitOptions(dec, params, def, at)
	dec.decode(ownParams, reflectValue(f.Fault), at)
	dec.decode(options, reflect.ValueOf(&f.Options).Elem(), at)
	if len(dec.problems) > before {
		return
	}
	place := params
	if isNull(place) {
		place = nameNode
	}
	if err := f.Options.Validate(); err != nil {
		dec.fail(place, "%s: %v", at, err)
	}
	if n, written := dec.nodes[at+".instances"]; written && len(f.Options.Instances) == 0 && !isNull(n) {
		dec.fail(n, "%s.instances: expected at least one origin instance, such as [1]; got an empty list (leave instances out for every instance)", at)
	}
	if v, ok := f.Fault.(faults.Validator); ok {
		if err := v.Validate(); err != nil {
			dec.fail(place, "%s: %v", at, err)
		}
	}
}

// splitOptions separates the common options in a fault's mapping from its
// own parameters, and reports options the fault does not take.
func splitOptions(dec *decoder, params ast.Node, def faults.Definition, at string) (own, options ast.Node) {
	m, ok := params.(*ast.MappingNode)
	if !ok {
		return params, nil
	}
	common := structFields(reflect.TypeFor[faults.Options]())
	var mine, opts []*ast.MappingValueNode
	for _, kv := range m.Values {
		key := keyString(kv)
		if _, isOption := common[key]; !isOption {
			mine = append(mine, kv)
			continue
		}
		if !def.Options.Takes(key) {
			takes := "no common options"
			if names := def.Options.Names(); len(names) > 0 {
				takes = "only " + strings.Join(names, ", ")
			}
			dec.fail(kv.Key, "%s: %s does not take %s; it takes %s", at, def.Name, key, takes)
			continue
		}
		opts = append(opts, kv)
	}
	return ast.Mapping(m.Start, m.IsFlowStyle, mine...), ast.Mapping(m.Start, m.IsFlowStyle, opts...)
}

func reflectValue(f faults.Fault) reflect.Value { return reflect.ValueOf(f).Elem() }
