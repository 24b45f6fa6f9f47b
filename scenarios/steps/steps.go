package scenarios

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// trial is the steps of a scenario, the one place where they are taken,
// for run (runScenario) and probe (probeOne) alike: reset, steady state,
// inject, wait, observe (a request, or a load), clear, recover. What the
// two differ in is a field: run judges expectations while the fault is in
// effect (during) and awaits recovery within its bound (recovers); probe
// polls for its steady state (pollSteady) and settles before its next
// fault (settle).
type trial struct {
	env *harness.Environment
	req harness.Request
	// fault is what is injected, with options; nil is a control (fault:
	// none): nothing is injected or cleared.
	fault   faults.Fault
	options faults.Options
	// after is how long after the injection the request (or load) starts.
	after time.Duration
	// load, when set, is observed instead of a single request.
	load *harness.Load
	// untilMet, for a single request, sends it again up to this many more
	// times while the fault is in effect when the evidence shows that it
	// got around the fault (harness.FaultNotMet): a fault on one origin
	// instance of several is met only by a request the gateway sends there.
	untilMet int
	// pollSteady polls for the steady state, up to recoveryWait, where
	// otherwise one request must answer 2xx or 3xx.
	pollSteady bool
	// during, when set, is called with what was observed while the fault
	// is still in effect (a log line a gateway writes about it, say).
	during func(ctx context.Context, t *trialResult)
	// recovers, when set, is awaited once the fault clears, within its
	// bound, polling every recoveryPoll.
	recovers *Recovery
	// settle resets the environment once the fault clears and waits, up
	// to recoveryWait, for a 2xx or 3xx answer: the next trial starts from
	// a gateway that has recovered.
	settle bool
	// seen, when set, is given the headers of each answer awaiting
	// recovery, whose secrets must not be shown.
	seen func(http.Header)
}

// trialResult is what the steps of a trial observed, as far as they got.
type trialResult struct {
	// Steady is the steady state's answer (the last one polled), nil
	// when the reset failed first.
	Steady *harness.Observation
	// Method is how the fault was made (faults.Injection.Method).
	Method string
	// FaultStart and FaultEnd are when the fault took effect and when it
	// was cleared (zero when it was not: ctx ended, or a step failed).
	FaultStart, FaultEnd time.Time
	// Observed is the answer under the fault, or Load the load's result.
	Observed *harness.Observation
	Load     *harness.LoadResult
	// Sent is how many requests were sent under the fault to observe one
	// that met it (untilMet): the first that met it is Observed, or the
	// last when none did.
	Sent int
	// Recovery is how the gateway recovered, when recovers was set.
	Recovery *reports.Recovery
}

// step names a step of a trial, as its errors start.
type step string

const (
	stepReset  step = "reset the environment"
	stepSteady step = "steady state"
	stepInject step = "inject"
	stepLoad   step = "load"
	stepClear  step = "clear"
)

// stepError is a step of a trial that did not go through. The steady
// state's error is errUnsteady, with the answer in trialResult.Steady.
type stepError struct {
	step step
	err  error
}

func (e *stepError) Error() string { return string(e.step) + ": " + e.err.Error() }

func (e *stepError) Unwrap() error { return e.err }

// errUnsteady is a gateway that did not answer 2xx or 3xx before the
// fault: its callers say so in their own words.
var errUnsteady = errors.New("expected a 2xx or 3xx answer before injecting")

// run takes the steps in order. It returns what was observed and nil, a
// *stepError for the step that did not go through, or ctx's error when
// ctx ended while the fault was in effect (after during was called): the
// fault is then cleared and recovery is not awaited. A fault injected is
// always cleared.
func (t *trial) run(ctx context.Context) (*trialResult, error) {
	res := &trialResult{}
	if err := t.env.Reset(); err != nil {
		return res, &stepError{stepReset, err}
	}
	var steady harness.Observation
	if t.pollSteady {
		steady = awaitHealthy(ctx, t.env, t.req)
	} else {
		steady = t.env.Do(ctx, t.req)
	}
	res.Steady = &steady
	if !healthy(steady) {
		return res, &stepError{stepSteady, errUnsteady}
	}

	inj := faults.Injection{Clear: func() error { return nil }}
	if t.fault != nil {
		var err error
		if inj, err = faults.Inject(ctx, t.env, t.fault, t.options); err != nil {
			return res, &stepError{stepInject, err}
		}
	}
	res.Method = inj.Method
	res.FaultStart = time.Now()
	cleared := false
	defer func() {
		if !cleared {
			_ = inj.Clear()
		}
	}()

	if t.after > 0 {
		select {
		case <-time.After(t.after):
		case <-ctx.Done():
		}
	}
	if t.load != nil {
		lr, err := t.env.Load(ctx, *t.load)
		if err != nil {
			return res, &stepError{stepLoad, err}
		}
		res.Load = &lr
	} else {
		for {
			obs := t.env.Do(ctx, t.req)
			res.Observed = &obs
			res.Sent++
			if res.Sent > t.untilMet || ctx.Err() != nil || obs.FaultMet == nil || obs.FaultMet.Verdict != harness.FaultNotMet {
				break
			}
		}
	}
	if t.during != nil {
		t.during(ctx, res)
	}
	if ctx.Err() != nil {
		return res, ctx.Err() // recovery cannot be judged
	}

	cleared = true
	err := inj.Clear()
	res.FaultEnd = time.Now()
	if err != nil {
		return res, &stepError{stepClear, err}
	}
	if t.recovers != nil {
		res.Recovery = awaitRecovery(ctx, t.env, t.req, t.recovers, t.seen)
	}
	if t.settle {
		_ = t.env.Reset()
		awaitHealthy(ctx, t.env, t.req)
	}
	return res, nil
}
