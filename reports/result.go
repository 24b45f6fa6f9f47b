// Package reports owns every output of a run: the console lines, the JUnit
// XML that CI systems read (valid against the junit-10.xsd Jenkins uses),
// and the records they are made from.
package reports

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// State is how a scenario ended.
type State string

// The states a scenario can end in.
const (
	Passed      State = "passed"
	Failed      State = "failed"
	Skipped     State = "skipped"
	Interrupted State = "interrupted"
	// Errored means gatecrash could not run the scenario (the environment
	// did not start, a fault could not be injected): not a verdict on the
	// gateway.
	Errored State = "error"
)

// Scenario is everything known about one scenario's run.
type Scenario struct {
	Suite   string   `json:"suite"`
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Name    string   `json:"name"`
	Labels  []string `json:"labels,omitempty"`
	Gateway string   `json:"gateway"`
	// Fault is the fault's name, Params its parameters, Method how it was
	// made when there is more than one way.
	Fault  string `json:"fault"`
	Params any    `json:"params,omitempty"`
	Method string `json:"fault_method,omitempty"`
	// Expected is the scenario's expectations in one line.
	Expected string `json:"expected"`
	// Steady is the request before the fault, Observed the one during it.
	Steady   *harness.Observation `json:"steady,omitempty"`
	Observed *harness.Observation `json:"observed,omitempty"`
	Checks   []Check              `json:"checks,omitempty"`
	Recovery *Recovery            `json:"recovery,omitempty"`
	// GatewayLog is what the gateway wrote while the scenario ran.
	GatewayLog string `json:"gateway_log,omitempty"`

	State    State         `json:"state"`
	Failure  string        `json:"failure,omitempty"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
}

// Check is one assertion: what was expected, what was observed.
type Check struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Passed   bool   `json:"passed"`
}

// Recovery is what happened after the fault cleared.
type Recovery struct {
	Expected  string        `json:"expected"`
	Recovered bool          `json:"recovered"`
	After     time.Duration `json:"after_ns"`
	Last      string        `json:"last"`
}

// ObservedLine sums up the observation in one line, as the console shows it.
func (s *Scenario) ObservedLine() string {
	if s.Observed == nil {
		return "nothing"
	}
	line := s.Observed.String()
	if s.Recovery != nil {
		if s.Recovery.Recovered {
			line += fmt.Sprintf(", recovered after %s", harness.Round(s.Recovery.After))
		} else {
			line += fmt.Sprintf(", not recovered after %s (last: %s)", harness.Round(s.Recovery.After), s.Recovery.Last)
		}
	}
	return line
}

// Properties are the scenario's fault, parameters, expectations and
// observed values as name/value pairs, for JUnit.
func (s *Scenario) Properties() [][2]string {
	props := [][2]string{{"fault", s.Fault}}
	if params, err := json.Marshal(s.Params); err == nil && s.Params != nil && string(params) != "{}" {
		props = append(props, [2]string{"fault.params", string(params)})
	}
	if s.Method != "" {
		props = append(props, [2]string{"fault.method", s.Method})
	}
	props = append(props, [2]string{"gateway", s.Gateway}, [2]string{"expected", s.Expected})
	if o := s.Observed; o != nil {
		props = append(props,
			[2]string{"observed.status", fmt.Sprint(o.Status)},
			[2]string{"observed.seconds", fmt.Sprintf("%.4f", o.Total.Seconds())},
			[2]string{"observed.ttfb_seconds", fmt.Sprintf("%.4f", o.TTFB.Seconds())},
			[2]string{"observed.valid_http", fmt.Sprint(o.ValidHTTP())},
			[2]string{"observed.attempts", fmt.Sprint(o.Attempts)},
		)
		if o.ErrorKind != "" {
			props = append(props, [2]string{"observed.error", string(o.ErrorKind) + ": " + o.Error})
		}
	}
	if r := s.Recovery; r != nil {
		props = append(props,
			[2]string{"recovery.recovered", fmt.Sprint(r.Recovered)},
			[2]string{"recovery.seconds", fmt.Sprintf("%.4f", r.After.Seconds())},
		)
	}
	for _, c := range s.Checks {
		props = append(props, [2]string{"check." + c.Name, fmt.Sprintf("expected %s, observed %s", c.Expected, c.Observed)})
	}
	return props
}
