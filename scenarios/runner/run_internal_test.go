package runner

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
)

func TestSayTimeoutOnce(t *testing.T) {
	const gaveUp = "gatecrash gave up after its request timeout of 1s; the gateway had sent "
	nothing := harness.Observation{ErrorKind: harness.ErrTimeout, Error: gaveUp + "nothing", Total: time.Second, Timeout: time.Second, Attempts: 2}
	unfinished := harness.Observation{Status: 200, Body: []byte("hello"), BodyBytes: 5, ErrorKind: harness.ErrTimeout,
		Error: gaveUp + "the status line (200) and headers, and 5 body bytes", Total: time.Second, Timeout: time.Second, Attempts: 1}
	answered := harness.Observation{Status: 502, Total: 3 * time.Millisecond, Attempts: 1}
	for _, c := range []struct {
		name   string
		expect string
		obs    harness.Observation
		want   []string
	}{
		{"no answer: why once, then each expectation", "{status: 504, between: [1.9s, 2.5s], attempts: 1}", nothing, []string{
			gaveUp + "nothing",
			"expected status 504, observed no answer",
			"expected an answer between 1.9s and 2.5s, observed no answer",
			"expected 1 attempt at the origin, observed 2 attempts at the origin (0 requests read, 0 new connections); no answer",
		}},
		{"an unfinished body", "{status: 504, body: {contains: bye}, headers: {present: [Retry-After]}}", unfinished, []string{
			gaveUp + "the status line (200) and headers, and 5 body bytes",
			"expected status 504, observed status 200, body unfinished",
			"expected a Retry-After header, observed no Retry-After header; status 200, body unfinished",
			`expected a body containing "bye", observed body "hello"; status 200, body unfinished`,
		}},
		{"every expectation met: nothing to say", "{valid_http: false, at_least: 1s}", nothing, nil},
		{"an answer: as the matchers say it", "{status: 504, within: 1ms}", answered, []string{
			"expected status 504, observed status 502 in 3ms",
			"expected an answer within 1ms, observed status 502 in 3ms",
		}},
	} {
		s, err := scenarios.Parse("t.yaml", []byte("scenarios:\n  - {name: a, fault: hang, expect: "+c.expect+"}\n"))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := sayTimeoutOnce(c.obs, s.Scenarios[0].Expect.Checks().Judge(scenarios.OnRequest, c.obs, &reports.Scenario{}))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestRecordKnowsOriginSecrets: a secret header the origin sends is
// redacted from a run's record wherever it shows up, a load's error
// counts included, though no header map holds it there.
func TestRecordKnowsOriginSecrets(t *testing.T) {
	s := &scenarios.Suite{Name: "t", Origin: scenarios.OriginSpec{Routes: []harness.Route{{Path: "/", Headers: map[string]string{"Set-Cookie": "session=SECRET1; Path=/"}}}}}
	rec := newRecord(s, &scenarios.Scenario{Name: "a"})
	rec.Failure = "invalid_http: malformed MIME header line: Set-Cookie session=SECRET1"
	rec.Load = &harness.LoadResult{Errors: map[string]int{
		"malformed MIME header line: Set-Cookie session=SECRET1":  3,
		"malformed MIME header line: Set-Cookie: session=SECRET1": 2,
		"malformed MIME header line: Set-Cookie [redacted]":       1,
	}}
	rec.Redact()
	if strings.Contains(rec.Failure, "SECRET1") || strings.Contains(fmt.Sprint(rec.Load.Errors), "SECRET1") {
		t.Errorf("the origin's cookie is in the record: %q, %v", rec.Failure, rec.Load.Errors)
	}
	// Errors that differed only in the secret are counted together.
	if got := rec.Load.Errors["malformed MIME header line: Set-Cookie [redacted]"]; got != 4 {
		t.Errorf("errors counted %v", rec.Load.Errors)
	}
}

// TestRecordCarriesTheFinding: what a scenario pins as a finding reaches
// its record, which every report reads.
func TestRecordCarriesTheFinding(t *testing.T) {
	rec := newRecord(&scenarios.Suite{Name: "t"}, &scenarios.Scenario{Name: "a", Finding: "relays garbage as HTTP/0.9"})
	if rec.Finding != "relays garbage as HTTP/0.9" {
		t.Errorf("record's finding %q", rec.Finding)
	}
}
