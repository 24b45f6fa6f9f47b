package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

func TestVaried(t *testing.T) {
	ok := harness.Observation{Status: 200, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyIntact}}
	slow := ok
	slow.Total = 250e6 // the time alone is no variation
	noAnswer := harness.Observation{ErrorKind: harness.ErrEmptyReply, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyNoAnswer}}
	reset := noAnswer
	reset.ErrorKind = harness.ErrReset // pinned alike: no valid HTTP
	cut := harness.Observation{Status: 200, ErrorKind: harness.ErrTruncated, Attempts: 1, Integrity: &harness.Integrity{Verdict: harness.BodyTruncated}}
	altered := cut
	altered.Integrity = &harness.Integrity{Verdict: harness.BodyAltered} // pinned alike: body_intact false
	wrapped := ok
	wrapped.Integrity = &harness.Integrity{Verdict: harness.BodyReframed} // the origin's bytes under the gateway's head
	replaced := ok
	replaced.Integrity = &harness.Integrity{Verdict: harness.BodyReplaced} // the gateway's own: not judged
	retried := ok
	retried.Attempts = 2
	uncounted := ok
	uncounted.Uncounted = "nothing accepts those connects"
	for _, c := range []struct {
		name    string
		samples []harness.Observation
		want    []string
	}{
		{"one sample", []harness.Observation{noAnswer}, nil},
		{"all alike", []harness.Observation{ok, slow, ok}, nil},
		{"what a baseline cannot tell apart", []harness.Observation{noAnswer, reset, noAnswer}, nil},
		{"cut or changed", []harness.Observation{cut, altered}, nil},
		{"status and body", []harness.Observation{noAnswer, ok, noAnswer}, []string{
			"no status, not valid HTTP, 1 attempt ×2",
			"status 200, valid HTTP, body intact, 1 attempt ×1",
		}},
		{"reframed or not", []harness.Observation{ok, wrapped, replaced}, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body cut or changed, 1 attempt ×1",
			"status 200, valid HTTP, 1 attempt ×1",
		}},
		{"cut or not", []harness.Observation{ok, cut}, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, not valid HTTP, body cut or changed, 1 attempt ×1",
		}},
		{"attempts", []harness.Observation{ok, retried, retried}, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body intact, 2 attempts ×2",
		}},
		{"counted or not", []harness.Observation{ok, uncounted}, []string{
			"status 200, valid HTTP, body intact, 1 attempt ×1",
			"status 200, valid HTTP, body intact ×1",
		}},
	} {
		if got := varied(c.samples); !slices.Equal(got, c.want) {
			t.Errorf("%s: varied = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestRedactObservation: what the probe prints of an answer carries no
// secret header's value, the origin's (garbled into an error by a
// gateway) nor the answer's own, and its body is left to be judged.
func TestRedactObservation(t *testing.T) {
	s := &Suite{Origin: OriginSpec{Routes: []harness.Route{{Path: "/", Status: 200, Headers: map[string]string{"Set-Cookie": "session=SECRET1; Path=/", "X-Team": "blue"}}}}}
	o := harness.Observation{
		ErrorKind: harness.ErrInvalidHTTP,
		Error:     `malformed MIME header line: Set-Cookie session=SECRET1; Path=/`,
		Header:    http.Header{"Authorization": {"Bearer SECRET2"}, "X-Team": {"blue"}},
		Body:      []byte("session=SECRET1"),
	}
	got := s.redactObservation(o)
	text := got.String() + fmt.Sprint(got.Header)
	for _, secret := range []string{"SECRET1", "SECRET2"} {
		if strings.Contains(text, secret) {
			t.Errorf("%s in %q", secret, text)
		}
	}
	if !strings.Contains(got.Error, "malformed MIME header line: Set-Cookie [redacted]") || got.Header.Get("X-Team") != "blue" {
		t.Errorf("redacted too much: %q, %v", got.Error, got.Header)
	}
	if string(got.Body) != "session=SECRET1" || o.Header.Get("Authorization") != "Bearer SECRET2" {
		t.Errorf("the body (%q) or the observation itself (%v) changed", got.Body, o.Header)
	}
}
