package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// ReadJSON reads a JSON report written by WriteJSON (by a shard, or a
// worker of a parallel run).
func ReadJSON(path string) ([]*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a gatecrash JSON report: %w", path, err)
	}
	if r.Format != JSONFormat {
		return nil, fmt.Errorf("%s: report format %q, expected %q", path, r.Format, JSONFormat)
	}
	return r.records(), nil
}

// Merge joins the records of several slices of one run into one, in the
// run's file order.
func Merge(parts ...[]*Scenario) []*Scenario {
	var all []*Scenario
	for _, p := range parts {
		all = append(all, p...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Order < all[j].Order })
	return all
}
