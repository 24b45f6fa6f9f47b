package harness_test

import (
	"context"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

// The proxy path is measured side by side with its baseline, the origin
// reached directly; `make bench` prints the ratio.

func benchRequests(b *testing.B, url func(*harness.Environment) string) {
	ctx := context.Background()
	env, err := harness.Start(ctx, harness.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	target := url(env)
	b.ResetTimer()
	for b.Loop() {
		if obs := harness.Do(ctx, target, harness.Request{}); obs.Status != 200 {
			b.Fatalf("unexpected answer: %s", obs)
		}
	}
}

// BenchmarkOriginDirect is the baseline: a request straight to the origin.
func BenchmarkOriginDirect(b *testing.B) {
	benchRequests(b, func(e *harness.Environment) string { return "http://" + e.Origin.Addr() })
}

// BenchmarkOriginThroughProxy is the same request through the toxic proxy
// with no toxic.
func BenchmarkOriginThroughProxy(b *testing.B) {
	benchRequests(b, func(e *harness.Environment) string { return "http://" + e.Proxy.Addr() })
}

// BenchmarkEnvironmentUpDown is one environment brought up and torn down
// (origin, DNS, proxy, builtin gateway).
func BenchmarkEnvironmentUpDown(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		env, err := harness.Start(ctx, harness.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if err := env.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
