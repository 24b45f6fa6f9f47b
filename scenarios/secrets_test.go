package scenarios

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

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
	got := s.Redact(o)
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
