package scenarios

import (
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// OriginSecrets tells rec the values of the secret headers the suite's
// origin sends (a route's Set-Cookie): a gateway that garbles one makes
// it part of an error's text, where no header map holds it.
func (s *Suite) OriginSecrets(rec *reports.Scenario) {
	for _, r := range s.Origin.Routes {
		for name, v := range r.Headers {
			rec.Secret(name, v)
		}
	}
}

// Redact returns o with the values of secret headers, its own
// and the suite's origin's, replaced in its headers and its error's text,
// for what the probe prints. Its body is left as received: it is judged,
// not printed.
func (s *Suite) Redact(o harness.Observation) harness.Observation {
	rec := &reports.Scenario{Failure: o.Error, Observed: &harness.Observation{Header: o.Header}}
	s.OriginSecrets(rec)
	rec.Redact()
	o.Error, o.Header = rec.Failure, rec.Observed.Header
	return o
}
