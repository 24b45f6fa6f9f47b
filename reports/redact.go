package reports

import (
	"github.com/gatecrash/gatecrash/harness"
	"net/http"
	"strings"
)

// Secret headers never reach a report: their values are replaced.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Redacted is what a secret header's value becomes in reports.
const Redacted = "[redacted]"

// redactHeader returns h with the values of secret headers replaced; h
// itself is not changed.
func redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for _, name := range secretHeaders {
		if vs, ok := out[name]; ok {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	return out
}

// redactMap is redactHeader for a suite's header map.
func redactMap(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
		for _, name := range secretHeaders {
			if strings.EqualFold(k, name) {
				out[k] = Redacted
			}
		}
	}
	return out
}

// Request is the request a scenario sent, as reports show it.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	// BodyBytes is the request body's size; the body itself is not kept.
	BodyBytes int `json:"body_bytes,omitempty"`
}

// NewRequest describes a request for reports, secret headers redacted.
func NewRequest(method, path string, headers map[string]string, body string) *Request {
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	return &Request{Method: method, Path: path, Headers: redactMap(headers), BodyBytes: len(body)}
}

// Redact replaces the values of secret headers in the scenario's recorded
// answers, so neither the JSON nor the JUnit report carries them.
func (s *Scenario) Redact() {
	for _, o := range []**harness.Observation{&s.Steady, &s.Observed} {
		if *o != nil {
			copied := **o
			copied.Header = redactHeader(copied.Header)
			*o = &copied
		}
	}
}
