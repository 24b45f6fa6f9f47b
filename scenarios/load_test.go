package scenarios_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
)

const header = `suite: t
scenarios:
`

// exampleSuites is every example suite file: examples/*.yaml and one
// directory down, at least the nine there are.
func exampleSuites() []string {
	files, _ := filepath.Glob("examples/*.yaml")
	more, _ := filepath.Glob("examples/*/*.yaml")
	files = append(files, more...)
	Expect(len(files)).To(BeNumerically(">=", 9))
	return files
}

var _ = Describe("loading suites", func() {
	It("loads every example suite", func() {
		files := exampleSuites()
		for _, f := range files {
			s, err := scenarios.Load(f)
			Expect(err).NotTo(HaveOccurred(), f)
			Expect(s.Scenarios).NotTo(BeEmpty())
			for _, sc := range s.Scenarios {
				Expect(sc.Pos.Line).To(BeNumerically(">", 0), sc.Name)
			}
		}
	})

	It("loads a file named twice once, at its first place (overlapping globs)", func() {
		dir := GinkgoT().TempDir()
		a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
		Expect(os.WriteFile(a, []byte("suite: a\nscenarios:\n  - {name: x, fault: refused, expect: {status: 502}}\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(b, []byte("suite: b\nscenarios:\n  - {name: x, fault: refused, expect: {status: 502}}\n"), 0o644)).To(Succeed())
		suites, err := scenarios.LoadAll([]string{a, b, filepath.Join(dir, ".", "a.yaml"), b})
		Expect(err).NotTo(HaveOccurred())
		Expect(suites).To(HaveLen(2))
		Expect(suites[0].Name).To(Equal("a"))
		Expect(suites[1].Name).To(Equal("b"))
	})

	It("decodes every field of a scenario", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(`
suite: everything
gateway: {builtin: {connect_timeout: 300ms, response_timeout: 4s, keepalive: true}}
origin:
  name: api.internal
  routes: [{path: /x, status: 201, body: hi, headers: {X-A: b}}]
scenarios:
  - name: one
    labels: [a, b]
    fault: {garbage: {bytes: "nope"}}
    request: {method: POST, path: /x, headers: {X-Y: z}, body: data, timeout: 5s, after: 10ms}
    expect:
      status: [502, 5xx]
      within: 1s
      at_least: 1ms
      between: [1ms, 2s]
      valid_http: true
      recovers: {within: 2s}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Name).To(Equal("everything"))
		Expect(s.Origin.Routes).To(Equal([]harness.Route{{Path: "/x", Status: 201, Body: "hi", Headers: map[string]string{"X-A": "b"}}}))
		sc := s.Scenarios[0]
		Expect(sc.Pos).To(Equal(scenarios.Pos{Line: 8, Column: 5}))
		Expect(sc.Fault.Name).To(Equal("garbage"))
		Expect(sc.Fault.Fault).To(Equal(&faults.Garbage{Bytes: "nope"}))
		Expect(sc.Request.Harness()).To(Equal(harness.Request{Method: "POST", Path: "/x", Headers: map[string]string{"X-Y": "z"}, Body: "data", Timeout: 5 * time.Second}))
		Expect(sc.Expect.Status.Matches(502)).To(BeTrue())
		Expect(sc.Expect.Status.Matches(503)).To(BeTrue())
		Expect(sc.Expect.Status.Matches(200)).To(BeFalse())
		Expect(sc.Expect.Recovers.Status.String()).To(Equal("200"), "recovery defaults to 200")
		Expect(*sc.Expect.ValidHTTP).To(BeTrue())
		b := s.Config().Gateway.(*harness.Builtin)
		Expect(b.ConnectTimeout).To(Equal(300 * time.Millisecond))
		Expect(b.KeepAlive).To(BeTrue())
	})

	It("reports every problem in a file at once, each at its line and column", func() {
		_, err := scenarios.Parse("bad.yaml", []byte(header+`  - name: typo
    fault: refused
    expect: {statsu: 502}
  - name: bad duration
    fault: hang
    expect: {status: 504, within: 2 seconds}
  - name: unknown fault
    fault: refsued
    expect: {status: 502}
`))
		Expect(err).To(HaveOccurred())
		Expect(err).To(BeAssignableToTypeOf(&scenarios.LoadError{}))
		Expect(err.(*scenarios.LoadError).Problems).To(HaveLen(3))
		Expect(err.(*scenarios.LoadError).Problems[0].Message).To(HaveSuffix("grpc_status, grpc_message, stream, success_ratio, statuses, status_ratio, latency, unanswered_after, log_matches, gateway_alive, recovers, fault_met, cross_wired"))
		Expect(err.Error()).To(And(
			ContainSubstring(`bad.yaml:5:14: scenarios[0].expect: unknown field "statsu" (did you mean "status"?); expected one of status, not_status, within, at_least, between, valid_http, headers, body, body_intact, attempts, grpc_status, grpc_message, stream, success_ratio, statuses, status_ratio, latency, unanswered_after, log_matches, gateway_alive, recovers, fault_met`),
			ContainSubstring(`bad.yaml:8:35: scenarios[1].expect.within: expected a duration with a unit, such as 500ms, 2s or 1m; got "2 seconds"`),
			ContainSubstring(`bad.yaml:10:12: scenarios[2].fault: unknown fault "refsued" (did you mean "refused"?); expected one of the catalog`),
		))
	})

	DescribeTable("rejects bad input with its place and what was expected",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("YAML syntax", "suite: [unclosed\n", "bad.yaml:1:8: YAML syntax"),
		Entry("empty file", "", "bad.yaml:1:1: expected one YAML document"),
		Entry("a second document", "suite: a\nscenarios:\n  - {name: a, fault: refused, expect: {status: 502}}\n---\nsuite: b\n", "bad.yaml:4:1: a second YAML document: a suite file is one document"),
		Entry("top-level typo", "suit: x\n", `bad.yaml:1:1: suite file: unknown field "suit" (did you mean "suite"?)`),
		Entry("no scenarios", "suite: x\n", "scenarios: expected at least one scenario"),
		Entry("scenario without fault", header+"  - name: a\n    expect: {status: 502}\n", "bad.yaml:3:5: scenarios[0]: expected a fault from the catalog"),
		Entry("scenario without name", header+"  - fault: refused\n    expect: {status: 502}\n", "scenarios[0]: expected a name"),
		Entry("duplicate names", header+"  - {name: a, fault: refused, expect: {status: 502}}\n  - {name: a, fault: refused, expect: {status: 502}}\n", `bad.yaml:4:12: scenarios[1].name: "a" is already the name of scenarios[0]`),
		Entry("nothing expected", header+"  - {name: a, fault: refused, expect: {}}\n", "scenarios[0].expect: expected at least one assertion"),
		Entry("status of four digits", header+"  - {name: a, fault: refused, expect: {status: 1000}}\n", "bad.yaml:3:48: scenarios[0].expect.status: expected a status code (three digits, 100-999), a class such as 5xx"),
		Entry("status below 100", header+"  - {name: a, fault: refused, expect: {status: 42}}\n", "bad.yaml:3:48: scenarios[0].expect.status: expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got 42"),
		Entry("status of four digits as a string", header+"  - {name: a, fault: refused, expect: {not_status: [\"1000\"]}}\n", `scenarios[0].expect.not_status: expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got "1000"`),
		Entry("status class typo", header+"  - {name: a, fault: refused, expect: {status: 5x}}\n", `expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got "5x"`),
		Entry("duration without unit", header+"  - {name: a, fault: refused, expect: {within: 500}}\n", "scenarios[0].expect.within: expected a duration with a unit"),
		Entry("negative duration", header+"  - {name: a, fault: refused, expect: {within: -1s}}\n", "expected a duration of zero or more"),
		Entry("between reversed", header+"  - {name: a, fault: refused, expect: {between: [2s, 1s]}}\n", "between: expected two durations, the shorter first"),
		Entry("recovery without bound", header+"  - {name: a, fault: refused, expect: {recovers: {status: 200}}}\n", "recovers.within: expected how long recovery may take"),
		Entry("parameters for a fault that takes none", header+"  - {name: a, fault: {refused: {port: 1}}, expect: {status: 502}}\n", `scenarios[0].fault.refused: takes no parameters; got "port"`),
		Entry("unknown fault parameter", header+"  - {name: a, fault: {garbage: {byte: x}}, expect: {status: 502}}\n", `scenarios[0].fault.garbage: unknown field "byte" (did you mean "bytes"?); expected one of bytes`),
		Entry("invalid fault parameter", header+"  - {name: a, fault: {garbage: {bytes: \"\"}}, expect: {status: 502}}\n", "scenarios[0].fault.garbage: bytes: expected at least one byte"),
		Entry("two faults in one", header+"  - {name: a, fault: {hang: {}, refused: {}}, expect: {status: 502}}\n", "expected one fault name with its parameters"),
		Entry("fault of the wrong type", header+"  - {name: a, fault: [hang], expect: {status: 502}}\n", "expected a fault name such as refused"),
		Entry("wrong type for a list", header+"  - {name: a, labels: dns, fault: hang, expect: {status: 502}}\n", "scenarios[0].labels: expected a list of strings"),
		Entry("wrong type for a number", "suite: x\norigin: {routes: [{path: /, status: ok}]}\n", "origin.routes[0].status: expected an integer"),
		Entry("route path", "suite: x\norigin: {routes: [{path: x}]}\n", `origin.routes[0].path: expected a path starting with /; got "x"`),
		Entry("two gateways", "gateway: {builtin: {}, url: \"http://127.0.0.1:1\"}\n", "gateway: expected one of builtin, command or url; got builtin and url"),
		Entry("templates without command", "gateway: {templates: [a.tmpl]}\n", "gateway.templates: only a managed gateway (gateway.command) takes templates"),
		Entry("attached gateway off loopback", "gateway: {url: \"http://10.0.0.1:80\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", "gatecrash only sends traffic to loopback addresses"),
		Entry("attached gateway's log not named in full", "gateway: {url: \"http://127.0.0.1:8080\", logs: [error.log]}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", "gateway.logs[0]: expected the absolute path of a log file the gateway writes, such as /var/log/nginx/error.log; got \"error.log\""),
		Entry("attached gateway without fixed addresses", "gateway: {url: \"http://127.0.0.1:8080\"}\n", "an attached gateway needs the fixed addresses"),
		Entry("origin listen off loopback", "origin: {listen: \"0.0.0.0:80\"}\n", "origin.listen: expected an IPv4 loopback address with a port"),
		Entry("origin listen on IPv6", "origin: {listen: \"[::1]:18080\"}\n", "origin.listen: expected an IPv4 loopback address with a port"),
		Entry("a label Ginkgo cannot filter on", header+"  - {name: a, labels: [dns/slow], fault: hang, expect: {status: 502}}\n", `bad.yaml:3:24: scenarios[0].labels[0]: expected a label without &|!,()/ such as slow or dns; got "dns/slow"`),
		Entry("an alias before its anchor", header+"  - {name: a, fault: refused, expect: *e}\n  - {name: b, fault: refused, expect: &e {status: 502}}\n", "bad.yaml:3:39: alias *e: expected an anchor &e earlier in the file"),
		Entry("a merge of a scalar", header+"  - {name: a, fault: refused, expect: {<<: 502}}\n", "bad.yaml:3:44: <<: expected a mapping to merge, or a list of them, such as <<: *defaults; got 502"),
		Entry("an error in an anchored value, at the anchor", header+"  - {name: a, fault: refused, expect: &e {status: 1000}}\n  - {name: b, fault: refused, expect: *e}\n", "bad.yaml:3:51: scenarios[1].expect.status: expected a status code"),
		Entry("aliases that expand without bound", "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nw: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nv: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "the aliases expand to more than 100000 values"),
		Entry("an option the fault does not take", header+"  - {name: a, fault: {refused: {attempts: 1..2}}, expect: {status: 502}}\n", "scenarios[0].fault.refused: refused does not take attempts; it takes only after, for"),
		Entry("a bad attempt range", header+"  - {name: a, fault: {hang: {attempts: 2..1}}, expect: {status: 502}}\n", "scenarios[0].fault.hang.attempts: expected an attempt number or range counted from 1, such as 2, 1..2 or 3..; got \"2..1\""),
		Entry("a probability above 1", header+"  - {name: a, fault: {hang: {probability: 1.5}}, expect: {status: 502}}\n", "scenarios[0].fault.hang: probability: expected a number above 0 and at most 1, such as 0.5; got 1.5"),
		Entry("a probability of 0", header+"  - {name: a, fault: {hang: {probability: 0}}, expect: {status: 502}}\n", "probability: expected a number above 0 and at most 1"),
		Entry("a bad schedule", header+"  - {name: a, fault: {hang: {after: soon}}, expect: {status: 502}}\n", "scenarios[0].fault.hang.after: expected a duration with a unit"),
		Entry("a wait of years", header+"  - {name: a, fault: refused, request: {after: 100000h}, expect: {status: 502}}\n", `bad.yaml:3:48: scenarios[0].request.after: expected a duration of at most 1h (a run stops after --timeout, 1h by default); got "100000h"`),
		Entry("a deadline of a year", header+"  - {name: a, deadline: 8760h, fault: refused, expect: {status: 502}}\n", `scenarios[0].deadline: expected a duration of at most 1h`),
		Entry("a fault's delay of a year", header+"  - {name: a, fault: {delayed_headers: {delay: 8760h}}, expect: {status: 502}}\n", `scenarios[0].fault.delayed_headers.delay: expected a duration of at most 1h`),
		Entry("a stop grace of a year", "gateway: {command: [sh], stop_grace: 8760h}\n", `gateway.stop_grace: expected a duration of at most 1h`),
		Entry("within 0s, which would be ignored", header+"  - {name: a, fault: refused, expect: {status: 502, within: 0s}}\n", `bad.yaml:3:61: scenarios[0].expect.within: expected a duration above 0; got "0s"`),
		Entry("a request timeout of 0s", header+"  - {name: a, fault: refused, request: {timeout: 0s}, expect: {status: 502}}\n", `scenarios[0].request.timeout: expected a duration above 0; got "0s"`),
		Entry("a latency bound of 0s", header+"  - {name: a, fault: refused, load: {rate: 10, duration: 1s}, expect: {latency: {p99: 0s}}}\n", `scenarios[0].expect.latency.p99: expected a duration above 0`),
		Entry("a request header name with a space", header+"  - {name: a, fault: refused, request: {headers: {'X A': b}}, expect: {status: 502}}\n", `bad.yaml:3:58: scenarios[0].request.headers: expected header names such as Cache-Control (letters, digits and !#$%&'*+-.^_`+"`"+`|~); got "X A"`),
		Entry("an empty request header name", header+"  - {name: a, fault: refused, request: {headers: {'': b}}, expect: {status: 502}}\n", `scenarios[0].request.headers: expected header names such as Cache-Control`),
		Entry("a request header value with CR LF", header+"  - {name: a, fault: refused, request: {headers: {X-A: \"b\\r\\nX-Evil: 1\"}}, expect: {status: 502}}\n", `bad.yaml:3:56: scenarios[0].request.headers.X-A: expected a header value without line breaks or control characters but tab; got "b\r\nX-Evil: 1"`),
		Entry("a request header value with NUL", header+"  - {name: a, fault: refused, request: {headers: {X-A: \"b\\0\"}}, expect: {status: 502}}\n", `scenarios[0].request.headers.X-A: expected a header value without line breaks`),
		Entry("a route header value with LF", "suite: x\norigin: {routes: [{path: /, headers: {X-A: \"a\\nb\"}}]}\n", `bad.yaml:2:44: origin.routes[0].headers.X-A: expected a header value without line breaks`),
		Entry("a route header name with a colon", "suite: x\norigin: {routes: [{path: /, headers: {'X:A': b}}]}\n", `origin.routes[0].headers: expected header names such as Cache-Control`),
		Entry("a request path with a space", header+"  - {name: a, fault: refused, request: {path: '/a b'}, expect: {status: 502}}\n", `bad.yaml:3:47: scenarios[0].request.path: expected a path without spaces or control characters, such as /api?q=a%20b (write a space as %20); got "/a b"`),
		Entry("a request path with CR LF", header+"  - {name: a, fault: refused, request: {path: \"/a\\r\\nHost: evil\"}, expect: {status: 502}}\n", `got "/a\r\nHost: evil"`),
		Entry("a request path with a fragment", header+"  - {name: a, fault: refused, request: {path: '/a#b'}, expect: {status: 502}}\n", `scenarios[0].request.path: expected a path without a fragment`),
		Entry("a route path with a query", "suite: x\norigin: {routes: [{path: '/a?b=1'}]}\n", `origin.routes[0].path: expected a path without ? or #: a route matches the request's path alone; got "/a?b=1"`),
		Entry("a route path with a tab", "suite: x\norigin: {routes: [{path: \"/a\\tb\"}]}\n", `origin.routes[0].path: expected a path without spaces or control characters`),
		Entry("two routes for one path", "suite: x\norigin: {routes: [{path: /}, {path: /, status: 500}]}\n", `bad.yaml:2:37: origin.routes[1].path: "/" is already the path of origin.routes[0]; expected one route per path`),
		Entry("a readiness path with a space", "gateway: {command: [sh], ready: {http: '/health z'}}\n", `gateway.ready.http: expected a path without spaces or control characters`),
		Entry("a method with a quote", header+"  - {name: a, fault: refused, request: {method: 'G\"ET'}, expect: {status: 502}}\n", `scenarios[0].request.method: expected an HTTP method such as GET (a token: letters, digits and !#$%&'*+-.^_`+"`"+`|~); got "G\"ET"`),
		Entry("a method not in ASCII", header+"  - {name: a, fault: refused, request: {method: GÉT}, expect: {status: 502}}\n", `scenarios[0].request.method: expected an HTTP method such as GET`),
		Entry("a command that is an empty list", "gateway: {command: []}\n", `bad.yaml:1:20: gateway.command: expected the gateway's argv, such as [nginx, -c, nginx.conf]; got an empty list`),
		Entry("a command whose program is empty", "gateway: {command: ['', -c]}\n", `bad.yaml:1:21: gateway.command[0]: expected the gateway's program, such as nginx or /usr/sbin/nginx; got ""`),
		Entry("a command argument with NUL", "gateway: {command: [sh, \"a\\0b\"]}\n", `gateway.command[1]: expected an argument without a NUL byte (no program can receive one); got "a\x00b"`),
		Entry("an environment name with =", "gateway: {command: [sh], env: {'A=B': c}}\n", `gateway.env: expected variable names without = or NUL, such as TZ; got "A=B"`),
		Entry("an empty environment name", "gateway: {command: [sh], env: {'': c}}\n", `gateway.env: expected variable names without = or NUL, such as TZ; got ""`),
		Entry("an environment value with NUL", "gateway: {command: [sh], env: {A: \"a\\0b\"}}\n", `gateway.env.A: expected a value without a NUL byte`),
		Entry("an environment value that is a broken template", "gateway: {command: [sh], env: {A: '{{if}}'}}\n", `bad.yaml:1:35: gateway.env.A: template env A: template: env A:1: missing value for if`),
		Entry("an environment value with an unknown field", "gateway: {command: [sh], env: {A: '{{.Nope}}'}}\n", `gateway.env.A: template env A: `),
		Entry("an empty log path", "gateway: {command: [sh], logs: ['']}\n", `bad.yaml:1:33: gateway.logs[0]: expected the path of a log file, such as error.log; got ""`),
		Entry("a readiness status of 42", "gateway: {command: [sh], ready: {status: 42}}\n", `bad.yaml:1:42: gateway.ready.status: expected the status code that means ready, 100-599, such as 200; got 42`),
		Entry("an attached gateway's URL with credentials", "gateway: {url: \"http://u:p@127.0.0.1:8080\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", `bad.yaml:1:16: gateway.url: expected http://host:port of a gateway on loopback, such as http://127.0.0.1:8080; got "http://u:p@127.0.0.1:8080": credentials (user:password@) are not sent from a URL`),
		Entry("an attached gateway's URL on port 0", "gateway: {url: \"http://127.0.0.1:0\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", `got "http://127.0.0.1:0": the port is not from 1 to 65535`),
		Entry("an attached gateway's URL on port 99999", "gateway: {url: \"http://127.0.0.1:99999\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", `got "http://127.0.0.1:99999": the port is not from 1 to 65535`),
		Entry("an attached gateway's URL with a path and a query", "gateway: {url: \"http://127.0.0.1:8080/x?y\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", `got "http://127.0.0.1:8080/x?y": a path, a query or a fragment: each scenario sends its own request.path`),
		Entry("origin listen on port 70000", "origin: {listen: \"127.0.0.1:70000\"}\n", `bad.yaml:1:18: origin.listen: expected a port from 1 to 65535, such as 127.0.0.1:18080; got "127.0.0.1:70000"`),
		Entry("origin listen on a service name", "origin: {listen: \"127.0.0.1:http\"}\n", `origin.listen: expected a port from 1 to 65535, such as 127.0.0.1:18080; got "127.0.0.1:http"`),
		Entry("dns listen on port 0", "dns: {listen: \"127.0.0.1:0\"}\n", `dns.listen: expected a port from 1 to 65535`),
		Entry("origin and DNS on one address", "origin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18080\"}\n", `bad.yaml:2:15: dns.listen: expected an address other than origin.listen (both listen on TCP); got "127.0.0.1:18080" for both`),
		Entry("an origin name with a space", "origin: {name: 'not a host'}\n", `bad.yaml:1:16: origin.name: expected a DNS name the gateway resolves through the fake DNS server, such as origin.gatecrash.test (labels of letters, digits, - and _, dot-separated, not an IP address); got "not a host"`),
		Entry("an origin name with an empty label", "origin: {name: 'a..b'}\n", `origin.name: expected a DNS name the gateway resolves through the fake DNS server`),
		Entry("an origin name that is an IP address", "origin: {name: '127.0.0.1'}\n", `origin.name: expected a DNS name the gateway resolves through the fake DNS server`),
		Entry("an origin name with a label of 64 characters", "origin: {name: '"+strings.Repeat("a", 64)+".test'}\n", `origin.name: expected a DNS name the gateway resolves through the fake DNS server`),
		Entry("an unknown tag", header+"  - {name: !foo a, fault: refused, expect: {status: 502}}\n", `bad.yaml:3:12: scenarios[0].name: unknown tag !foo; a suite takes YAML's core tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) and !!binary`),
		Entry("a tag outside the core schema", "suite: !!set {a, b}\n", `bad.yaml:1:8: suite: unknown tag !!set; a suite takes YAML's core tags`),
		Entry("an unknown tag under an anchor", header+"  - {name: a, fault: refused, expect: {status: &s !!timestamp 2001-12-14}}\n", `scenarios[0].expect.status: unknown tag !!timestamp`),
		Entry("a list for a fault that takes no parameters", header+"  - {name: a, fault: {hang: [1]}, expect: {status: 502}}\n", `bad.yaml:3:29: scenarios[0].fault.hang: takes no parameters; expected {} or the name alone; got a list`),
		Entry("a null key", "suite: x\n~: 2\n", `bad.yaml:2:1: suite file: unknown field "~"; expected one of suite, gateway, origin, dns, scenarios`),
		Entry("a tab as indentation", "suite: x\nscenarios:\n\t- {name: a, fault: refused, expect: {status: 502}}\n", `bad.yaml:3:1: YAML syntax: a tab where YAML expects indentation or a value: YAML indents with spaces, never tabs`),
		Entry("names that differ only in spaces around them", header+"  - {name: a, fault: refused, expect: {status: 502}}\n  - {name: 'a ', fault: refused, expect: {status: 502}}\n", `bad.yaml:4:12: scenarios[1].name: "a " differs from the name of scenarios[0], "a", only in spaces around it; names must be unique`),
		Entry("a fault that lasts 0s", header+"  - {name: a, fault: {hang: {for: 0s}}, expect: {status: 502}}\n", `bad.yaml:3:35: scenarios[0].fault.hang.for: expected a duration above 0; got "0s"`),
		Entry("an expected header value with CR LF", header+"  - {name: a, fault: refused, expect: {headers: {equals: {X-A: \"a\\r\\nb\"}}}}\n", `scenarios[0].expect.headers.equals.X-A: expected a header value without line breaks or control characters but tab (no answer has one); got "a\r\nb"`),
		Entry("an attached gateway on the origin's address", "gateway: {url: \"http://127.0.0.1:18080\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n", `bad.yaml:2:18: origin.listen: expected an address other than the gateway's own (gateway.url); got "127.0.0.1:18080"`),
		Entry("a status in hexadecimal", header+"  - {name: a, fault: refused, expect: {status: 0x1F6}}\n", `bad.yaml:3:48: scenarios[0].expect.status: expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got 0x1F6`),
		Entry("a status in octal", header+"  - {name: a, fault: refused, expect: {not_status: [0o766]}}\n", `scenarios[0].expect.not_status: expected a status code (three digits, 100-999), a class such as 5xx, or a list of them; got 0o766`),
		Entry("origin.instances: 0, which read as 1", "origin: {instances: 0}\n", "bad.yaml:1:21: origin.instances: expected 1 to 16 origins; got 0"),
		Entry("a route's status: 0, which read as 200", "suite: x\norigin: {routes: [{path: /, status: 0}]}\n", "bad.yaml:2:37: origin.routes[0].status: expected a status code 100-599; got 0"),
		Entry("a readiness status: 0, which read as any", "gateway: {command: [sh], ready: {status: 0}}\n", "gateway.ready.status: expected the status code that means ready, 100-599, such as 200; got 0"),
		Entry("a wrong host that is the origin's own name", header+"  - {name: a, fault: {tls_wrong_host: {host: origin.gatecrash.test}}, expect: {status: 502}}\n", `bad.yaml:3:22: scenarios[0].fault.tls_wrong_host: host: "origin.gatecrash.test" is the origin's own name (origin.name); expected another DNS name, such as www.example.test`),
		Entry("a wrong host that is origin.name", "origin: {name: api.internal}\n"+header+"  - {name: a, fault: {tls_wrong_host: {host: API.internal.}}, expect: {status: 502}}\n", `scenarios[0].fault.tls_wrong_host: host: "API.internal." is the origin's own name (origin.name)`),
		Entry("a duration too long to count", header+"  - {name: a, fault: {tls_expired: {expired_ago: 9999999h}}, expect: {status: 502}}\n", `bad.yaml:3:50: scenarios[0].fault.tls_expired.expired_ago: expected a duration of at most 1h (tls_expired.expired_ago: 43800h); got "9999999h", too long to count`),
		Entry("an empty list of instances", header+"  - {name: a, fault: {hang: {instances: []}}, expect: {status: 502}}\n", `bad.yaml:3:41: scenarios[0].fault.hang.instances: expected at least one origin instance, such as [1]; got an empty list (leave instances out for every instance)`),
		Entry("missing template", "gateway: {command: [nginx], templates: [nope.tmpl]}\n", "bad.yaml:1:41: gateway.templates[0]: cannot read template nope.tmpl (templates are found next to the suite file): no such file or directory"),
	)

	It("reads anchors, aliases and merge keys as if the values were written out", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(`suite: anchors
x-defaults:
  request: &req {path: /api, headers: {X-Team: payments}, timeout: 5s}
  expect: &fast {status: 502, within: 500ms}
scenarios:
  - name: a
    fault: refused
    request: *req
    expect: *fast
  - name: b
    fault: nxdomain
    request: {<<: *req, path: /other}
    expect:
      <<: [*fast, {valid_http: true, within: 1s}]
      not_status: 200
`))
		Expect(err).NotTo(HaveOccurred())
		a, b := s.Scenarios[0], s.Scenarios[1]
		Expect(a.Request.Path).To(Equal("/api"))
		Expect(a.Request.Headers).To(HaveKeyWithValue("X-Team", "payments"))
		Expect(b.Request.Path).To(Equal("/other"), "the mapping's own field wins")
		Expect(b.Request.Headers).To(HaveKeyWithValue("X-Team", "payments"))
		Expect(b.Request.Timeout).To(Equal(scenarios.Duration(5 * time.Second)))
		Expect(a.Expect.String()).To(Equal("status 502, within 500ms"))
		Expect(b.Expect.String()).To(ContainSubstring("within 500ms"), "the first merged mapping wins over the later")
		Expect(b.Expect.String()).To(ContainSubstring("a valid HTTP answer"))
		Expect(b.Expect.String()).To(ContainSubstring("a status other than 200"))
	})

	It("reads block scalars (| and >) as their text, not their source", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(`suite: blocks
origin:
  routes:
    - path: /
      body: |
        hello
        world
scenarios:
  - name: a
    fault:
      http09:
        body: >
          folded
          text
    expect:
      body:
        equals: |-
          kept
          lines
        contains:
          - |
            a line
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Origin.Routes[0].Body).To(Equal("hello\nworld\n"))
		Expect(s.Scenarios[0].Fault.Fault).To(Equal(&faults.HTTP09{Body: "folded text\n"}))
		Expect(*s.Scenarios[0].Expect.Body.Equals).To(Equal("kept\nlines"))
		Expect(s.Scenarios[0].Expect.Body.Contains).To(Equal(scenarios.Strings{"a line\n"}))
	})

	Describe("!!binary", func() {
		fault := func(yaml string) faults.Fault {
			s, err := scenarios.Parse("ok.yaml", []byte(header+yaml))
			Expect(err).NotTo(HaveOccurred())
			return s.Scenarios[0].Fault.Fault
		}

		It("gives a wire parameter the bytes its base64 stands for", func() {
			// "SSH-2.0\r\n" then 0xff 0xfe: no YAML string holds those two.
			Expect(fault("  - {name: a, fault: {garbage: {bytes: !!binary U1NILTIuMA0K//4=}}, expect: {status: 502}}\n")).
				To(Equal(&faults.Garbage{Bytes: "SSH-2.0\r\n\xff\xfe"}))
			Expect(fault("  - name: a\n    fault:\n      http09:\n        body: !!binary |\n          U1NILTIu\n          MA0K//4=\n    expect: {status: 502}\n")).
				To(Equal(&faults.HTTP09{Body: "SSH-2.0\r\n\xff\xfe"}), "a block of lines")
			Expect(fault("  - {name: a, fault: {http09: {body: !!binary \"U1NI LTIu\\nMA0K //4=\"}}, expect: {status: 502}}\n")).
				To(Equal(&faults.HTTP09{Body: "SSH-2.0\r\n\xff\xfe"}), "spaces and line breaks ignored")
		})

		It("goes with the value through anchors and aliases", func() {
			for _, anchored := range []string{"&b !!binary //4=", "!!binary &b //4="} {
				s, err := scenarios.Parse("ok.yaml", []byte("x-bytes: "+anchored+"\n"+header+
					"  - {name: a, fault: {garbage: {bytes: *b}}, expect: {status: 502}}\n"))
				Expect(err).NotTo(HaveOccurred(), anchored)
				Expect(s.Scenarios[0].Fault.Fault).To(Equal(&faults.Garbage{Bytes: "\xff\xfe"}), anchored)
			}
		})

		It("is taken by every parameter a fault sends on the wire", func() {
			wire := map[string][]string{}
			for _, d := range faults.All() {
				t := reflect.TypeOf(d.New()).Elem()
				for i := range t.NumField() {
					if t.Field(i).Type != reflect.TypeFor[faults.Bytes]() {
						continue
					}
					name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
					wire[d.Name] = append(wire[d.Name], name)
					// The default's own bytes, written in base64, load as the default.
					def := reflect.ValueOf(d.New()).Elem().Field(i).String()
					b64 := base64.StdEncoding.EncodeToString([]byte(def))
					scenario := fmt.Sprintf("  - {name: a, fault: {%s: {%s: !!binary %q}}, expect: {status: 502}}\n", d.Name, name, b64)
					if d.Needs.H2C {
						// The HTTP/2 faults need the origin's h2c endpoint.
						s, err := scenarios.Parse("ok.yaml", []byte("origin: {h2c: true, routes: [{path: /h2c/, status: 200}]}\n"+header+scenario))
						Expect(err).NotTo(HaveOccurred())
						Expect(s.Scenarios[0].Fault.Fault).To(Equal(d.New()), "%s.%s", d.Name, name)
						continue
					}
					Expect(fault(scenario)).To(Equal(d.New()), "%s.%s", d.Name, name)
				}
			}
			Expect(wire).To(Equal(map[string][]string{
				"chunked_cut": {"body"}, "content_length_and_chunked": {"body"}, "garbage": {"bytes"},
				"header_without_colon": {"line"}, "http09": {"body"}, "invalid_chunk_size": {"size"},
				"invalid_header_chars": {"name", "value"}, "invalid_status": {"line"}, "origin_error": {"body"},
				"tls_plaintext": {"bytes"}, "h2_http1_answer": {"bytes"},
				"ws_no_switch": {"body"}, "ws_upgrade_refused": {"body"},
			}))
		})

		DescribeTable("rejects what is not base64, or a field that is not bytes, at its place",
			func(yaml, want string) {
				_, err := scenarios.Parse("bad.yaml", []byte(header+yaml))
				Expect(err).To(MatchError(ContainSubstring(want)))
			},
			Entry("a character outside the alphabet", "  - {name: a, fault: {garbage: {bytes: !!binary U1NI!LTIu}}, expect: {status: 502}}\n",
				`bad.yaml:3:48: scenarios[0].fault.garbage.bytes: expected base64 after !!binary (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters; spaces and line breaks are ignored), such as !!binary U1NILTIuMA0K//4=; got "U1NI!LTIu" ('!' at character 5 is not a base64 character)`),
			Entry("a missing padding", "  - {name: a, fault: {garbage: {bytes: !!binary U1NILTI}}, expect: {status: 502}}\n",
				`got "U1NILTI" (7 characters, not a multiple of 4: pad with =)`),
			Entry("padding inside", "  - {name: a, fault: {garbage: {bytes: !!binary U1=ILTIu}}, expect: {status: 502}}\n",
				`got "U1=ILTIu" (= at character 3: padding goes only at the end)`),
			Entry("a field of text", "  - {name: !!binary YQ==, fault: refused, expect: {status: 502}}\n",
				`bad.yaml:3:12: scenarios[0].name: !!binary is taken only by parameters a fault sends on the wire as bytes (such as garbage.bytes or http09.body); expected a string here`),
			Entry("a number", "  - {name: a, fault: {body_stall: {bytes: !!binary MTA=}}, expect: {status: 502}}\n",
				`scenarios[0].fault.body_stall.bytes: !!binary is taken only by parameters a fault sends on the wire as bytes`),
			Entry("the decoded bytes, to the fault's own checks", "  - {name: a, fault: {garbage: {bytes: !!binary \"\"}}, expect: {status: 502}}\n",
				`scenarios[0].fault.garbage: bytes: expected at least one byte`),
		)
	})

	It("takes YAML's core tags", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: !!str 502, fault: !!str refused, expect: !!map {status: !!int 502}}\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Scenarios[0].Name).To(Equal("502"))
	})

	It("takes an attached gateway on localhost however it is spelt", func() {
		for _, host := range []string{"localhost", "LocalHost", "127.0.0.1", "[::1]"} {
			_, err := scenarios.Parse("ok.yaml", []byte("gateway: {url: \"http://"+host+":8080\"}\norigin: {listen: \"127.0.0.1:18080\"}\ndns: {listen: \"127.0.0.1:18053\"}\n"+header[len("suite: t\n"):]+"  - {name: a, fault: refused, expect: {status: 502}}\n"))
			Expect(err).NotTo(HaveOccurred(), host)
		}
	})

	It("reads a reason to skip a scenario", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: nxdomain, skip: \"apache resolves through the system resolver only\", expect: {status: 502}}\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Scenarios[0].Skip).To(Equal("apache resolves through the system resolver only"))
	})

	It("reads a pinned finding, a string like the rest", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: http09, finding: \"nginx relays garbage as HTTP/0.9\", expect: {status: 200}}\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Scenarios[0].Finding).To(Equal("nginx relays garbage as HTTP/0.9"))
		_, err = scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: http09, finding: [a, b], expect: {status: 200}}\n"))
		Expect(err).To(MatchError(ContainSubstring("finding")))
		_, err = scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: http09, findings: x, expect: {status: 200}}\n"))
		Expect(err).To(MatchError(ContainSubstring(`unknown field "findings"`)))
	})

	It("reads a fault's common options next to its parameters", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: {garbage: {bytes: x, attempts: 1..2, probability: 0.5, after: 1s, for: 2s}}, expect: {status: 502}}\n"))
		Expect(err).NotTo(HaveOccurred())
		f := s.Scenarios[0].Fault
		half := 0.5
		Expect(f.Fault).To(Equal(&faults.Garbage{Bytes: "x"}))
		Expect(f.Options).To(Equal(faults.Options{Probability: &half, Attempts: faults.Attempts{From: 1, To: 2}, After: time.Second, For: 2 * time.Second}))
	})

	It("finds template errors before anything starts", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "gw.conf.tmpl"), []byte("listen {{.Lisen}};\n"), 0o644)).To(Succeed())
		suite := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suite, []byte("gateway: {command: [gw, -c, gw.conf], templates: [gw.conf.tmpl]}\n"+header[len("suite: t\n"):]+"  - {name: a, fault: refused, expect: {status: 502}}\n"), 0o644)).To(Succeed())
		_, err := scenarios.Load(suite)
		Expect(err).To(MatchError(And(ContainSubstring(suite+":1:51: gateway.templates[0]"), ContainSubstring("gw.conf.tmpl:1:9"),
			ContainSubstring("can't evaluate field Lisen"), ContainSubstring("templates can use {{.Listen}}, {{.ListenHost}}"))))
	})

	It("names a file it cannot read", func() {
		_, err := scenarios.Load("does-not-exist.yaml")
		Expect(err).To(MatchError(ContainSubstring("does-not-exist.yaml: cannot read the suite file: no such file or directory")))
	})
})

var _ = Describe("durations without bound", func() {
	It("takes a certificate that expired more than an hour ago", func() {
		_, err := scenarios.Parse("ok.yaml", []byte(header+"  - {name: a, fault: {tls_expired: {expired_ago: 8760h}}, expect: {status: 502}}\n"))
		Expect(err).NotTo(HaveOccurred())
	})
})
