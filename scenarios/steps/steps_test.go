package scenarios

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// startProbeSuite starts the environment of ProbeSuite (the builtin
// gateway), closed at the end of the test.
func startProbeSuite(t *testing.T) *harness.Environment {
	t.Helper()
	s, err := Parse("probe.yaml", []byte(ProbeSuite))
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
		tr := &trial{env: env, req: req, fault: refused.New(), recovers: &Recovery{Status: StatusSet{{Code: 200}}, Within: Duration(2 * time.Second)}}
		res, err := tr.run(context.Background())
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
		tr := &trial{env: env, req: req, fault: refused.New(), during: func(context.Context, *trialResult) { cancel() }}
		_, err := tr.run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if o := env.Do(context.Background(), req); o.Status != 200 {
			t.Errorf("after the trial: %s; want the fault cleared, 200", o)
		}
	})

	t.Run("a step that does not go through is named", func(t *testing.T) {
		tr := &trial{env: env, req: harness.Request{Path: "/nowhere", Timeout: 5 * time.Second}, fault: refused.New()}
		res, err := tr.run(context.Background())
		var se *stepError
		if !errors.As(err, &se) || se.step != stepSteady || res.Steady == nil || res.Steady.Status != 404 {
			t.Errorf("err %v, steady %v; want the steady state's 404", err, res.Steady)
		}
	})
}

// TestTrialUntilMet: a fault on one origin instance of three, behind the
// builtin gateway's round robin, is met by one request in three; a trial
// with untilMet sends again until one meets it, every time.
func TestTrialUntilMet(t *testing.T) {
	data, err := os.ReadFile("examples/builtin-instances.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("builtin-instances.yaml", data)
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
		tr := &trial{env: env, req: req, fault: down.New(), options: faults.Options{}, untilMet: 6, settle: true}
		res, err := tr.run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Observed.FaultMet.Met() || res.Sent < 1 || res.Sent > 7 {
			t.Errorf("trial %d: %s after %d requests (%v); want met", i+1, res.Observed, res.Sent, res.Observed.FaultMet)
		}
	}
}
