package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios/engine"
)

// builtin is an environment with the builtin gateway: nothing to install.
func builtin() harness.Config { return harness.Config{Gateway: &harness.Builtin{}} }

// order numbers the cases of a test in the order they are made.
type order struct{ n int }

// c is a case named name, running fn with a generous deadline.
func (o *order) c(name string, fn func(ctx context.Context) error) engine.Case {
	n := o.n
	o.n++
	return engine.Case{
		Record: func() *reports.Scenario { return &reports.Scenario{Order: n, Suite: "t", Name: name} },
		Bound:  time.Minute,
		Run: func(ctx context.Context, _ *harness.Environment, _ *reports.Scenario) error {
			return fn(ctx)
		},
	}
}

func pass(context.Context) error { return nil }

// block waits for ctx to end.
func block(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

// verdicts is each record as "name: state: failure".
func verdicts(res engine.Result) []string {
	var out []string
	for _, r := range res.Scenarios {
		out = append(out, fmt.Sprintf("%s: %s: %s", r.Name, r.State, r.Failure))
	}
	return out
}

func expect(t *testing.T, res engine.Result, want ...string) {
	t.Helper()
	got := verdicts(res)
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("record %d:\ngot  %q\nwant %q...", i, got[i], want[i])
		}
	}
}

func TestVerdicts(t *testing.T) {
	var o order
	suites := []engine.Suite{{File: "a.yaml", Config: builtin, Cases: []engine.Case{
		o.c("passes", pass),
		o.c("fails", func(context.Context) error { return engine.Fail("expected status 503, observed status 502") }),
		o.c("errs", func(context.Context) error { return errors.New("inject hang: no port") }),
		o.c("panics", func(context.Context) error { panic("a bug") }),
		func() engine.Case { c := o.c("not selected", pass); c.Skip = "not selected"; return c }(),
		o.c("still runs after a panic", pass),
	}}}
	res := engine.Run(context.Background(), suites, engine.Options{})
	expect(t, res,
		"passes: passed: ",
		"fails: failed: expected status 503, observed status 502",
		"errs: error: inject hang: no port",
		"panics: error: gatecrash panicked: a bug",
		"not selected: skipped: not selected",
		"still runs after a panic: passed: ",
	)
	if res.Interrupted {
		t.Error("Interrupted, want not")
	}
}

func TestScenarioDeadline(t *testing.T) {
	var o order
	c := o.c("hangs", block)
	c.Bound = 100 * time.Millisecond
	res := engine.Run(context.Background(), []engine.Suite{{File: "a.yaml", Config: builtin, Cases: []engine.Case{c, o.c("next", pass)}}}, engine.Options{})
	expect(t, res,
		"hangs: failed: the scenario did not finish within its deadline (100ms): the gateway kept gatecrash waiting",
		"next: passed",
	)
}

func TestRunTimeout(t *testing.T) {
	var o order
	a := []engine.Case{o.c("first", pass), o.c("stopped", block), o.c("after", pass)}
	b := []engine.Case{o.c("other suite", pass), func() engine.Case { c := o.c("left out", pass); c.Skip = "not selected"; return c }()}
	res := engine.Run(context.Background(), []engine.Suite{{File: "a.yaml", Config: builtin, Cases: a}, {File: "b.yaml", Config: builtin, Cases: b}},
		engine.Options{Timeout: 300 * time.Millisecond})
	expect(t, res,
		"first: passed",
		"stopped: error: "+engine.StoppedTimeout,
		"after: skipped: "+engine.NotRunTimeout,
		"other suite: skipped: "+engine.NotRunTimeout,
		// What a filter left out says so, whatever stopped the run.
		"left out: skipped: not selected",
	)
}

func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var o order
	cases := []engine.Case{
		o.c("first", pass),
		o.c("running", func(ctx context.Context) error { cancel(); return block(ctx) }),
		o.c("after", pass),
	}
	res := engine.Run(ctx, []engine.Suite{{File: "a.yaml", Config: builtin, Cases: cases}, {File: "b.yaml", Config: builtin, Cases: []engine.Case{o.c("other", pass)}}}, engine.Options{})
	expect(t, res,
		"first: passed",
		"running: interrupted: interrupted: ",
		"after: interrupted: "+engine.NotRunInterrupted,
		"other: interrupted: "+engine.NotRunInterrupted,
	)
	if !res.Interrupted {
		t.Error("not Interrupted")
	}
	for _, r := range res.Scenarios {
		if r.NotRun != (r.Failure == engine.NotRunInterrupted) {
			t.Errorf("%s: NotRun %t", r.Name, r.NotRun)
		}
	}
}

func TestEnvironmentDidNotStart(t *testing.T) {
	broken := func() harness.Config {
		return harness.Config{Gateway: &harness.Managed{Command: []string{"gatecrash-no-such-gateway"}}}
	}
	var o order
	ran := false
	bad := []engine.Case{o.c("first", pass), o.c("second", func(context.Context) error { ran = true; return nil })}
	res := engine.Run(context.Background(), []engine.Suite{{File: "bad.yaml", Config: broken, Cases: bad}, {File: "good.yaml", Config: builtin, Cases: []engine.Case{o.c("good", pass)}}}, engine.Options{})
	expect(t, res,
		"first: error: environment for bad.yaml did not start, so none of its scenarios ran: ",
		`second: error: not run: the environment for bad.yaml did not start (see "first")`,
		"good: passed",
	)
	if !strings.Contains(res.Scenarios[0].Failure, "gatecrash-no-such-gateway") {
		t.Errorf("the reason is not in %q", res.Scenarios[0].Failure)
	}
	// The first tells why in full; the rest were not run, and a console
	// gives them a line.
	if res.Scenarios[0].NotRun || !res.Scenarios[1].NotRun || res.Scenarios[2].NotRun {
		t.Errorf("NotRun %t %t %t, want false true false", res.Scenarios[0].NotRun, res.Scenarios[1].NotRun, res.Scenarios[2].NotRun)
	}
	if ran {
		t.Error("a scenario of a suite without environment ran")
	}
}

// TestEnvironmentDidNotStartWorkers: with several workers running one
// suite, the first start decides: when it fails, the others start nothing
// and point to its failure, told once.
func TestEnvironmentDidNotStartWorkers(t *testing.T) {
	var mu sync.Mutex
	starts := 0
	broken := func() harness.Config {
		mu.Lock()
		starts++
		mu.Unlock()
		return harness.Config{Gateway: &harness.Managed{Command: []string{"gatecrash-no-such-gateway"}}}
	}
	var o order
	var cases []engine.Case
	for i := range 8 {
		cases = append(cases, o.c(fmt.Sprint("case ", i), pass))
	}
	good := []engine.Case{o.c("good 1", pass), o.c("good 2", pass), o.c("good 3", pass), o.c("good 4", pass)}
	res := engine.Run(context.Background(), []engine.Suite{{File: "bad.yaml", Config: broken, Cases: cases}, {File: "good.yaml", Config: builtin, Cases: good}}, engine.Options{Workers: 4})
	full, pointers := 0, 0
	for _, r := range res.Scenarios {
		switch {
		case strings.HasPrefix(r.Failure, "environment for bad.yaml did not start, so none of its scenarios ran: "):
			full++
		case strings.HasPrefix(r.Failure, "not run: the environment for bad.yaml did not start (see \"case "):
			pointers++
			if !r.NotRun {
				t.Errorf("%s: not marked NotRun", r.Name)
			}
		case strings.HasPrefix(r.Name, "good") && r.State == reports.Passed:
		default:
			t.Errorf("%s: %s: %s", r.Name, r.State, r.Failure)
		}
	}
	if full != 1 || pointers != 7 || starts != 1 {
		t.Errorf("%d told in full, %d pointing to it, %d starts; want 1, 7, 1", full, pointers, starts)
	}
}

// TestWorkerCrash: a panic outside a case's Run (making a suite's
// environment, reporting a verdict) is reported on the cases it left
// without one, as a crash of that worker, and the worker goes on with its
// next suite; the run and its reports are not lost.
func TestWorkerCrash(t *testing.T) {
	var o order
	crashing := func() harness.Config { panic("a bug in the config") }
	crash := []engine.Case{o.c("first", pass), o.c("second", pass)}
	good := []engine.Case{o.c("good", pass)}
	late := []engine.Case{o.c("finished, then the callback panics", pass), o.c("after the callback", pass)}
	last := []engine.Case{o.c("last", pass)}
	suites := []engine.Suite{
		{File: "crash.yaml", Config: crashing, Cases: crash},
		{File: "good.yaml", Config: builtin, Cases: good},
		{File: "late.yaml", Config: builtin, Cases: late},
		{File: "last.yaml", Config: builtin, Cases: last},
	}
	finished := func(rec *reports.Scenario) {
		if rec.Name == "finished, then the callback panics" {
			panic("a bug in the console")
		}
	}
	res := engine.Run(context.Background(), suites, engine.Options{Finished: finished})
	expect(t, res,
		"first: error: worker 1 crashed while it ran crash.yaml, so its scenarios from this one on did not run: gatecrash panicked: a bug in the config\n",
		"second: error: not run: worker 1 crashed while it ran crash.yaml (see the scenario before)",
		"good: passed",
		"finished, then the callback panics: passed",
		"after the callback: error: worker 1 crashed while it ran late.yaml, so its scenarios from this one on did not run: gatecrash panicked: a bug in the console\n",
		"last: passed",
	)

	// Two workers: the cases are dealt in turn, and each worker that
	// made crash.yaml's environment crashed on its own.
	res = engine.Run(context.Background(), suites, engine.Options{Workers: 2, Finished: finished})
	expect(t, res,
		"first: error: worker 1 crashed while it ran crash.yaml",
		"second: error: worker 2 crashed while it ran crash.yaml",
		"good: passed",
		"finished, then the callback panics: passed",
		"after the callback: passed",
		"last: passed",
	)
}

func TestSkippedSuiteStartsNothing(t *testing.T) {
	started := false
	cfg := func() harness.Config { started = true; return builtin() }
	var o order
	res := engine.Run(context.Background(), []engine.Suite{{File: "a.yaml", Config: cfg, Skip: "gateway not installed", Cases: []engine.Case{o.c("a", pass)}}}, engine.Options{})
	expect(t, res, "a: skipped: gateway not installed")
	if started {
		t.Error("an environment was made for a skipped suite")
	}
}

// TestWorkers: the cases are dealt among the workers, each with its own
// environment, and run side by side; the records come back in order.
func TestWorkers(t *testing.T) {
	var mu sync.Mutex
	envs := map[*harness.Environment]int{}
	var o order
	var cases []engine.Case
	for i := range 8 {
		c := o.c(fmt.Sprintf("%02d", i), nil)
		c.Run = func(ctx context.Context, env *harness.Environment, _ *reports.Scenario) error {
			mu.Lock()
			envs[env]++
			mu.Unlock()
			time.Sleep(300 * time.Millisecond)
			return nil
		}
		cases = append(cases, c)
	}
	var finished []string
	start := time.Now()
	res := engine.Run(context.Background(), []engine.Suite{{File: "a.yaml", Config: builtin, Cases: cases}}, engine.Options{
		Workers:  4,
		Finished: func(r *reports.Scenario) { finished = append(finished, r.Name) },
	})
	took := time.Since(start)
	var want []string
	for i := range 8 {
		want = append(want, fmt.Sprintf("%02d: passed", i))
	}
	expect(t, res, want...)
	if len(envs) != 4 {
		t.Errorf("%d environments, want one per worker: %v", len(envs), envs)
	}
	for env, n := range envs {
		if n != 2 {
			t.Errorf("environment %p ran %d cases, want 2", env, n)
		}
	}
	if took > 2*time.Second { // one worker: 2.4s; four: 0.6s and the environments
		t.Errorf("took %s: the workers did not run side by side", took)
	}
	slices.Sort(finished)
	if len(finished) != 8 {
		t.Errorf("Finished called for %v", finished)
	}
}

// TestGrace: a case that ignores its context's end is reported once the
// grace is over, without what it recorded, and the suite's other cases
// are not run in the environment it kept.
func TestGrace(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var o order
	stubborn := o.c("stubborn", nil)
	stubborn.Bound = 50 * time.Millisecond
	stubborn.Run = func(_ context.Context, _ *harness.Environment, rec *reports.Scenario) error {
		rec.Failure = "what it recorded"
		<-release
		return nil
	}
	res := engine.Run(context.Background(), []engine.Suite{{File: "a.yaml", Config: builtin, Cases: []engine.Case{stubborn, o.c("next", pass)}}, {File: "b.yaml", Config: builtin, Cases: []engine.Case{o.c("other suite", pass)}}},
		engine.Options{Grace: 100 * time.Millisecond})
	expect(t, res,
		"stubborn: failed: the scenario did not finish within its deadline",
		`next: error: not run: scenario "stubborn" did not return within 100ms of its end`,
		"other suite: passed",
	)
	if strings.Contains(res.Scenarios[0].Failure, "what it recorded") || !strings.HasSuffix(res.Scenarios[0].Failure, "(and it did not return within 100ms after)") {
		t.Errorf("failure %q", res.Scenarios[0].Failure)
	}
}
