package harness

import (
	"strings"
	"testing"
)

// TestJudgeMet covers the verdicts the live specs cannot reach on every
// machine: connects nothing accepted, counted or not, and toxics that hit
// at random.
func TestJudgeMet(t *testing.T) {
	served := func(instance int, reused bool) Attempt {
		return Attempt{Endpoint: "http", Instance: instance, Connection: 1, RequestRead: true, Reused: reused, Answer: &Answer{Status: 200}}
	}
	for _, tc := range []struct {
		name     string
		in       metInput
		verdict  MetVerdict
		evidence string
	}{
		{"a faulted attempt", metInput{paths: faultPaths{behavior: []int{1}}, attempts: []Attempt{{Endpoint: "http", Instance: 1, Connection: 3, Faulted: true}}},
			FaultWasMet, "instance 1 (connection 3) got the fault"},
		{"a connect nothing accepted", metInput{paths: faultPaths{down: []int{1}}, synsCounted: true, attempts: []Attempt{{Endpoint: "unaccepted", Instance: 1, Faulted: true}}},
			FaultWasMet, "a connect to instance 1 was refused or dropped"},
		{"down, served elsewhere, connects counted", metInput{paths: faultPaths{down: []int{1}}, synsCounted: true, attempts: []Attempt{served(2, false)}},
			FaultNotMet, "the fault was never met: instance 2 served it normally, an instance the fault did not target"},
		{"down, served elsewhere, connects not counted", metInput{paths: faultPaths{down: []int{1}}, attempts: []Attempt{served(2, false)}},
			FaultUnobserved, "cannot be counted here"},
		{"down, nothing seen, connects not counted", metInput{paths: faultPaths{down: []int{1, 2}}},
			FaultUnobserved, "no attempt reached the origin"},
		{"down, nothing seen, connects counted", metInput{paths: faultPaths{down: []int{1, 2}}, synsCounted: true},
			FaultNotMet, "no connect to the origin was made"},
		{"a toxic at random", metInput{paths: faultPaths{uncertain: []int{1}}},
			FaultUnobserved, "at random"},
		{"a toxic at random, an attempt that looks served", metInput{paths: faultPaths{uncertain: []int{1}}, attempts: []Attempt{served(1, false)}},
			FaultUnobserved, "does not say which it hit"},
		{"a behaviour, no attempt", metInput{paths: faultPaths{behavior: []int{1}}},
			FaultNotMet, "no upstream attempt reached the origin"},
		{"a behaviour, attempts uncounted", metInput{paths: faultPaths{behavior: []int{1}}, uncounted: "several in flight"},
			FaultUnobserved, "several in flight"},
		{"DNS, cached address", metInput{paths: faultPaths{dns: true}, originName: "o.test", attempts: []Attempt{served(1, false)}},
			FaultNotMet, "no DNS query for o.test was made during the fault: the gateway used an address it had cached"},
		{"DNS, pooled connection", metInput{paths: faultPaths{dns: true}, originName: "o.test", attempts: []Attempt{served(1, true)}},
			FaultNotMet, "reused a connection opened before it"},
		{"DNS, queries not selected", metInput{paths: faultPaths{dns: true}, originName: "o.test", dnsQueries: 2, attempts: []Attempt{served(1, false)}},
			FaultNotMet, "the 2 DNS queries for o.test since the fault began were answered normally"},
		{"DNS, nothing at all", metInput{paths: faultPaths{dns: true}, originName: "o.test"},
			FaultNotMet, "the gateway answered from a cache or by itself"},
		{"DNS, a faulted query", metInput{paths: faultPaths{dns: true}, originName: "o.test", dnsQueries: 2, dnsFaulted: 1},
			FaultWasMet, "1 of 2 DNS queries for o.test since the fault began was answered with it"},
		{"met before the request", metInput{paths: faultPaths{down: []int{1}}, synsCounted: true, before: 2, attempts: []Attempt{served(2, false)}},
			FaultWasMet, "the gateway met it on its own before the request: 2 upstream attempts or connects"},
		{"nothing in effect", metInput{attempts: []Attempt{served(1, false)}},
			FaultNotMet, "nothing of it was in effect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := judgeMet(tc.in)
			if m.Verdict != tc.verdict || !strings.Contains(m.Evidence, tc.evidence) {
				t.Errorf("got %s; want %s with %q", m, tc.verdict, tc.evidence)
			}
		})
	}
}

func TestServedLinesCounted(t *testing.T) {
	m := judgeMet(metInput{paths: faultPaths{behavior: []int{1}}, attempts: []Attempt{
		{Endpoint: "http", Instance: 2, RequestRead: true, Answer: &Answer{Status: 200}},
		{Endpoint: "http", Instance: 2, RequestRead: true, Answer: &Answer{Status: 200}},
	}})
	if want := "instance 2 served it normally, an instance the fault did not target (2 attempts)"; !strings.HasSuffix(m.Evidence, want) {
		t.Errorf("evidence %q; want it to end %q", m.Evidence, want)
	}
}
