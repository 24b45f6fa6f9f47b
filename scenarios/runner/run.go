// Package runner runs suites: each scenario's steps (package steps) with
// its expectations, on the engine (package engine), with the console
// lines, the reports and the exit code of a run.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/engine"
	"github.com/gatecrash/gatecrash/scenarios/steps"
)

// Exit codes of a run.
const (
	ExitPassed      = 0   // every scenario that ran passed
	ExitFailed      = 1   // a scenario failed: a finding about the gateway
	ExitBadInput    = 2   // bad input, or the environment could not start
	ExitInterrupted = 130 // stopped by SIGINT or SIGTERM; reports were written
)

// Options are the settings of a run.
type Options struct {
	// JUnit is the path of the JUnit report ("" for none).
	JUnit string
	// JSON is the path of the JSON report, every observation of every
	// scenario ("" for none).
	JSON string
	// Markdown is the path of the Markdown summary ("" for none).
	Markdown string
	// StepSummary is a file the Markdown summary is appended to, whether
	// or not Markdown is set ("" for none): gatecrash passes
	// $GITHUB_STEP_SUMMARY. One that cannot be written is a warning.
	StepSummary string
	// Annotate prints a GitHub Actions error annotation for each scenario
	// that did not pass (gatecrash sets it when GITHUB_ACTIONS is true).
	Annotate bool
	// HTML is the path of the HTML report: a table of the scenarios and a
	// timeline of each ("" for none).
	HTML string
	// Workers is how many scenarios run at once (-p; default 1), each
	// worker with environments of its own, all in this process.
	Workers int
	// Verbose also prints every check of each scenario under its line,
	// expected against observed, and shows no RUN line.
	Verbose bool
	// Timeout bounds the whole run (default 1h); scenarios still running
	// when it passes are reported as stopped by it.
	Timeout time.Duration
	// SkipMissingGateways skips the suites whose gateway command is not
	// installed, with that reason, instead of failing the run (exit 2).
	SkipMissingGateways bool
	// Out receives the console lines.
	Out io.Writer
	// Color colours the verdicts and the summary: gatecrash sets it when
	// Out is a terminal and colour is not turned off (--no-color,
	// NO_COLOR, TERM=dumb).
	Color bool
	// Columns, set when Out is a terminal, gives its width as it is now (0
	// when it does not say): a RUN line then shows the scenario running.
	// Nil when Out is no terminal.
	Columns func() int
	// TempDir is where environments make their work dirs (default:
	// os.TempDir()).
	TempDir string
}

// Run runs the suites, in file order, on the engine (package engine): one
// environment per suite file and worker, started before the suite's first
// scenario that runs and torn down once its last verdict is recorded, so
// that a gateway slow to stop is no scenario's time. Scenarios
// Filter.Select left out, and those with skip:, are reported as skipped
// and start nothing. With opts.Workers above 1 the scenarios are dealt
// among that many workers, each with environments of its own.
//
// The cancellation of ctx is an interrupt (SIGINT or SIGTERM, which the
// caller turns into it): the running scenarios are reported as
// interrupted, the rest as not run, and a managed gateway's stop grace is
// cut short. Run prints a line per scenario, writes the reports whole even
// when the run is interrupted, and returns the exit code: 130 when ctx
// ended at any point of the run, the writing of the reports included.
//
// Run can be called any number of times in a process.
func Run(ctx context.Context, suites []*scenarios.Suite, opts Options) int {
	out := opts.Out
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Hour
	}
	workers := max(opts.Workers, 1)
	// A RUN line is for one scenario at a time, in sight.
	progress := reports.NewProgress(out, nil)
	if !opts.Verbose && workers == 1 {
		progress = reports.NewProgress(out, opts.Columns)
	}
	res := engine.Run(ctx, engineSuites(suites, opts), engine.Options{
		Workers: workers,
		Timeout: timeout,
		Started: progress.Start,
		Finished: func(rec *reports.Scenario) {
			progress.Clear()
			reports.Console(out, rec, opts.Color)
			if opts.Verbose {
				reports.ConsoleChecks(out, rec)
			}
		},
	})
	results := res.Scenarios
	var reportErr error
	if opts.JUnit != "" {
		reportErr = reports.WriteJUnit(opts.JUnit, results)
	}
	if opts.JSON != "" {
		reportErr = errors.Join(reportErr, reports.WriteJSON(opts.JSON, results))
	}
	reportErr = errors.Join(reportErr, ciReports(out, opts, results))
	reports.Summary(out, results, opts.Color)
	code := ExitCode(results)
	if reportErr != nil {
		// A report that could not be written is exit 2, unless the run
		// was interrupted.
		fmt.Fprintf(out, "gatecrash: %v\n", reportErr)
		code = worst([]int{code, ExitBadInput})
	}
	if ctx.Err() != nil {
		// Interrupted at any point, the writing of the reports included.
		code = ExitInterrupted
	}
	return code
}

// engineSuites is the suites as the engine runs them: a case per
// scenario, its steps in runScenario.
func engineSuites(suites []*scenarios.Suite, opts Options) []engine.Suite {
	var out []engine.Suite
	for _, s := range suites {
		es := engine.Suite{File: s.File, Config: func() harness.Config {
			c := s.Config()
			c.TempDir = opts.TempDir
			return c
		}}
		if missing := s.MissingGateway(); missing != "" && opts.SkipMissingGateways {
			es.Skip = fmt.Sprintf("gateway command %s is not installed (--skip-missing-gateways)", missing)
		}
		for ci := range s.Scenarios {
			sc := &s.Scenarios[ci]
			c := engine.Case{
				Record: func() *reports.Scenario { return newRecord(s, sc) },
				Bound:  sc.Bound(),
				Run: func(ctx context.Context, env *harness.Environment, rec *reports.Scenario) error {
					return runScenario(ctx, env, sc, rec)
				},
			}
			switch {
			case sc.Unselected:
				c.Skip = notSelected
			case sc.Skip != "":
				c.Skip = "skipped: " + sc.Skip
			}
			es.Cases = append(es.Cases, c)
		}
		out = append(out, es)
	}
	return out
}

// notSelected is why a scenario the filters left out did not run.
const notSelected = "not selected by --label-filter or --focus"

// ciReports writes what a CI job reads at the end of a run: the Markdown
// summary (--markdown), the HTML report (--html), the summary appended to
// opts.StepSummary when set (a failure to is a warning on out), and, with
// opts.Annotate, an error annotation on out for each failed scenario.
func ciReports(out io.Writer, opts Options, results []*reports.Scenario) error {
	var err error
	if opts.Markdown != "" {
		err = reports.WriteMarkdown(opts.Markdown, results)
	}
	if opts.HTML != "" {
		err = errors.Join(err, reports.WriteHTML(opts.HTML, results))
	}
	if opts.StepSummary != "" {
		// The CI's page, not a report asked for: a warning, not exit 2.
		if werr := reports.AppendMarkdown(opts.StepSummary, results); werr != nil {
			fmt.Fprintf(out, "gatecrash: warning: $GITHUB_STEP_SUMMARY: %v\n", werr)
		}
	}
	if opts.Annotate {
		reports.Annotations(out, results)
	}
	return err
}

func newRecord(s *scenarios.Suite, sc *scenarios.Scenario) *reports.Scenario {
	rec := &reports.Scenario{
		Order:    sc.Order,
		Suite:    s.Name,
		File:     s.File,
		Line:     sc.Pos.Line,
		Name:     sc.Name,
		Labels:   sc.Labels,
		Gateway:  s.GatewayName(),
		Fault:    sc.Fault.Name,
		Params:   sc.Fault.Fault,
		Finding:  sc.Finding,
		Expected: sc.Expect.String(),
		Request:  reports.NewRequest(sc.Request.Method, sc.Request.Path, sc.Request.Headers, sc.Request.Body),
		State:    reports.Skipped,
	}
	// What gatecrash sends and expects of a secret header is a secret
	// wherever it shows up again: a gateway's log, a failure.
	for name, v := range sc.Request.Headers {
		rec.Secret(name, v)
	}
	if h := sc.Expect.Headers; h != nil {
		for _, m := range []map[string]string{h.Equals, h.Matches} {
			for name, v := range m {
				rec.Secret(name, v)
			}
		}
	}
	s.OriginSecrets(rec)
	return rec
}

// runScenario is one scenario: its steps (a trial: steady state, inject,
// observe, clear, recovery) with its expectations judged while the fault
// is in effect, and recovery and the gateway's life after. Every
// expectation is checked, so a failure lists all that were not met. It
// returns nil when the scenario passed, an engine.Failure when the gateway
// did not meet an expectation (or its steady state), and another error
// when gatecrash could not run it (reset, inject, load, clear). When ctx
// ends it returns what it had; the engine gives the verdict.
func runScenario(ctx context.Context, env *harness.Environment, sc *scenarios.Scenario, rec *reports.Scenario) error {
	rec.Start = time.Now()
	_, logMark := env.Gateway.LogsSince(nil)
	defer func() { rec.GatewayLog, _ = env.Gateway.LogsSince(logMark) }()

	var failures []string
	checks := sc.Expect.Checks()
	t := &steps.Trial{
		Env:      env,
		Req:      sc.Request.Harness(),
		Options:  sc.Fault.Options,
		After:    sc.Request.After.D(),
		Recovers: sc.Expect.Recovers,
		Seen:     rec.SecretHeader,
	}
	if !sc.Fault.Control {
		t.Fault = sc.Fault.Fault
		if def, ok := faults.Lookup(sc.Fault.Name); ok {
			t.FollowUps = def.FollowUps
		}
	}
	if sc.Load != nil {
		l := sc.Load.Harness(sc.Request)
		t.Load = &l
	}
	t.During = func(ctx context.Context, res *steps.Result) {
		var met *harness.FaultMet
		if res.Load != nil {
			failures = append(failures, checks.Judge(scenarios.OnLoad, *res.Load, rec)...)
			met = res.Load.FaultMet
		} else {
			obs := *res.Observed
			failures = append(failures, sayTimeoutOnce(obs, checks.Judge(scenarios.OnRequest, obs, rec))...)
			met = obs.FaultMet
		}
		// A pass means the fault was met: unless the scenario pins a
		// masking (fault_met: false), a fault the request got around
		// fails it.
		if met != nil && ctx.Err() == nil {
			c, failure := sc.Expect.JudgeMet(met)
			rec.Checks = append(rec.Checks, c)
			if failure != "" {
				failures = append(failures, failure)
			}
		}
		if res.Observed != nil && ctx.Err() == nil {
			answers := append([]harness.Observation{*res.Observed}, res.FollowUps...)
			if c, failure, shown := sc.Expect.JudgeCrossWired(answers, len(res.FollowUps)); shown {
				rec.Checks = append(rec.Checks, c)
				if failure != "" {
					failures = append(failures, failure)
				}
			}
		}
		if len(sc.Expect.LogMatches) > 0 {
			failures = append(failures, checks.Judge(scenarios.OnLog, awaitLog(ctx, env, logMark, sc.Expect.LogMatches), rec)...)
		}
	}

	res, err := t.Run(ctx)
	rec.Steady, rec.Observed, rec.Load = res.Steady, res.Observed, res.Load
	for i := range res.FollowUps {
		rec.FollowUps = append(rec.FollowUps, &res.FollowUps[i])
	}
	rec.Method, rec.FaultStart, rec.FaultEnd = res.Method, res.FaultStart, res.FaultEnd
	var se *steps.Error
	switch {
	case errors.As(err, &se) && se.Step == steps.StepSteady:
		return engine.Fail(fmt.Sprintf("steady state: before injecting %s, expected a 2xx or 3xx answer, observed %s", sc.Fault.Name, *res.Steady))
	case errors.As(err, &se) && (se.Step == steps.StepInject || se.Step == steps.StepClear):
		return fmt.Errorf("%s %s: %w", se.Step, sc.Fault.Name, se.Err)
	case err != nil:
		return err
	}
	if r := res.Recovery; r != nil {
		rec.Recovery = r
		rec.Checks = append(rec.Checks, reports.Check{
			Name: "recovers", Expected: r.Expected, Observed: recoveryObserved(r), Passed: r.Recovered,
		})
		if !r.Recovered {
			failures = append(failures, fmt.Sprintf("expected recovery to %s, observed %s", r.Expected, recoveryObserved(r)))
		}
	}
	alive := env.GatewayAlive()
	if sc.Expect.GatewayAlive != nil {
		alive = staysAlive(ctx, env)
	}
	rec.GatewayAlive = &alive
	failures = append(failures, checks.Judge(scenarios.OnGateway, alive, rec)...)
	if len(failures) > 0 {
		return engine.Fail(strings.Join(failures, "\n"))
	}
	return nil
}

// sayTimeoutOnce rewrites the failed expectations on obs when gatecrash's
// own request timeout ended it: why, once, first; then each expectation
// against what had arrived ("expected status 504, observed no answer"),
// where the matchers' messages would repeat why.
func sayTimeoutOnce(obs harness.Observation, failures []string) []string {
	if !obs.TimedOut() || len(failures) == 0 {
		return failures
	}
	out := []string{obs.Error}
	for _, f := range failures {
		out = append(out, strings.ReplaceAll(f, obs.String(), obs.Brief()))
	}
	return out
}

// aliveGrace is how long a gateway must keep running for gateway_alive: a
// process that crashed on the fault takes a moment to be seen gone.
const aliveGrace = 300 * time.Millisecond

// staysAlive reports whether the gateway keeps running for aliveGrace.
func staysAlive(ctx context.Context, env *harness.Environment) bool {
	deadline := time.Now().Add(aliveGrace)
	for env.GatewayAlive() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return true
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	return false
}

// logWait is how long a log expectation waits for the gateway's log line:
// a gateway may write it just after its answer, a log file a moment later.
const logWait = time.Second

// awaitLog returns the gateway's log since mark once every pattern has a
// matching line, or after logWait.
func awaitLog(ctx context.Context, env *harness.Environment, mark harness.LogMark, patterns []string) string {
	deadline := time.Now().Add(logWait)
	for {
		window, _ := env.Gateway.LogsSince(mark)
		all := true
		for _, p := range patterns {
			// Validation compiled every pattern already.
			re, err := regexp.Compile(p)
			if err != nil {
				all = false
				continue
			}
			if ok, _ := match.HaveLogLine(re).Match(window); !ok {
				all = false
			}
		}
		if all || time.Now().After(deadline) || ctx.Err() != nil {
			return window
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

func recoveryObserved(r *reports.Recovery) string {
	if r.Recovered {
		return fmt.Sprintf("recovered after %s", harness.Round(r.After))
	}
	return fmt.Sprintf("not recovered after %s, last saw %s", harness.Round(r.After), r.Last)
}
