// Package engine runs scenarios: each as a plain function that returns its
// verdict, in suites that share an environment, in one or more workers of
// one process. It owns what a run needs beyond a scenario's own steps: the
// environment of each suite (started before its first scenario, closed after
// its last verdict), a deadline per scenario, the run's overall timeout,
// interruption (the cancellation of the run's context) and the verdicts of
// the scenarios a run did not get to.
//
// The engine knows nothing of the YAML format: package scenarios turns a
// suite file into Suites and Cases, and its report into the console and the
// report files. A Go test can use it as it is.
package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// Suite is scenarios that share one environment.
type Suite struct {
	// File names the suite in messages: its file's path.
	File string
	// Config makes the configuration of an environment its cases run in,
	// with a gateway instance of its own: each worker starts one. Its
	// Abort is set by the engine: an interrupt cuts a managed gateway's
	// stop short.
	Config func() harness.Config
	// Skip, when set, is why none of its cases runs: each is reported as
	// skipped with it, and no environment starts.
	Skip string
	// Cases are its scenarios, in file order.
	Cases []Case

	// index is the suite's place in Run's suites: the workers that share
	// it share its start gate.
	index int
}

// Case is one scenario.
type Case struct {
	// Record makes the scenario's record as it is before a run: what it
	// is and what it expects, its Order in the run (the reports are in
	// that order) and its secrets. It is called once for the record Run
	// fills, and again when the engine must report the scenario without
	// what Run recorded (Run did not return in time).
	Record func() *reports.Scenario
	// Skip, when set, is why the case is not run (not selected, skip:):
	// it is reported as skipped with this reason.
	Skip string
	// Bound is the scenario's deadline: Run's context ends after it, and
	// the scenario fails if Run had not returned by then.
	Bound time.Duration
	// Run runs the scenario in env, recording what it observed in rec. It
	// returns nil when the scenario passed, an error made with Fail when
	// the gateway did not meet an expectation, and any other error when
	// the scenario could not be run (a fault not injected): the scenario
	// then errored. It must return soon after ctx ends.
	Run func(ctx context.Context, env *harness.Environment, rec *reports.Scenario) error
}

// Failure is the error a Case's Run returns when the gateway did not meet
// an expectation: a finding about the gateway, not about gatecrash.
type Failure struct{ Message string }

func (f *Failure) Error() string { return f.Message }

// Fail is a Failure with this message.
func Fail(message string) error { return &Failure{Message: message} }

// Options are the settings of a run.
type Options struct {
	// Workers is how many workers run cases at once (default 1), each
	// with its own environment of each suite it has cases of. The cases
	// to run are dealt among them round-robin in file order, and the
	// cases not run apart the same way.
	Workers int
	// Timeout bounds the whole run (default: none beyond the context's).
	// A case it stops errors ("stopped: the run's --timeout was
	// reached"); the cases after it are skipped ("not run: ...").
	Timeout time.Duration
	// Grace is how long a case's Run may take to return after its
	// context ended (default DefaultGrace). One that takes longer is
	// reported without what it recorded; its worker leaves the
	// environment to it and runs no more cases of that suite.
	Grace time.Duration
	// Started, when set, is called before a case runs; Finished, when set,
	// once with each record, redacted, as its verdict is known, in each
	// worker's order. Neither is called while the other is running.
	Started, Finished func(*reports.Scenario)
}

// Result is what a run did.
type Result struct {
	// Scenarios are the records of every case, in the run's order
	// (reports.Scenario.Order).
	Scenarios []*reports.Scenario
	// Interrupted is set when the run's context ended before the run did.
	Interrupted bool
}

// Messages of the cases a run stopped or did not get to. They name the
// flag of gatecrash run, the engine's main user.
const (
	NotRunInterrupted = "not run: the run was interrupted"
	NotRunTimeout     = "not run: the run's --timeout was reached"
	StoppedTimeout    = "stopped: the run's --timeout was reached"
	interruptedMsg    = "interrupted: the run was interrupted while the scenario ran"
)

// DefaultGrace is Options.Grace's default.
const DefaultGrace = 10 * time.Second

// errDeadline and errRunTimeout are the causes that end a case's context.
var (
	errDeadline   = errors.New("the scenario's deadline")
	errRunTimeout = errors.New("the run's timeout")
)

// Run runs the cases of suites and returns their records. The cancellation
// of ctx is an interrupt: the running cases are reported as interrupted,
// the rest as not run, and managed gateways' stop graces are cut short.
// Run returns once every environment it started is closed (except one
// left to a case that did not return in time).
func Run(ctx context.Context, suites []Suite, opts Options) Result {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if opts.Timeout > 0 {
		runCtx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, errRunTimeout)
	}
	defer cancel()
	workers := max(opts.Workers, 1)
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	suites = slices.Clone(suites)
	for i := range suites {
		suites[i].index = i
	}
	r := &run{ctx: ctx, runCtx: runCtx, opts: opts, gates: map[int]*startGate{}}
	var wg sync.WaitGroup
	for k := range workers {
		part := deal(suites, k, workers)
		wg.Go(func() { r.worker(k+1, part) })
	}
	wg.Wait()
	slices.SortStableFunc(r.results, func(a, b *reports.Scenario) int { return cmp.Compare(a.Order, b.Order) })
	return Result{Scenarios: r.results, Interrupted: ctx.Err() != nil}
}

// deal is worker k's part of n: the cases to run dealt round-robin in file
// order, the cases not run apart the same way; suites left with no case
// are dropped.
func deal(suites []Suite, k, n int) []Suite {
	if n == 1 {
		return suites
	}
	var out []Suite
	dealt := map[bool]int{} // by whether the case is skipped
	for _, s := range suites {
		kept := s
		kept.Cases = nil
		for _, c := range s.Cases {
			skip := c.Skip != "" || s.Skip != ""
			if dealt[skip]%n == k {
				kept.Cases = append(kept.Cases, c)
			}
			dealt[skip]++
		}
		if len(kept.Cases) > 0 {
			out = append(out, kept)
		}
	}
	return out
}

// run is the state the workers of one run share.
type run struct {
	ctx    context.Context // ended: interrupted
	runCtx context.Context // ended: interrupted, or the run's timeout
	opts   Options

	mu      sync.Mutex // the results and the callbacks
	results []*reports.Scenario

	gatesMu sync.Mutex
	gates   map[int]*startGate // by Suite.index
}

// startGate is the first start of a suite's environment, which the other
// workers that run the suite wait for: when it fails, they start none of
// their own and point to its failure, so that -p N reports a gateway that
// cannot start once (and keeps its rendered config once), not N times.
type startGate struct {
	ready chan struct{} // closed once the first start ended
	err   error         // why it failed; nil when it started (or ctx ended)
	first string        // the case its failure is reported on
}

// gate is suite i's start gate, and whether the caller is the first to
// start the suite's environment (it must then call open).
func (r *run) gate(i int) (g *startGate, first bool) {
	r.gatesMu.Lock()
	defer r.gatesMu.Unlock()
	if g = r.gates[i]; g != nil {
		return g, false
	}
	g = &startGate{ready: make(chan struct{})}
	r.gates[i] = g
	return g, true
}

func (r *run) started(rec *reports.Scenario) {
	if r.opts.Started == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Started(rec)
}

func (r *run) finished(rec *reports.Scenario) {
	rec.Redact()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, rec)
	if r.opts.Finished != nil {
		r.opts.Finished(rec)
	}
}

// notRun reports c as not run, for reason, in state.
func (r *run) notRun(c Case, state reports.State, reason string) {
	rec := c.Record()
	rec.State, rec.Failure, rec.NotRun = state, reason, true
	if rec.Start.IsZero() {
		rec.Start = time.Now()
	}
	r.finished(rec)
}

// stopped reports c as not run because the run's context ended: an
// interrupt, or the run's timeout.
func (r *run) stopped(c Case) {
	if r.ctx.Err() != nil {
		r.notRun(c, reports.Interrupted, NotRunInterrupted)
		return
	}
	r.notRun(c, reports.Skipped, NotRunTimeout)
}

// worker runs its part of the run, a suite at a time. A panic outside a
// case's Run (starting an environment, say) crashes only the suite it
// happened in: its cases not yet reported are errors that say so, the
// environment is closed, and the worker goes on with its next suite.
func (r *run) worker(k int, part []Suite) {
	for _, s := range part {
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.crashed(k, s, fmt.Sprintf("%v\n%s", p, debug.Stack()))
				}
			}()
			r.suite(s)
		}()
	}
}

// crashed reports the cases of s that have no verdict yet as errors:
// worker k panicked while it ran s.
func (r *run) crashed(k int, s Suite, panicked string) {
	r.mu.Lock()
	reported := map[int]bool{}
	for _, rec := range r.results {
		reported[rec.Order] = true
	}
	r.mu.Unlock()
	first := true
	for _, c := range s.Cases {
		rec := c.Record()
		if reported[rec.Order] {
			continue
		}
		reason := fmt.Sprintf("not run: worker %d crashed while it ran %s (see the scenario before)", k, s.File)
		rec.NotRun = true
		if first {
			// The crash, with its stack, is told in full once.
			reason = fmt.Sprintf("worker %d crashed while it ran %s, so its scenarios from this one on did not run: gatecrash panicked: %s", k, s.File, panicked)
			rec.NotRun, first = false, false
		}
		rec.State, rec.Failure = reports.Errored, reason
		if rec.Start.IsZero() {
			rec.Start = time.Now()
		}
		r.finished(rec)
	}
}

// suite runs the cases of s in an environment of its own, started before
// the first case that runs and closed after the last verdict.
func (r *run) suite(s Suite) {
	var env *harness.Environment
	var envErr error    // the environment did not start
	var envFirst string // the case its failure was reported on
	var leftTo string   // the case the environment was left to
	defer func() {
		if env != nil && leftTo == "" {
			_ = env.Close()
		}
	}()
	for _, c := range s.Cases {
		switch {
		case s.Skip != "":
			r.notRun(c, reports.Skipped, s.Skip)
			continue
		case c.Skip != "":
			r.notRun(c, reports.Skipped, c.Skip)
			continue
		case r.runCtx.Err() != nil:
			r.stopped(c)
			continue
		case leftTo != "":
			r.notRun(c, reports.Errored, fmt.Sprintf("not run: scenario %q did not return within %s of its end, and kept the environment", leftTo, r.opts.Grace))
			continue
		case envErr != nil:
			r.notRun(c, reports.Errored, fmt.Sprintf("not run: the environment for %s did not start (see %q)", s.File, envFirst))
			continue
		}
		if env == nil {
			g, first := r.gate(s.index)
			if !first {
				select {
				case <-g.ready:
				case <-r.runCtx.Done():
				}
				if r.runCtx.Err() == nil && g.err != nil {
					// Another worker's start failed, and said why.
					envErr, envFirst = g.err, g.first
					r.notRun(c, reports.Errored, fmt.Sprintf("not run: the environment for %s did not start (see %q)", s.File, envFirst))
					continue
				}
			}
			env, envErr = r.start(s, c, g, first)
			if envErr != nil {
				if r.runCtx.Err() != nil {
					r.stopped(c)
					continue
				}
				envFirst = c.Record().Name
				continue
			}
		}
		if r.runCtx.Err() != nil {
			r.stopped(c) // while the environment started
			continue
		}
		if running := r.runCase(c, env); running != nil {
			leftTo = c.Record().Name
			// Closed once the case returns, if the process lives that long.
			go func(env *harness.Environment) { <-running; _ = env.Close() }(env)
		}
	}
}

// start starts an environment for s, whose first case to run is c. When
// it fails, it reports c with why, in full (the gateway's output
// included): the suite's other cases point to it. first is whether this
// is the suite's first start (gate g), which then tells the other workers
// how it went, even when it panics.
func (r *run) start(s Suite, c Case, g *startGate, first bool) (env *harness.Environment, err error) {
	if first {
		defer func() {
			if err != nil && r.runCtx.Err() == nil {
				g.err, g.first = err, c.Record().Name
			}
			close(g.ready)
		}()
	}
	cfg := s.Config()
	cfg.Abort = r.ctx.Done()
	env, err = harness.Start(r.runCtx, cfg)
	if err != nil {
		if r.runCtx.Err() == nil {
			rec := c.Record()
			rec.State, rec.Failure = reports.Errored, fmt.Sprintf("environment for %s did not start, so none of its scenarios ran: %v", s.File, err)
			rec.Start = time.Now()
			r.finished(rec)
		}
		return nil, err
	}
	return env, nil
}

// runCase runs c in env and reports its verdict. When Run did not return
// within Grace of its context's end, it returns a channel closed when Run
// does: env is Run's until then.
func (r *run) runCase(c Case, env *harness.Environment) (running <-chan struct{}) {
	rec := c.Record()
	r.started(rec)
	ctx, cancel := context.WithTimeoutCause(r.runCtx, c.Bound, errDeadline)
	defer cancel()
	start := time.Now()
	// Run's error, and why its context ended when it had by Run's return.
	type outcome struct{ err, ended error }
	returned := make(chan outcome, 1)
	done := make(chan struct{}) // closed when Run returned
	go func(rec *reports.Scenario) {
		defer close(done)
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o.err = fmt.Errorf("gatecrash panicked: %v\n%s", p, debug.Stack())
			}
			if ctx.Err() != nil {
				o.ended = context.Cause(ctx)
			}
			returned <- o
		}()
		o.err = c.Run(ctx, env, rec)
	}(rec)
	var o outcome
	select {
	case o = <-returned:
	case <-ctx.Done():
		select {
		case o = <-returned:
		case <-time.After(r.opts.Grace):
			running = done
			// What Run recorded is still Run's: report a fresh record.
			rec = c.Record()
			o = outcome{ended: context.Cause(ctx)}
		}
	}
	err, ended := o.err, o.ended
	rec.Duration = time.Since(start)
	if rec.Start.IsZero() {
		rec.Start = start
	}
	var failure *Failure
	switch {
	case ended != nil && r.ctx.Err() != nil:
		rec.State, rec.Failure = reports.Interrupted, interruptedMsg
	case errors.Is(ended, errRunTimeout):
		rec.State, rec.Failure = reports.Errored, StoppedTimeout
	case errors.Is(ended, errDeadline):
		rec.State = reports.Failed
		rec.Failure = fmt.Sprintf("the scenario did not finish within its deadline (%s): the gateway kept gatecrash waiting", harness.Round(c.Bound))
	case err == nil:
		rec.State, rec.Failure = reports.Passed, ""
	case errors.As(err, &failure):
		rec.State, rec.Failure = reports.Failed, failure.Message
	default:
		rec.State, rec.Failure = reports.Errored, err.Error()
	}
	if running != nil {
		rec.Failure += fmt.Sprintf(" (and it did not return within %s after)", r.opts.Grace)
	}
	r.finished(rec)
	return running
}
