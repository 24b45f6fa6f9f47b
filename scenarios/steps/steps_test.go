package steps_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/probe"
	"github.com/gatecrash/gatecrash/scenarios/steps"
)

// startProbeSuite starts the environment of probe.DefaultSuite (the builtin
// gateway), closed at the end of the test.
func startProbeSuite(t *testing.T) *harness.Environment {
	t.Helper()
	s, err := scenarios.Parse("probe.yaml", []byte(probe.DefaultSuite))
	if err != nil {
		t.Fatal(err)
	}
	env, err := harness.Start(context.Background(), s.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	return env
}

// TestTrialSteps: the steps run and probe share observe under the fault,
// clear it (even when ctx ends while it is in effect), and say which step
// did not go through.
func TestTrialSteps(t *testing.T) {
	env := startProbeSuite(t)
	req := harness.Request{Path: "/", Timeout: 5 * time.Second}
	refused, _ := faults.Lookup("refused")

	t.Run("observes under the fault, then recovers", func(t *testing.T) {
		tr := &steps.Trial{Env: env, Req: req, Fault: refused.New(), Recovers: &scenarios.Recovery{Status: scenarios.StatusSet{{Code: 200}}, Within: scenarios.Duration(2 * time.Second)}}
		res, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Steady == nil || res.Steady.Status != 200 || res.Observed == nil || res.Observed.Status != 502 {
			t.Errorf("steady %v, observed %v; want 200 then 502", res.Steady, res.Observed)
		}
		if res.FaultStart.IsZero() || res.FaultEnd.Before(res.FaultStart) || res.Recovery == nil || !res.Recovery.Recovered {
			t.Errorf("fault %s to %s, recovery %+v", res.FaultStart, res.FaultEnd, res.Recovery)
		}
	})

	t.Run("ctx ends while the fault is in effect: cleared all the same", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		tr := &steps.Trial{Env: env, Req: req, Fault: refused.New(), During: func(context.Context, *steps.Result) { cancel() }}
		_, err := tr.Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if o := env.Do(context.Background(), req); o.Status != 200 {
			t.Errorf("after the trial: %s; want the fault cleared, 200", o)
		}
	})

	t.Run("a step that does not go through is named", func(t *testing.T) {
		tr := &steps.Trial{Env: env, Req: harness.Request{Path: "/nowhere", Timeout: 5 * time.Second}, Fault: refused.New()}
		res, err := tr.Run(context.Background())
		var se *steps.Error
		if !errors.As(err, &se) || se.Step != steps.StepSteady || res.Steady == nil || res.Steady.Status != 404 {
			t.Errorf("err %v, steady %v; want the steady state's 404", err, res.Steady)
		}
	})
}

// TestTrialUntilMet: a fault on one origin instance of three, behind the
// builtin gateway's round robin, is met by one request in three; a trial
// with untilMet sends again until one meets it, every time.
func TestTrialUntilMet(t *testing.T) {
	data, err := os.ReadFile("../examples/builtin-instances.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Parse("builtin-instances.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	env, err := harness.Start(context.Background(), s.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	down, _ := faults.Lookup("one_origin_down")
	req := harness.Request{Path: "/", Timeout: 5 * time.Second}
	for i := range 3 {
		tr := &steps.Trial{Env: env, Req: req, Fault: down.New(), Options: faults.Options{}, UntilMet: 6, Settle: true}
		res, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Observed.FaultMet.Met() || res.Sent < 1 || res.Sent > 7 {
			t.Errorf("trial %d: %s after %d requests (%v); want met", i+1, res.Observed, res.Sent, res.Observed.FaultMet)
		}
	}
}
