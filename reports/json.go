package reports

import (
	"encoding/json"
	"fmt"
)

// JSONFormat names the JSON report's format and its version; a change that
// renames or removes a field gets a new version.
const JSONFormat = "gatecrash-report/1"

// jsonReport is the JSON report: every scenario record, with totals. Its
// types are in jsonformat.go.
type jsonReport struct {
	Format    string          `json:"format"`
	Summary   jsonSummary     `json:"summary"`
	Scenarios []*jsonScenario `json:"scenarios"`
}

type jsonSummary struct {
	Scenarios int `json:"scenarios"`
	Passed    int `json:"passed"`
	// Findings are the passed scenarios pinned as findings, counted in
	// Passed too.
	Findings    int `json:"findings"`
	Failed      int `json:"failed"`
	Errors      int `json:"errors"`
	Skipped     int `json:"skipped"`
	Interrupted int `json:"interrupted"`
}

// JSON renders results, in their order, with every observation of each.
func JSON(results []*Scenario) ([]byte, error) {
	r := jsonReport{Format: JSONFormat, Scenarios: make([]*jsonScenario, 0, len(results))}
	for _, s := range results {
		r.Scenarios = append(r.Scenarios, scenarioToJSON(s))
		r.Summary.Scenarios++
		switch s.State {
		case Passed:
			r.Summary.Passed++
			if s.IsFinding() {
				r.Summary.Findings++
			}
		case Failed:
			r.Summary.Failed++
		case Errored:
			r.Summary.Errors++
		case Skipped:
			r.Summary.Skipped++
		case Interrupted:
			r.Summary.Interrupted++
		}
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// records are the scenarios of a report read back.
func (r *jsonReport) records() []*Scenario {
	if r.Scenarios == nil {
		return nil
	}
	out := make([]*Scenario, len(r.Scenarios))
	for i, s := range r.Scenarios {
		out[i] = s.record()
	}
	return out
}

// WriteJSON writes the JSON report to path, through a temporary file so a
// reader never sees half a report.
func WriteJSON(path string, results []*Scenario) error {
	data, err := JSON(results)
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return writeFile(path, data)
}
