// Package steps is the steps of a scenario, the one place where they are
// taken, for a run (package runner) and a probe (package probe) alike:
// reset, steady state, inject, wait, observe (a request, or a load),
// clear, recover.
package steps

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
)

// Trial is the steps of a scenario, the one place where they are taken,
// for a run (package runner) and a probe (package probe) alike: reset, steady state,
// inject, wait, observe (a request, or a load), clear, recover. What the
// two differ in is a field: run judges expectations while the fault is in
// effect (during) and awaits recovery within its bound (recovers); probe
// polls for its steady state (pollSteady) and settles before its next
// fault (settle).
type Trial struct {
	Env *harness.Environment
	Req harness.Request
	// fault is what is injected, with options; nil is a control (fault:
	// none): nothing is injected or cleared.
	Fault   faults.Fault
	Options faults.Options
	// after is how long after the injection the request (or load) starts.
	After time.Duration
	// load, when set, is observed instead of a single request.
	Load *harness.Load
	// untilMet, for a single request, sends it again up to this many more
	// times while the fault is in effect when the evidence shows that it
	// got around the fault (harness.FaultNotMet): a fault on one origin
	// instance of several is met only by a request the gateway sends there.
	UntilMet int
	// FollowUps, for a single request, is how many more requests are sent
	// after it, one after the other, while the fault is still in effect:
	// a fault that poisons a connection the gateway keeps alive
	// (faults.Definition.FollowUps) shows in the answer to the next
	// request sent on it, which the canary judges (harness.CrossWire).
	FollowUps int
	// pollSteady polls for the steady state, up to RecoveryWait, where
	// otherwise one request must answer 2xx or 3xx.
	PollSteady bool
	// during, when set, is called with what was observed while the fault
	// is still in effect (a log line a gateway writes about it, say).
	During func(ctx context.Context, t *Result)
	// recovers, when set, is awaited once the fault clears, within its
	// bound, polling every RecoveryPoll.
	Recovers *scenarios.Recovery
	// settle resets the environment once the fault clears and waits, up
	// to RecoveryWait, for a 2xx or 3xx answer: the next trial starts from
	// a gateway that has recovered.
	Settle bool
	// seen, when set, is given the headers of each answer awaiting
	// recovery, whose secrets must not be shown.
	Seen func(http.Header)
}

// Result is what the steps of a trial observed, as far as they got.
type Result struct {
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
	// FollowUps are the answers to the follow-up requests, in order.
	FollowUps []harness.Observation
	// Recovery is how the gateway recovered, when recovers was set.
	Recovery *reports.Recovery
}

// Step names a step of a trial, as its errors start.
type Step string

const (
	StepReset  Step = "reset the environment"
	StepSteady Step = "steady state"
	StepInject Step = "inject"
	StepLoad   Step = "load"
	StepClear  Step = "clear"
)

// Error is a step of a trial that did not go through. The steady
// state's error is ErrUnsteady, with the answer in Result.Steady.
type Error struct {
	Step Step
	Err  error
}

func (e *Error) Error() string { return string(e.Step) + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// ErrUnsteady is a gateway that did not answer 2xx or 3xx before the
// fault: its callers say so in their own words.
var ErrUnsteady = errors.New("expected a 2xx or 3xx answer before injecting")

// run takes the steps in order. It returns what was observed and nil, a
// *stepError for the step that did not go through, or ctx's error when
// ctx ended while the fault was in effect (after during was called): the
// fault is then cleared and recovery is not awaited. A fault injected is
// always cleared.
func (t *Trial) Run(ctx context.Context) (*Result, error) {
	res := &Result{}
	if err := t.Env.Reset(); err != nil {
		return res, &Error{StepReset, err}
	}
	var steady harness.Observation
	if t.PollSteady {
		steady = AwaitHealthy(ctx, t.Env, t.Req)
	} else {
		steady = t.Env.Do(ctx, t.Req)
	}
	res.Steady = &steady
	if !Healthy(steady) {
		return res, &Error{StepSteady, ErrUnsteady}
	}

	inj := faults.Injection{Clear: func() error { return nil }}
	if t.Fault != nil {
		var err error
		if inj, err = faults.Inject(ctx, t.Env, t.Fault, t.Options); err != nil {
			return res, &Error{StepInject, err}
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

	if t.After > 0 {
		select {
		case <-time.After(t.After):
		case <-ctx.Done():
		}
	}
	if t.Load != nil {
		lr, err := t.Env.Load(ctx, *t.Load)
		if err != nil {
			return res, &Error{StepLoad, err}
		}
		res.Load = &lr
	} else {
		for {
			obs := t.Env.Do(ctx, t.Req)
			res.Observed = &obs
			res.Sent++
			if res.Sent > t.UntilMet || ctx.Err() != nil || obs.FaultMet == nil || obs.FaultMet.Verdict != harness.FaultNotMet {
				break
			}
		}
		for range t.FollowUps {
			if ctx.Err() != nil {
				break
			}
			res.FollowUps = append(res.FollowUps, t.Env.Do(ctx, t.Req))
		}
	}
	if t.During != nil {
		t.During(ctx, res)
	}
	if ctx.Err() != nil {
		return res, ctx.Err() // recovery cannot be judged
	}

	cleared = true
	err := inj.Clear()
	res.FaultEnd = time.Now()
	if err != nil {
		return res, &Error{StepClear, err}
	}
	if t.Recovers != nil {
		res.Recovery = AwaitRecovery(ctx, t.Env, t.Req, t.Recovers, t.Seen)
	}
	if t.Settle {
		_ = t.Env.Reset()
		AwaitHealthy(ctx, t.Env, t.Req)
	}
	return res, nil
}

// RecoveryPoll is how often recovery is checked after a fault clears.
const RecoveryPoll = 50 * time.Millisecond

// RecoveryWait is how long AwaitHealthy waits for the gateway to answer
// 2xx or 3xx after a fault clears, before it gives up on it.
const RecoveryWait = 10 * time.Second

// Healthy is an answer a steady state accepts: 2xx or 3xx.
// A stream is healthy when it streamed: a WebSocket upgraded that echoed
// every message, or events that arrived.
func Healthy(o harness.Observation) bool {
	if o.Stream != nil {
		return o.Stream.Healthy()
	}
	return o.Status >= 200 && o.Status <= 399
}

// AwaitHealthy sends req until the gateway answers 2xx or 3xx, up to
// RecoveryWait, and returns the last answer.
func AwaitHealthy(ctx context.Context, env *harness.Environment, req harness.Request) harness.Observation {
	deadline := time.Now().Add(RecoveryWait)
	for {
		o := env.Do(ctx, req)
		if Healthy(o) || time.Now().After(deadline) || ctx.Err() != nil {
			return o
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// AwaitRecovery polls req every RecoveryPoll until the answer matches r's
// status, within r's bound, and says how it went. seen, when set, is
// given the headers of each answer.
func AwaitRecovery(ctx context.Context, env *harness.Environment, req harness.Request, r *scenarios.Recovery, seen func(http.Header)) *reports.Recovery {
	// The verdict is judged below, bound included; Eventually's own
	// message would only repeat the last observation.
	g := gomega.NewGomega(func(string, ...int) {})
	start := time.Now()
	within := r.Within.D()
	deadline := start.Add(within)
	var last harness.Observation
	want := match.HaveStatusMatching(r.Status.String(), r.Status.Matches)
	if len(r.GRPCStatus) > 0 {
		want = gomega.And(want, match.HaveGRPCStatusMatching(r.GRPCStatus.String(), r.GRPCStatus.Matches))
	}
	polls := 0
	ok := g.Eventually(ctx, func() harness.Observation {
		req.Timeout = max(time.Until(deadline), time.Millisecond)
		last = env.Do(ctx, req)
		if seen != nil {
			seen(last.Header)
		}
		polls++
		return last
	}).WithTimeout(within).WithPolling(RecoveryPoll).Should(want)
	after := time.Since(start)
	if ok {
		after = last.Start.Add(last.Total).Sub(start)
		ok = after <= within
	}
	return &reports.Recovery{
		Expected:  r.String(),
		Recovered: ok,
		After:     after,
		Polls:     polls,
		Last:      lastString(last),
	}
}

// lastString describes the last observation of a recovery: with its gRPC
// status for a gRPC call.
func lastString(o harness.Observation) string {
	if o.GRPC != nil {
		return match.DescribeGRPC(o)
	}
	return o.String()
}
