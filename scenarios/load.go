package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	gtypes "github.com/onsi/ginkgo/v2/types"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// Load reads one suite file and validates it. On any problem it returns a
// *LoadError that lists them all, each with its line and column.
func Load(path string) (*Suite, error) {
	data, err := readSuite(path)
	if err != nil {
		return nil, &LoadError{File: path, Problems: []Problem{{Message: fmt.Sprintf("cannot read the suite file: %v", err)}}}
	}
	return Parse(path, data)
}

// LoadAll loads every file and joins their problems; nothing is returned
// unless all of them are valid. A file named twice (overlapping globs:
// a.yaml *.yaml) is loaded once, at its first place.
func LoadAll(paths []string) ([]*Suite, error) {
	var suites []*Suite
	var errs []error
	seen := map[string]bool{}
	for _, p := range paths {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		s, err := Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		suites = append(suites, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return suites, nil
}

// Parse decodes and validates a suite from data; path names it in messages
// and templates are found relative to it.
func Parse(path string, data []byte) (*Suite, error) {
	fail := func(p ...Problem) error { return &LoadError{File: path, Problems: p} }
	data, problem := checkInput(data)
	if problem != nil {
		return nil, fail(*problem)
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) && yerr.GetToken() != nil && yerr.GetToken().Position != nil {
			pos := yerr.GetToken().Position
			msg := yerr.GetMessage()
			if strings.Contains(msg, "found character '\t'") {
				msg = "a tab where YAML expects indentation or a value: YAML indents with spaces, never tabs"
			}
			return nil, fail(Problem{pos.Line, pos.Column, "YAML syntax: " + oneLine(msg)})
		}
		return nil, fail(Problem{Message: "YAML syntax: " + oneLine(err.Error())})
	}
	// Documents with nothing in them (a %YAML directive's, one after a
	// last "---") are no second suite.
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if _, directive := doc.Body.(*ast.DirectiveNode); doc.Body != nil && !directive && !isNull(unwrap(doc.Body)) {
			docs = append(docs, doc)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, fail(Problem{1, 1, "expected one YAML document: a mapping with suite, gateway, origin and scenarios"})
	case len(docs) > 1:
		p := Problem{1, 1, "a second YAML document: a suite file is one document, a mapping with suite, gateway, origin and scenarios; put another suite in a file of its own"}
		at := docs[1].Start
		if at == nil {
			at = firstToken(docs[1].Body)
		}
		if at != nil && at.Position != nil {
			p.Line, p.Column = at.Position.Line, at.Position.Column
		}
		return nil, fail(p)
	}
	d := &decoder{nodes: map[string]ast.Node{}}
	s := &Suite{File: path, Dir: filepath.Dir(path)}
	d.decode(resolveAliases(d, docs[0].Body), reflect.ValueOf(s).Elem(), "")
	if len(d.problems) == 0 {
		s.validate(d)
	}
	if len(d.problems) > 0 {
		return nil, fail(d.all()...)
	}
	for i := range s.Scenarios {
		if n, ok := d.nodes[fmt.Sprintf("scenarios[%d]", i)]; ok {
			if tk := firstToken(n); tk != nil && tk.Position != nil {
				s.Scenarios[i].Pos = Pos{tk.Position.Line, tk.Position.Column}
			}
		}
	}
	return s, nil
}

// validate checks what types alone cannot, the way Caddy modules validate:
// each message says what was expected.
func (s *Suite) validate(d *decoder) {
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(s.File), filepath.Ext(s.File))
	}
	checkPrintable(d, "suite", s.Name)
	checkPrintable(d, "gateway.name", s.Gateway.Name)
	s.validateGateway(d)
	paths := map[string]int{}
	for i, r := range s.Origin.Routes {
		at := fmt.Sprintf("origin.routes[%d]", i)
		if !strings.HasPrefix(r.Path, "/") {
			d.failPath(at+".path", "%s.path: expected a path starting with /; got %q", at, r.Path)
		} else if problem := targetProblem(r.Path); problem != "" {
			d.failPath(at+".path", "%s.path: %s; got %s", at, problem, strconv.Quote(r.Path))
		} else if strings.ContainsAny(r.Path, "?#") {
			d.failPath(at+".path", "%s.path: expected a path without ? or #: a route matches the request's path alone; got %q", at, r.Path)
		} else if j, dup := paths[r.Path]; dup {
			d.failPath(at+".path", "%s.path: %q is already the path of origin.routes[%d]; expected one route per path", at, r.Path, j)
		} else {
			paths[r.Path] = i
		}
		checkHeaderFields(d, at+".headers", r.Headers)
		if _, written := d.nodes[at+".status"]; (written || r.Status != 0) && (r.Status < 100 || r.Status > 599) {
			d.failPath(at+".status", "%s.status: expected a status code 100-599; got %d", at, r.Status)
		}
	}
	if n := s.Origin.Name; n != "" && !validDNSName(n) {
		d.failPath("origin.name", "origin.name: expected a DNS name the gateway resolves through the fake DNS server, such as origin.gatecrash.test (labels of letters, digits, - and _, dot-separated, not an IP address); got %s", strconv.Quote(n))
	}
	if _, written := d.nodes["origin.instances"]; (written && s.Origin.Instances == 0) || s.Origin.Instances < 0 || s.Origin.Instances > 16 {
		d.failPath("origin.instances", "origin.instances: expected 1 to 16 origins; got %d", s.Origin.Instances)
	}
	checkLoopbackAddr(d, "origin.listen", s.Origin.Listen)
	checkLoopbackAddr(d, "dns.listen", s.DNS.Listen)
	if s.Origin.Listen != "" && s.Origin.Listen == s.DNS.Listen {
		d.failPath("dns.listen", "dns.listen: expected an address other than origin.listen (both listen on TCP); got %q for both", s.DNS.Listen)
	}

	if len(s.Scenarios) == 0 {
		d.failPath("scenarios", "scenarios: expected at least one scenario")
	}
	names := map[string]int{}
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		at := fmt.Sprintf("scenarios[%d]", i)
		switch j, dup := names[strings.TrimSpace(sc.Name)]; {
		case strings.TrimSpace(sc.Name) == "":
			d.failPath(at, "%s: expected a name", at)
		case !checkPrintable(d, at+".name", sc.Name): // reported
		case dup && sc.Name != s.Scenarios[j].Name:
			d.failPath(at+".name", "%s.name: %q differs from the name of scenarios[%d], %q, only in spaces around it; names must be unique", at, sc.Name, j, s.Scenarios[j].Name)
		case dup:
			d.failPath(at+".name", "%s.name: %q is already the name of scenarios[%d]; names must be unique", at, sc.Name, j)
		default:
			names[strings.TrimSpace(sc.Name)] = i
		}
		for j, label := range sc.Labels {
			if !checkPrintable(d, fmt.Sprintf("%s.labels[%d]", at, j), label) {
				continue
			}
			if _, err := gtypes.ValidateAndCleanupLabel(label, gtypes.CodeLocation{}); err != nil || strings.TrimSpace(label) == "" {
				d.failPath(fmt.Sprintf("%s.labels[%d]", at, j), "%s.labels[%d]: expected a label without &|!,()/ such as slow or dns; got %q", at, j, label)
			}
		}
		if sc.Fault.Fault == nil && !sc.Fault.Control {
			d.failPath(at, "%s: expected a fault from the catalog (see gatecrash faults)", at)
		} else if sc.Fault.Fault != nil {
			s.checkFaultAgainstSuite(d, at, sc.Fault)
		}
		if p := sc.Request.Path; p != "" && !strings.HasPrefix(p, "/") {
			d.failPath(at+".request.path", "%s.request.path: expected a path starting with /; got %q", at, p)
		} else if problem := targetProblem(p); problem != "" {
			d.failPath(at+".request.path", "%s.request.path: %s; got %s", at, problem, strconv.Quote(p))
		}
		if m := sc.Request.Method; m != "" && !validHeaderName(m) {
			d.failPath(at+".request.method", "%s.request.method: expected an HTTP method such as GET (a token: letters, digits and !#$%%&'*+-.^_`|~); got %q", at, m)
		}
		checkHeaderFields(d, at+".request.headers", sc.Request.Headers)
		sc.validateLoad(d, at)
		sc.validateGRPC(d, at)
		sc.validateStream(d, at)
		if sc.Fault.Control && sc.Expect.FaultMet != nil {
			d.failPath(at+".expect.fault_met", "%s.expect.fault_met: a control scenario (fault: none) injects nothing to meet; remove fault_met or name a fault", at)
		}
		sc.Expect.validate(d, at+".expect", sc.Load != nil)
	}
}

// checkFaultAgainstSuite finds at validation what a fault's injection would
// refuse at run time: an instance the suite does not have, an address the
// origin already has.
func (s *Suite) checkFaultAgainstSuite(d *decoder, at string, f FaultRef) {
	facts := s.Facts()
	at += ".fault"
	if err := f.Options.CheckSuite(facts); err != nil {
		d.failPath(at, "%s.%s: %v", at, f.Name, err)
	}
	if c, ok := f.Fault.(faults.SuiteChecker); ok {
		if err := c.CheckSuite(facts); err != nil {
			d.failPath(at, "%s.%s: %v", at, f.Name, err)
		}
	}
}

// Facts is what a fault may ask of the suite (faults.SuiteFacts).
func (s *Suite) Facts() faults.SuiteFacts {
	facts := faults.SuiteFacts{Instances: max(s.Origin.Instances, 1), OriginHost: "127.0.0.1", OriginName: cmp.Or(s.Origin.Name, harness.DefaultOriginName), H2C: s.Origin.H2C, H2TLS: s.Origin.H2TLS}
	if host, _, err := net.SplitHostPort(s.Origin.Listen); err == nil {
		facts.OriginHost = host
	}
	for _, r := range s.Origin.Routes {
		facts.Routes = append(facts.Routes, r.Path)
	}
	return facts
}

func (s *Suite) validateGateway(d *decoder) {
	g := &s.Gateway
	var modes []string
	if g.Builtin != nil {
		modes = append(modes, "builtin")
	}
	if len(g.Command) > 0 {
		modes = append(modes, "command")
	}
	if g.URL != "" {
		modes = append(modes, "url")
	}
	if len(modes) > 1 {
		d.failPath("gateway", "gateway: expected one of builtin, command or url; got %s", strings.Join(modes, " and "))
		return
	}
	mode := "builtin"
	if len(modes) == 1 {
		mode = modes[0]
	}
	if mode != "command" {
		for field, set := range map[string]bool{"templates": len(g.Templates) > 0, "env": len(g.Env) > 0, "stop_grace": g.StopGrace != 0} {
			if set {
				d.failPath("gateway."+field, "gateway.%s: only a managed gateway (gateway.command) takes %s", field, field)
			}
		}
	}
	if g.Command != nil && len(g.Command) == 0 {
		d.failPath("gateway.command", "gateway.command: expected the gateway's argv, such as [nginx, -c, nginx.conf]; got an empty list")
	}
	if len(g.Command) > 0 && strings.TrimSpace(g.Command[0]) == "" {
		d.failPath("gateway.command[0]", "gateway.command[0]: expected the gateway's program, such as nginx or /usr/sbin/nginx; got %q", g.Command[0])
	}
	for i, arg := range g.Command {
		if strings.ContainsRune(arg, 0) {
			at := fmt.Sprintf("gateway.command[%d]", i)
			d.failPath(at, "%s: expected an argument without a NUL byte (no program can receive one); got %s", at, strconv.Quote(arg))
		}
	}
	for _, k := range keys(g.Env) {
		at := "gateway.env." + k
		switch {
		case k == "" || strings.ContainsAny(k, "=\x00"):
			d.failPath(at, "gateway.env: expected variable names without = or NUL, such as TZ; got %s", strconv.Quote(k))
		case strings.ContainsRune(g.Env[k], 0):
			d.failPath(at, "%s: expected a value without a NUL byte (no program can receive one); got %s", at, strconv.Quote(g.Env[k]))
		}
	}
	for i, l := range g.Logs {
		if strings.TrimSpace(l) == "" {
			at := fmt.Sprintf("gateway.logs[%d]", i)
			d.failPath(at, "%s: expected the path of a log file, such as error.log; got %q", at, l)
		}
	}
	if _, written := d.nodes["gateway.ready.status"]; g.Ready != nil && (written || g.Ready.Status != 0) && (g.Ready.Status < 100 || g.Ready.Status > 599) {
		r := g.Ready
		d.failPath("gateway.ready.status", "gateway.ready.status: expected the status code that means ready, 100-599, such as 200; got %d", r.Status)
	}
	if b := g.Builtin; b != nil && (b.Retries < 0 || b.Retries > 10) {
		d.failPath("gateway.builtin.retries", "gateway.builtin.retries: expected 0 to 10 more tries of a failed attempt; got %d", b.Retries)
	}
	if mode == "builtin" && g.Ready != nil {
		d.failPath("gateway.ready", "gateway.ready: the builtin gateway needs no readiness probe; it is for command or url")
	}
	if mode == "builtin" && len(g.Logs) > 0 {
		d.failPath("gateway.logs", "gateway.logs: the builtin gateway's log is always attached; logs is for command or url")
	}
	if g.Ready != nil && g.Ready.HTTP != "" && !strings.HasPrefix(g.Ready.HTTP, "/") {
		d.failPath("gateway.ready.http", "gateway.ready.http: expected a path starting with /; got %q", g.Ready.HTTP)
	} else if g.Ready != nil && targetProblem(g.Ready.HTTP) != "" {
		problem := targetProblem(g.Ready.HTTP)
		d.failPath("gateway.ready.http", "gateway.ready.http: %s; got %s", problem, strconv.Quote(g.Ready.HTTP))
	}
	switch mode {
	case "url":
		if err := harness.CheckLoopbackURL(g.URL); err != nil {
			d.failPath("gateway.url", "%v", err)
		} else if problem := urlProblem(g.URL); problem != "" {
			d.failPath("gateway.url", "gateway.url: expected http://host:port of a gateway on loopback, such as http://127.0.0.1:8080; got %q: %s", g.URL, problem)
		}
		if s.Origin.Instances > 1 {
			d.failPath("origin.instances", "origin.instances: an attached gateway reaches one origin, at origin.listen")
		}
		// An attached gateway's logs are its own files on this machine
		// (/var/log/nginx/error.log), named in full; only what it writes
		// during a scenario is read, never what a file held before.
		for i, l := range g.Logs {
			if !filepath.IsAbs(l) {
				at := fmt.Sprintf("gateway.logs[%d]", i)
				d.failPath(at, "%s: expected the absolute path of a log file the gateway writes, such as /var/log/nginx/error.log; got %q", at, l)
				return
			}
		}
		if s.Origin.Listen == "" || s.DNS.Listen == "" {
			d.failPath("gateway.url", "gateway.url: an attached gateway needs the fixed addresses it was configured with: set origin.listen and dns.listen (127.0.0.1:port)")
		}
		if u, err := url.Parse(g.URL); err == nil && u.Port() != "" {
			for _, f := range []struct{ at, addr string }{{"origin.listen", s.Origin.Listen}, {"dns.listen", s.DNS.Listen}} {
				if f.addr == u.Host {
					d.failPath(f.at, "%s: expected an address other than the gateway's own (gateway.url); got %q", f.at, f.addr)
				}
			}
		}
	case "command":
		// A template is copied into the work dir and a log is read into
		// reports: neither may name a file outside the suite's folder (or
		// the work dir), such as /etc/shadow.
		for i, t := range g.Templates {
			if !filepath.IsLocal(t) {
				at := fmt.Sprintf("gateway.templates[%d]", i)
				d.failPath(at, "%s: expected a path inside the suite's folder, such as nginx.conf.tmpl; got %q", at, t)
				return
			}
		}
		for i, l := range g.Logs {
			if !logInWorkDir(l) {
				at := fmt.Sprintf("gateway.logs[%d]", i)
				d.failPath(at, "%s: expected a path inside the gateway's work dir, such as error.log or {{.WorkDir}}/error.log; got %q", at, l)
				return
			}
		}
		m := s.Managed()
		for i, t := range m.Templates {
			if _, err := os.Stat(t); err != nil {
				at := fmt.Sprintf("gateway.templates[%d]", i)
				d.failPath(at, "%s: cannot read template %s (templates are found next to the suite file): %v", at, t, errors.Unwrap(err))
				return
			}
		}
		if _, _, err := m.Render(placeholderAddresses); err != nil {
			at, problem := "gateway.command", err
			var te *harness.TemplateError
			if errors.As(err, &te) {
				problem = te
				for i, t := range m.Templates {
					if t == te.Name {
						at = fmt.Sprintf("gateway.templates[%d]", i)
					}
				}
				if k, isEnv := strings.CutPrefix(te.Name, "env "); isEnv {
					at = "gateway.env." + k
				}
			}
			hint := ""
			if strings.Contains(err.Error(), "can't evaluate field") {
				hint = "; templates can use " + addressFields()
			}
			d.failPath(at, "%s: %v%s", at, problem, hint)
		}
	}
}

// logInWorkDir reports whether a managed gateway's log file, a template
// rendered with placeholder addresses, stays inside the work dir.
func logInWorkDir(l string) bool {
	_, err := harness.RenderLogPath(l, placeholderAddresses)
	var te *harness.TemplateError
	return err == nil || errors.As(err, &te) // a template error is reported below
}

// Warnings are what validation notices that may only be true of this
// machine, so they do not make the suite invalid: a managed gateway's
// command that is not installed here (a run fails on it).
func (s *Suite) Warnings() []string {
	var out []string
	if len(s.Gateway.Command) > 0 {
		if argv, _, err := s.Managed().Render(placeholderAddresses); err == nil {
			if _, err := exec.LookPath(argv[0]); err != nil {
				out = append(out, fmt.Sprintf("gateway.command[0]: %s is not installed here (%v); a run will fail until it is", argv[0], errors.Unwrap(err)))
			}
		}
	}
	return out
}

// addressFields lists what a template can use, such as {{.Listen}}.
func addressFields() string {
	t := reflect.TypeFor[harness.Addresses]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = "{{." + t.Field(i).Name + "}}"
	}
	return strings.Join(names, ", ")
}

// placeholderAddresses render templates at validation, to find template
// errors before anything starts.
var placeholderAddresses = harness.Addresses{
	Listen: "127.0.0.1:1", ListenHost: "127.0.0.1", ListenPort: "1",
	Origin: "127.0.0.1:2", OriginHost: "127.0.0.1", OriginPort: "2", OriginName: harness.DefaultOriginName,
	Origins: []string{"127.0.0.1:2"}, OriginPorts: []string{"2"},
	DNS: "127.0.0.1:3", DNSHost: "127.0.0.1", DNSPort: "3",
	OriginTLS: "127.0.0.1:4", OriginTLSPort: "4", CAFile: filepath.Join(os.TempDir(), "ca.pem"),
	OriginH2C: "127.0.0.1:5", OriginH2CPort: "5",
	OriginH2TLS: "127.0.0.1:6", OriginH2TLSPort: "6",
	WorkDir: os.TempDir(),
}

// MaxNameRunes is the longest name (suite, scenario, gateway, label) a
// suite may give.
const MaxNameRunes = 200

// checkPrintable reports a name (what the console prints) that holds a
// control character, such as an escape sequence written as "\e[2J", and
// whether it had none.
func checkPrintable(d *decoder, at, name string) bool {
	if n := utf8.RuneCountInString(name); n > MaxNameRunes {
		d.failPath(at, "%s: expected a name of at most %d characters (it is printed on every console line and report row); got %d", at, MaxNameRunes, n)
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			d.failPath(at, "%s: expected a name without control characters; got %s", at, strconv.Quote(name))
			return false
		}
		// A zero-width space (U+200B) or a line separator (U+2028) makes
		// two names that print alike, or one that breaks a console line;
		// the zero-width joiner of emoji sequences is left alone.
		if unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) && r != '\u200d' {
			d.failPath(at, "%s: expected a name without invisible characters or line separators; got %s (%U)", at, strconv.QuoteToASCII(name), r)
			return false
		}
	}
	return true
}

// targetProblem says why path cannot be sent as a request's target, or
// "" when it can: a space, a line break or another control character
// would split or break the request line.
func targetProblem(path string) string {
	for _, r := range path {
		if r <= ' ' || r == 0x7f {
			return "expected a path without spaces or control characters, such as /api?q=a%20b (write a space as %20)"
		}
	}
	if strings.Contains(path, "#") {
		return "expected a path without a fragment (#...): a client never sends one"
	}
	return ""
}

// checkHeaderFields checks the names and values of the header fields at
// path: a name is a token, a value has no line break or control character
// but tab (a CR LF in it would end the field, and start another).
func checkHeaderFields(d *decoder, at string, headers map[string]string) {
	for _, name := range keys(headers) {
		if !validHeaderName(name) {
			d.failPath(at+"."+name, "%s: expected header names such as Cache-Control (letters, digits and !#$%%&'*+-.^_`|~); got %q", at, name)
			continue
		}
		for _, r := range headers[name] {
			if (r < ' ' && r != '\t') || r == 0x7f {
				d.failPath(at+"."+name, "%s.%s: expected a header value without line breaks or control characters but tab; got %s", at, name, strconv.Quote(headers[name]))
				break
			}
		}
	}
}

func checkLoopbackAddr(d *decoder, at, addr string) {
	if addr == "" {
		return
	}
	host, port, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	if err != nil || port == "" || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		d.failPath(at, "%s: expected an IPv4 loopback address with a port, such as 127.0.0.1:18080; got %q", at, addr)
	} else if !validPort(port) {
		d.failPath(at, "%s: expected a port from 1 to 65535, such as 127.0.0.1:18080; got %q", at, addr)
	}
}

// validDNSName reports whether name is a host name the fake DNS server
// can answer: dot-separated labels of 1 to 63 letters, digits, - and _,
// not starting or ending with -, 253 characters at most (a final dot
// aside), and not an IP address, which a gateway would not resolve.
func validDNSName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 || net.ParseIP(name) != nil {
		return false
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return false
		}
	}
	// A name whose last label is all digits reads as an IPv4 address.
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// validPort reports whether port is a port number from 1 to 65535,
// written in decimal digits (not a service name such as http, which the
// resolver would look up).
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && strings.Trim(port, "0123456789") == ""
}

// urlProblem says what, in an attached gateway's URL that is on loopback,
// is not http://host:port: credentials, a port out of range, a path, a
// query or a fragment (gatecrash sends each scenario's own path).
func urlProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return err.Error()
	case u.User != nil:
		return "credentials (user:password@) are not sent from a URL; put an Authorization header in request.headers"
	case u.Port() != "" && !validPort(u.Port()):
		return "the port is not from 1 to 65535"
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return "a path, a query or a fragment: each scenario sends its own request.path"
	}
	return ""
}

// Managed is the managed gateway the suite describes, templates resolved
// against the suite's directory. When it does not start, its rendered
// config is kept in $TMPDIR/gatecrash-failed-<suite>-*, named in the error.
func (s *Suite) Managed() *harness.Managed {
	g := s.Gateway
	m := &harness.Managed{Label: g.Name, Command: g.Command, Env: g.Env, StopGrace: g.StopGrace.D(), LogFiles: g.Logs,
		KeepConfig: s.Name}
	for _, t := range g.Templates {
		if !filepath.IsAbs(t) {
			t = filepath.Join(s.Dir, t)
		}
		m.Templates = append(m.Templates, t)
	}
	if len(g.Templates) > 0 {
		m.TemplateRoot = s.Dir
	}
	m.Ready = g.Ready.Harness()
	return m
}

// Config is the harness configuration for this suite: a new gateway
// instance each call, so environments never share one.
func (s *Suite) Config() harness.Config {
	cfg := harness.Config{
		Routes:       s.Origin.Routes,
		Instances:    s.Origin.Instances,
		H2C:          s.Origin.H2C,
		H2TLS:        s.Origin.H2TLS,
		OriginListen: s.Origin.Listen,
		OriginName:   s.Origin.Name,
		DNSListen:    s.DNS.Listen,
	}
	g := s.Gateway
	switch {
	case len(g.Command) > 0:
		cfg.Gateway = s.Managed()
	case g.URL != "":
		a := &harness.Attached{Address: g.URL, Ready: g.Ready.Harness()}
		for _, f := range g.Logs {
			if !filepath.IsAbs(f) {
				f = filepath.Join(s.Dir, f)
			}
			a.LogFiles = append(a.LogFiles, f)
		}
		cfg.Gateway = a
	default:
		b := &harness.Builtin{}
		if g.Builtin != nil {
			b.ConnectTimeout, b.ResponseTimeout = g.Builtin.ConnectTimeout.D(), g.Builtin.ResponseTimeout.D()
			b.KeepAlive = g.Builtin.KeepAlive
			b.Retries = g.Builtin.Retries
		}
		cfg.Gateway = b
	}
	return cfg
}

// MissingGateway is the managed gateway's command when it is not
// installed (not found in PATH), and "" otherwise.
func (s *Suite) MissingGateway() string {
	if len(s.Gateway.Command) == 0 {
		return ""
	}
	name := s.Gateway.Command[0]
	if _, err := exec.LookPath(name); err != nil {
		return name
	}
	return ""
}

// GatewayName names the suite's gateway for reports.
func (s *Suite) GatewayName() string {
	if s.Gateway.Name != "" {
		return s.Gateway.Name
	}
	return s.Config().Gateway.Name()
}
