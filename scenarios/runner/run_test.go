package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/runner"
)

// These tests call Run in-process, many times in one process, against the
// builtin gateway: they need nothing installed.

// run runs the suite in text (builtin gateway unless it says otherwise)
// with the filters and options given, and returns the exit code, the
// console and the records of its JSON report.
func run(t *testing.T, ctx context.Context, text string, focus []string, opts runner.Options) (int, string, []*reports.Scenario) {
	t.Helper()
	s, err := scenarios.Parse(filepath.Join(t.TempDir(), "suite.yaml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	suites := []*scenarios.Suite{s}
	scenarios.Number(suites)
	f, err := scenarios.NewFilter("", focus)
	if err != nil {
		t.Fatal(err)
	}
	part, err := f.Select(suites, scenarios.Slice{})
	if err != nil {
		t.Fatal(err)
	}
	out, ok := opts.Out.(*lockedBuffer)
	if !ok {
		out = &lockedBuffer{}
		opts.Out = out
	}
	opts.JSON = filepath.Join(t.TempDir(), "report.json")
	code := runner.Run(ctx, part, opts)
	records, err := reports.ReadJSON(opts.JSON)
	if err != nil {
		t.Fatalf("the JSON report: %v", err)
	}
	return code, out.String(), records
}

// lockedBuffer is a console that the test may read while Run writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, when set, is called with what was written so far.
	onWrite func(string)
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	n, err := l.b.Write(p)
	text := l.b.String()
	l.mu.Unlock()
	if l.onWrite != nil {
		l.onWrite(text)
	}
	return n, err
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func contains(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("console does not match %q:\n%s", w, out)
		}
	}
}

func states(records []*reports.Scenario) string {
	var s []string
	for _, r := range records {
		s = append(s, string(r.State))
	}
	return strings.Join(s, " ")
}

func TestRunVerdictsAndExitCodes(t *testing.T) {
	for _, c := range []struct {
		name, suite string
		code        int
		console     []string
		states      string
	}{
		{"every scenario passed", `suite: t
scenarios:
  - {name: down, fault: refused, expect: {status: 502}}
  - {name: control, fault: none, expect: {status: 200}}
`, runner.ExitPassed, []string{`(?m)^PASS  t / down  \[refused\]  expected status 502 \| observed status 502`, `2 scenarios: 2 passed, 0 failed`}, "passed passed"},
		{"a failed expectation", `suite: t
scenarios:
  - {name: down, fault: refused, expect: {status: 503}}
  - {name: control, fault: none, expect: {status: 200}}
`, runner.ExitFailed, []string{`(?m)^FAIL  t / down`, `(?m)^      expected status 503, observed status 502 in `, `(?m)^PASS  t / control`}, "failed passed"},
		{"skip: is a skip, exit 0", `suite: t
scenarios:
  - {name: later, fault: refused, skip: not yet, expect: {status: 502}}
`, runner.ExitPassed, []string{`(?m)^SKIP  t / later \(skipped: not yet\)$`}, "skipped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, records := run(t, context.Background(), c.suite, nil, runner.Options{})
			if code != c.code {
				t.Errorf("exit %d, want %d:\n%s", code, c.code, out)
			}
			contains(t, out, c.console...)
			if got := states(records); got != c.states {
				t.Errorf("states %q, want %q", got, c.states)
			}
		})
	}
}

// TestRunTimeoutIsNotAFilter: the scenarios --timeout stopped say so,
// never that a filter left them out; those a filter left out say that.
func TestRunTimeoutIsNotAFilter(t *testing.T) {
	code, out, records := run(t, context.Background(), `suite: t
gateway: {builtin: {response_timeout: 20s}}
scenarios:
  - {name: hung, fault: hang, expect: {status: 504}}
  - {name: after, fault: refused, expect: {status: 502}}
  - {name: left out, fault: refused, expect: {status: 502}}
`, []string{"^hung$|^after$"}, runner.Options{Timeout: time.Second})
	if code != runner.ExitBadInput {
		t.Errorf("exit %d, want 2", code)
	}
	contains(t, out,
		`(?m)^ERR   t / hung  \[hang\]`, `(?m)^      stopped: the run's --timeout was reached$`,
		`(?m)^SKIP  t / after \(not run: the run's --timeout was reached\)$`,
		`(?m)^SKIP  t / left out \(not selected by --label-filter or --focus\)$`)
	if got := states(records); got != "error skipped skipped" {
		t.Errorf("states %q", got)
	}
}

func TestRunEnvironmentDidNotStart(t *testing.T) {
	const suite = `suite: t
gateway: {command: [gatecrash-no-such-gateway]}
scenarios:
  - {name: first, fault: refused, expect: {status: 502}}
  - {name: second, fault: refused, expect: {status: 502}}
`
	code, out, records := run(t, context.Background(), suite, nil, runner.Options{})
	if code != runner.ExitBadInput {
		t.Errorf("exit %d, want 2", code)
	}
	contains(t, out,
		`(?m)^ERR   t / first`,
		`environment for .*suite.yaml did not start, so none of its scenarios ran: gateway .*: command "gatecrash-no-such-gateway": exec: "gatecrash-no-such-gateway": executable file not found`,
		// The rest in a line each, as a skipped scenario: no expected and
		// observed, no position.
		`(?m)^ERR   t / second \(not run: the environment for .*suite.yaml did not start \(see "first"\)\)$`)
	if strings.Count(out, "expected status 502") != 1 {
		t.Errorf("the reason is not told once in full, then pointed to:\n%s", out)
	}
	if strings.Contains(out, "BeforeAll") || strings.Contains(out, "Spec skipped") {
		t.Errorf("Ginkgo's words in the console:\n%s", out)
	}
	if got := states(records); got != "error error" {
		t.Errorf("states %q", got)
	}

	code, out, _ = run(t, context.Background(), suite, nil, runner.Options{SkipMissingGateways: true})
	if code != runner.ExitPassed {
		t.Errorf("--skip-missing-gateways: exit %d, want 0", code)
	}
	contains(t, out, `(?m)^SKIP  t / first \(gateway command gatecrash-no-such-gateway is not installed \(--skip-missing-gateways\)\)$`)
}

// TestRunInterrupt cancels the run's context, as SIGINT does, once the
// second of many scenarios has its verdict.
func TestRunInterrupt(t *testing.T) {
	var b strings.Builder
	b.WriteString("suite: many\nscenarios:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  - {name: control %d, fault: none, expect: {status: 200}}\n", i+1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{onWrite: func(text string) {
		if strings.Contains(text, "PASS  many / control 2 ") {
			cancel()
		}
	}}
	code, console, records := run(t, ctx, b.String(), nil, runner.Options{Out: out})
	if code != runner.ExitInterrupted {
		t.Errorf("exit %d, want 130", code)
	}
	contains(t, console, `(?m)^INTR  many / control 40 \(not run: the run was interrupted\)$`)
	if len(records) != 40 {
		t.Fatalf("%d records, want 40: the report is whole", len(records))
	}
	interrupted := 0
	for _, r := range records {
		if r.State == reports.Interrupted {
			interrupted++
		}
	}
	if interrupted < 30 {
		t.Errorf("%d interrupted, want the rest of the 40: %s", interrupted, states(records))
	}
}

// TestRunWorkers: -p in-process, each worker with its own environment:
// faults one holds (a hang) do not reach another's scenarios.
func TestRunWorkers(t *testing.T) {
	var b strings.Builder
	b.WriteString("suite: p\ngateway: {builtin: {response_timeout: 500ms}}\nscenarios:\n")
	for i := range 4 {
		fmt.Fprintf(&b, "  - {name: hung %d, fault: hang, expect: {status: 504, between: [450ms, 1s]}}\n", i+1)
		fmt.Fprintf(&b, "  - {name: control %d, fault: none, expect: {status: 200, within: 400ms}}\n", i+1)
	}
	start := time.Now()
	code, out, records := run(t, context.Background(), b.String(), nil, runner.Options{Workers: 4})
	if code != runner.ExitPassed {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	if took := time.Since(start); took > 3*time.Second { // one worker: 4 × 0.5s and more
		t.Errorf("took %s", took)
	}
	contains(t, out, `8 scenarios: 8 passed, 0 failed`)
	for i, r := range records {
		if r.Order != i {
			t.Errorf("record %d has order %d: the report is in file order", i, r.Order)
		}
	}
}
