package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	gtypes "github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
	"github.com/gatecrash/gatecrash/reports"
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
	// Markdown is the path of the Markdown summary ("" for none). The
	// summary is also appended to $GITHUB_STEP_SUMMARY when it is set, and
	// failures are annotated when GITHUB_ACTIONS is true.
	Markdown string
	// HTML is the path of the HTML report: a table of the scenarios and a
	// timeline of each ("" for none).
	HTML string
	// Worker is set in a worker of -p: the parent writes the step summary
	// and the annotations for the whole run.
	Worker bool
	// LabelFilter selects scenarios by label, in Ginkgo's label syntax,
	// and Focus by name: a scenario's name, or "suite / name", matches one
	// of these regexps. Filter.Select applies them before Run;
	// RunParallel passes them on to its workers.
	LabelFilter string
	Focus       []string
	// Verbose also prints Ginkgo's own report.
	Verbose bool
	// Timeout bounds the whole run (default 1h); scenarios still running
	// when it passes are reported as stopped by it.
	Timeout time.Duration
	// SkipMissingGateways skips the suites whose gateway command is not
	// installed, with that reason, instead of failing the run (exit 2).
	SkipMissingGateways bool
	// Out receives the console lines.
	Out io.Writer
}

// recoveryPoll is how often recovery is checked after a fault clears.
const recoveryPoll = 50 * time.Millisecond

// Run runs the suites, in file order, as one in-process Ginkgo suite: one
// ordered container per suite file with its own environment, one spec per
// scenario. Scenarios Filter.Select left out are pending specs, which
// Ginkgo skips without starting their suite's environment. A suite's
// environment is torn down once its last scenario's verdict is recorded,
// so that a gateway slow to stop is no scenario's time. Run prints a line
// per scenario, writes the reports whole even when the run is interrupted
// (a signal during the writing included), and returns the exit code: 130
// when SIGINT or SIGTERM arrived at any point of the run.
//
// Ginkgo's suite is global to the process: Run can be called once.
func Run(suites []*Suite, opts Options) int {
	out := opts.Out
	if !opts.Verbose {
		// Ginkgo's own reporter would repeat what the console lines say.
		formatter.ColorableStdOut = io.Discard
	}
	var envFailed atomic.Bool
	records := map[string]*reports.Scenario{}
	var ordered []*reports.Scenario // every record, in file order
	envs := map[string]*suiteEnv{}  // by the key of its suite's last record

	// Signals are caught until the process exits, so that one arriving
	// while the reports are written or an environment is torn down cannot
	// cut them short: it makes the exit code 130. Ginkgo handles them too
	// (it stops the running scenario and skips the rest); the first also
	// cuts managed gateways' graceful stops short: nobody waits out a
	// stop grace.
	var signalled atomic.Bool
	abort := make(chan struct{})
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for range sigs {
			if !signalled.Swap(true) {
				close(abort)
			}
		}
	}()

	ginkgo.Describe("gatecrash", func() {
		for si, s := range suites {
			// Ginkgo orders containers made on the same line by their text:
			// the file's place first keeps the run in file order.
			container := fmt.Sprintf("%06d %s", si, s.Name)
			skipAll := ""
			if missing := s.MissingGateway(); missing != "" && opts.SkipMissingGateways {
				skipAll = fmt.Sprintf("gateway command %s is not installed (--skip-missing-gateways)", missing)
			}
			se := &suiteEnv{}
			if n := len(s.Scenarios); n > 0 {
				envs[container+"\x00"+s.Scenarios[n-1].Name] = se
			}
			ginkgo.Describe(container, ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
				var env *harness.Environment
				var envErr error
				ginkgo.BeforeAll(func(ctx ginkgo.SpecContext) {
					if skipAll != "" {
						return
					}
					cfg := s.Config()
					cfg.Abort = abort
					env, envErr = harness.Start(ctx, cfg)
					if envErr != nil {
						envFailed.Store(true)
						ginkgo.Fail(fmt.Sprintf("environment for %s did not start: %v", s.File, envErr))
					}
					se.set(env)
				})
				// No AfterAll: it would count against the last scenario's
				// deadline. The environment is closed once the suite's last
				// verdict is recorded (ReportAfterEach below).
				for ci := range s.Scenarios {
					sc := &s.Scenarios[ci]
					rec := newRecord(s, sc)
					records[container+"\x00"+sc.Name] = rec
					ordered = append(ordered, rec)
					args := []any{ginkgo.Label(sc.Labels...), ginkgo.SpecTimeout(sc.Bound())}
					if sc.Unselected {
						args = append(args, ginkgo.Pending)
					}
					ginkgo.It(sc.Name, append(args, func(ctx ginkgo.SpecContext) {
						if skipAll != "" {
							ginkgo.Skip(skipAll)
						}
						if sc.Skip != "" {
							ginkgo.Skip("skipped: " + sc.Skip)
						}
						runScenario(ctx, env, sc, rec)
					})...)
				}
			})
		}
	})

	// mu guards the verdicts, results and the console: after a second
	// interrupt Ginkgo stops waiting for a report node, which may then
	// still be running when the reports are written.
	var mu sync.Mutex
	var results []*reports.Scenario
	reported := map[*reports.Scenario]bool{}
	progress := reports.NewProgress(io.Discard)
	if !opts.Verbose && !opts.Worker {
		progress = reports.NewProgress(out)
	}
	ginkgo.ReportBeforeEach(func(r ginkgo.SpecReport) {
		if len(r.ContainerHierarchyTexts) < 2 || r.State.Is(gtypes.SpecStateSkipped|gtypes.SpecStatePending) {
			return
		}
		if rec := records[r.ContainerHierarchyTexts[1]+"\x00"+r.LeafNodeText]; rec != nil {
			mu.Lock()
			progress.Start(rec)
			mu.Unlock()
		}
	})

	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.Timeout = opts.Timeout
	if suiteConfig.Timeout <= 0 {
		suiteConfig.Timeout = time.Hour
	}
	deadline := time.Now().Add(suiteConfig.Timeout)

	// With a SpecContext, Ginkgo gives this node its grace period on an
	// interrupt instead of leaving it running in the background.
	ginkgo.ReportAfterEach(func(_ ginkgo.SpecContext, r ginkgo.SpecReport) {
		if len(r.ContainerHierarchyTexts) < 2 {
			return
		}
		key := r.ContainerHierarchyTexts[1] + "\x00" + r.LeafNodeText
		rec := records[key]
		if rec == nil {
			return
		}
		mu.Lock()
		if !reported[rec] {
			progress.Clear()
			finish(rec, r, !signalled.Load() && time.Now().After(deadline))
			rec.Redact()
			reported[rec] = true
			results = append(results, rec)
			reports.Console(out, rec)
		}
		mu.Unlock()
		// The suite's environment goes once its last verdict is in: a
		// gateway slow to stop is no scenario's time.
		if se := envs[key]; se != nil {
			se.close()
		}
	})

	reporterConfig.Verbose = opts.Verbose
	reporterConfig.NoColor = true
	gomega.RegisterFailHandler(ginkgo.Fail)
	t := &runT{}
	passed := ginkgo.RunSpecs(t, "gatecrash", suiteConfig, reporterConfig)

	// What an interrupt left standing goes now (closing waits for a close
	// in flight), so that no work dir is left behind.
	for _, se := range envs {
		se.close()
	}
	mu.Lock()
	defer mu.Unlock()
	for _, rec := range ordered {
		// Scenarios Ginkgo gave no verdict to (a third interrupt ends it
		// at once) are reported too.
		if !reported[rec] {
			rec.State, rec.Failure = reports.Skipped, "not run"
			if signalled.Load() {
				rec.State, rec.Failure = reports.Interrupted, notRunInterrupted
			}
			results = append(results, rec)
		}
	}
	slices.SortStableFunc(results, func(a, b *reports.Scenario) int { return cmp.Compare(a.Order, b.Order) })
	var reportErr error
	if opts.JUnit != "" {
		reportErr = reports.WriteJUnit(opts.JUnit, results)
	}
	if opts.JSON != "" {
		reportErr = errors.Join(reportErr, reports.WriteJSON(opts.JSON, results))
	}
	reportErr = errors.Join(reportErr, ciReports(out, opts, results))
	reports.Summary(out, results)
	code := ExitFailed
	switch {
	case signalled.Load() || anyState(results, reports.Interrupted):
		code = ExitInterrupted
	case envFailed.Load() || anyState(results, reports.Errored):
		code = ExitBadInput
	case passed && !t.failed:
		code = ExitPassed
	}
	if reportErr != nil {
		// A report that could not be written is exit 2, unless the run
		// was interrupted: the same ranking as -p's.
		fmt.Fprintf(out, "gatecrash: %v\n", reportErr)
		code = worst([]int{code, ExitBadInput})
	}
	return code
}

// ciReports writes what a CI job reads at the end of a run: the Markdown
// summary (--markdown), the HTML report (--html), the summary appended to $GITHUB_STEP_SUMMARY when
// set (a failure to is a warning on out), and, when GITHUB_ACTIONS is true,
// an error annotation on out for each failed scenario. A worker of -p
// leaves the last two to its parent.
func ciReports(out io.Writer, opts Options, results []*reports.Scenario) error {
	var err error
	if opts.Markdown != "" {
		err = reports.WriteMarkdown(opts.Markdown, results)
	}
	if opts.HTML != "" {
		err = errors.Join(err, reports.WriteHTML(opts.HTML, results))
	}
	if opts.Worker {
		return err
	}
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		// The CI's page, not a report asked for: a warning, not exit 2.
		if werr := reports.AppendMarkdown(path, results); werr != nil {
			fmt.Fprintf(out, "gatecrash: warning: $GITHUB_STEP_SUMMARY: %v\n", werr)
		}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		reports.Annotations(out, results)
	}
	return err
}

func anyState(results []*reports.Scenario, state reports.State) bool {
	for _, r := range results {
		if r.State == state {
			return true
		}
	}
	return false
}

// runT is the testing.T Ginkgo reports the overall verdict to.
type runT struct{ failed bool }

func (t *runT) Fail() { t.failed = true }

func newRecord(s *Suite, sc *Scenario) *reports.Scenario {
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
	s.originSecrets(rec)
	return rec
}

// originSecrets tells rec the values of the secret headers the suite's
// origin sends (a route's Set-Cookie): a gateway that garbles one makes
// it part of an error's text, where no header map holds it.
func (s *Suite) originSecrets(rec *reports.Scenario) {
	for _, r := range s.Origin.Routes {
		for name, v := range r.Headers {
			rec.Secret(name, v)
		}
	}
}

// redactObservation returns o with the values of secret headers, its own
// and the suite's origin's, replaced in its headers and its error's text,
// for what the probe prints. Its body is left as received: it is judged,
// not printed.
func (s *Suite) redactObservation(o harness.Observation) harness.Observation {
	rec := &reports.Scenario{Failure: o.Error, Observed: &harness.Observation{Header: o.Header}}
	s.originSecrets(rec)
	rec.Redact()
	o.Error, o.Header = rec.Failure, rec.Observed.Header
	return o
}

// notRunInterrupted is why a scenario after an interrupt did not run.
const notRunInterrupted = "not run: the run was interrupted"

// finish copies Ginkgo's verdict into the record. Ginkgo skips a scenario
// without a reason only after an interrupt or once the run's --timeout has
// passed (timedOut).
func finish(rec *reports.Scenario, r ginkgo.SpecReport, timedOut bool) {
	rec.Duration = r.RunTime
	if rec.Start.IsZero() {
		rec.Start = r.StartTime
	}
	switch {
	case r.State.Is(gtypes.SpecStatePassed):
		rec.State = reports.Passed
	case r.State.Is(gtypes.SpecStatePending): // left out by Filter.Select
		rec.State = reports.Skipped
		rec.Failure = "not selected by --label-filter or --focus"
	case r.State.Is(gtypes.SpecStateSkipped):
		rec.State = reports.Skipped
		rec.Failure = r.Failure.Message
		switch {
		case rec.Failure != "":
		case timedOut:
			rec.Failure = "not run: the run's --timeout was reached"
		default:
			rec.State = reports.Interrupted
			rec.Failure = notRunInterrupted
		}
	case r.State.Is(gtypes.SpecStateTimedout) && strings.Contains(r.Failure.Message, "suite timeout"):
		rec.State = reports.Errored
		rec.Failure = "stopped: the run's --timeout was reached"
	case r.State.Is(gtypes.SpecStateTimedout):
		rec.State = reports.Failed
		rec.Failure = fmt.Sprintf("the scenario did not finish within its deadline (%s): the gateway kept gatecrash waiting", harness.Round(r.RunTime))
	case r.State.Is(gtypes.SpecStateInterrupted | gtypes.SpecStateAborted):
		rec.State = reports.Interrupted
		rec.Failure = "interrupted: " + r.Failure.Message
	case r.Failure.FailureNodeType == gtypes.NodeTypeBeforeAll || rec.State == reports.Errored || r.State.Is(gtypes.SpecStatePanicked):
		rec.State = reports.Errored
		rec.Failure = r.Failure.Message
	default:
		rec.State = reports.Failed
		rec.Failure = r.Failure.Message
	}
}

// suiteEnv is a suite file's environment, closed once: after its last
// scenario's verdict, or after the run.
type suiteEnv struct {
	mu     sync.Mutex
	env    *harness.Environment
	closed bool
}

// set records the environment BeforeAll started; one started after the
// run already closed the suite's (an interrupt) is closed at once.
func (s *suiteEnv) set(env *harness.Environment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed && env != nil {
		_ = env.Close()
		return
	}
	s.env = env
}

// close closes the environment, if one started; a second call waits for
// the first to finish.
func (s *suiteEnv) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.env != nil {
		_ = s.env.Close()
	}
	s.closed = true
}

// runScenario is one scenario: steady state, inject, observe, assert,
// clear, recovery. Every expectation is checked, so a failure lists all
// that were not met.
func runScenario(ctx context.Context, env *harness.Environment, sc *Scenario, rec *reports.Scenario) {
	rec.Start = time.Now()
	_, logMark := env.Gateway.LogsSince(nil)
	defer func() { rec.GatewayLog, _ = env.Gateway.LogsSince(logMark) }()
	harnessError := func(format string, args ...any) {
		rec.State = reports.Errored
		ginkgo.Fail(fmt.Sprintf(format, args...))
	}
	if err := env.Reset(); err != nil {
		harnessError("reset the environment: %v", err)
	}
	req := sc.Request.Harness()

	steady := env.Do(ctx, req)
	rec.Steady = &steady
	if steady.Status < 200 || steady.Status > 399 {
		ginkgo.Fail(fmt.Sprintf("steady state: before injecting %s, expected a 2xx or 3xx answer, observed %s", sc.Fault.Name, steady))
	}

	inj := faults.Injection{Clear: func() error { return nil }}
	var err error
	if !sc.Fault.Control {
		if inj, err = faults.Inject(ctx, env, sc.Fault.Fault, sc.Fault.Options); err != nil {
			harnessError("inject %s: %v", sc.Fault.Name, err)
		}
	}
	rec.Method = inj.Method
	rec.FaultStart = time.Now()
	cleared := false
	defer func() {
		if !cleared {
			_ = inj.Clear()
		}
	}()

	if wait := sc.Request.After.D(); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	var failures []string
	checks := sc.Expect.checks()
	var met *harness.FaultMet
	if sc.Load != nil {
		res, err := env.Load(ctx, sc.Load.Harness(sc.Request))
		if err != nil {
			harnessError("load: %v", err)
		}
		rec.Load = &res
		failures = append(failures, judge(checks, onLoad, res, rec)...)
		met = res.FaultMet
	} else {
		obs := env.Do(ctx, req)
		rec.Observed = &obs
		failures = append(failures, sayTimeoutOnce(obs, judge(checks, onRequest, obs, rec))...)
		met = obs.FaultMet
	}
	// A pass means the fault was met: unless the scenario pins a masking
	// (fault_met: false), a fault the request got around fails it.
	if met != nil && ctx.Err() == nil {
		c, failure := sc.Expect.judgeMet(met)
		rec.Checks = append(rec.Checks, c)
		if failure != "" {
			failures = append(failures, failure)
		}
	}
	if len(sc.Expect.LogMatches) > 0 {
		failures = append(failures, judge(checks, onLog, awaitLog(ctx, env, logMark, sc.Expect.LogMatches), rec)...)
	}

	if ctx.Err() != nil {
		return // interrupted: Ginkgo records it; recovery cannot be judged
	}
	cleared = true
	err = inj.Clear()
	rec.FaultEnd = time.Now()
	if err != nil {
		harnessError("clear %s: %v", sc.Fault.Name, err)
	}
	if r := sc.Expect.Recovers; r != nil {
		rec.Recovery = awaitRecovery(ctx, env, req, r, rec)
		rec.Checks = append(rec.Checks, reports.Check{
			Name: "recovers", Expected: rec.Recovery.Expected, Observed: recoveryObserved(rec.Recovery), Passed: rec.Recovery.Recovered,
		})
		if !rec.Recovery.Recovered {
			failures = append(failures, fmt.Sprintf("expected recovery to %s, observed %s", rec.Recovery.Expected, recoveryObserved(rec.Recovery)))
		}
	}
	alive := env.GatewayAlive()
	if sc.Expect.GatewayAlive != nil {
		alive = staysAlive(ctx, env)
	}
	rec.GatewayAlive = &alive
	failures = append(failures, judge(checks, onGateway, alive, rec)...)
	if len(failures) > 0 {
		// Redacted here too for Ginkgo's own report (--verbose).
		ginkgo.Fail(rec.Text(strings.Join(failures, "\n")))
	}
}

// judge checks actual against the checks on subject on, records each in
// rec, and returns the failure messages of those not met.
func judge(checks []check, on subject, actual any, rec *reports.Scenario) []string {
	var failures []string
	g := gomega.NewGomega(func(message string, _ ...int) { failures = append(failures, message) })
	for _, c := range checks {
		if c.on == on {
			ok := g.Expect(actual).To(c.matcher)
			rec.Checks = append(rec.Checks, reports.Check{Name: c.name, Expected: c.expected, Observed: c.observed(actual), Passed: ok})
		}
	}
	return failures
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

// awaitRecovery polls the gateway until it answers the recovery status, for
// at most the recovery bound: each request may only use the time left, and
// an answer that completes after the bound does not count. The secret
// headers of every answer are added to rec's secrets.
func awaitRecovery(ctx context.Context, env *harness.Environment, req harness.Request, r *Recovery, rec *reports.Scenario) *reports.Recovery {
	// The verdict is judged below, bound included; Eventually's own
	// message would only repeat the last observation.
	g := gomega.NewGomega(func(string, ...int) {})
	start := time.Now()
	within := r.Within.D()
	deadline := start.Add(within)
	var last harness.Observation
	want := match.HaveStatusMatching(r.Status.String(), r.Status.Matches)
	polls := 0
	ok := g.Eventually(ctx, func() harness.Observation {
		req.Timeout = max(time.Until(deadline), time.Millisecond)
		last = env.Do(ctx, req)
		rec.SecretHeader(last.Header)
		polls++
		return last
	}).WithTimeout(within).WithPolling(recoveryPoll).Should(want)
	after := time.Since(start)
	if ok {
		after = last.Start.Add(last.Total).Sub(start)
		ok = after <= within
	}
	return &reports.Recovery{
		Expected:  fmt.Sprintf("status %s within %s", r.Status, r.Within),
		Recovered: ok,
		After:     after,
		Polls:     polls,
		Last:      last.String(),
	}
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
			if ok, _ := match.HaveLogLine(mustCompile(p)).Match(window); !ok {
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
