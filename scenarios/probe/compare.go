package probe

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/reports"
)

// Records is a probe's rows as the records of a comparison, keyed by
// fault.
func Records(results []Result) []reports.Record {
	out := make([]reports.Record, 0, len(results))
	for _, r := range results {
		out = append(out, reports.Record{
			Key: r.Fault, Status: new(r.Status), Seconds: new(r.Seconds), Attempts: new(r.Attempts),
			ValidHTTP: new(r.ValidHTTP), BodyIntact: r.BodyIntact, Met: r.Met, CrossWired: r.CrossWired, Error: r.Error,
		})
	}
	return out
}

// AtlasEntry is one gateway's page of the atlas (docs/atlas/GATEWAY.json):
// the gateway's name, its version as the gateway prints it, and its probe,
// as `gatecrash probe --json` prints it.
type AtlasEntry struct {
	Gateway string   `json:"gateway"`
	Version string   `json:"version"`
	Probe   []Result `json:"probe"`
}

// ReadCompared reads one input of gatecrash compare: a probe's JSON
// (gatecrash probe --json, an array), a run's JSON report (gatecrash run
// --json) or an atlas entry (its probe). Its column is named name, or the
// file's base name without .json when name is "". An error says what the
// file is not, as "path: why", with the line and column of a JSON error.
func ReadCompared(path, name string) (reports.Compared, error) {
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return reports.Compared{}, fmt.Errorf("%s: %v", path, err)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return reports.Compared{}, fmt.Errorf("%s: empty; expected %s", path, compareInputs)
	}
	switch trimmed[0] {
	case '[':
		results, err := parseProbe(path, data)
		if err != nil {
			return reports.Compared{}, err
		}
		return reports.Compared{Name: name, Kind: reports.KindProbe, Records: Records(results)}, nil
	case '{':
		var head struct {
			Format *string          `json:"format"`
			Probe  *json.RawMessage `json:"probe"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return reports.Compared{}, reports.JSONError(path, data, err)
		}
		if head.Format == nil && head.Probe != nil {
			entry, err := parseAtlasEntry(path, data)
			if err != nil {
				return reports.Compared{}, err
			}
			return reports.Compared{Name: name, Kind: reports.KindProbe, Records: Records(entry.Probe)}, nil
		}
		if head.Format == nil {
			return reports.Compared{}, fmt.Errorf("%s: a JSON object without format; expected %s", path, compareInputs)
		}
		results, err := reports.ParseJSON(path, data)
		if err != nil {
			return reports.Compared{}, err
		}
		return reports.Compared{Name: name, Kind: reports.KindRun, Records: reports.RunRecords(results)}, nil
	}
	line, col := reports.Position(data, int64(len(data)-len(trimmed))+1)
	return reports.Compared{}, fmt.Errorf("%s:%d:%d: not JSON; expected %s", path, line, col, compareInputs)
}

// compareInputs is what gatecrash compare reads, for its errors.
const compareInputs = "a probe's JSON (gatecrash probe --json) or a run's JSON report (gatecrash run --json)"

// parseProbe reads a probe's JSON strictly: an array of objects with the
// probe's keys only, each naming its fault.
func parseProbe(path string, data []byte) ([]Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var results []Result
	if err := dec.Decode(&results); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return nil, fmt.Errorf("%s: not a probe's JSON (gatecrash probe --json): %v", path, err)
		}
		return nil, reports.JSONError(path, data, err)
	}
	if dec.More() {
		line, col := reports.Position(data, dec.InputOffset()+1)
		return nil, fmt.Errorf("%s:%d:%d: more JSON after the probe's array", path, line, col)
	}
	for i, r := range results {
		if r.Fault == "" {
			return nil, fmt.Errorf("%s: not a probe's JSON (gatecrash probe --json): row %d has no fault", path, i+1)
		}
	}
	return results, nil
}

// ReadAtlasEntry reads an atlas entry (docs/atlas/GATEWAY.json).
func ReadAtlasEntry(path string) (AtlasEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return AtlasEntry{}, err
	}
	return parseAtlasEntry(path, data)
}

func parseAtlasEntry(path string, data []byte) (AtlasEntry, error) {
	var e AtlasEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return AtlasEntry{}, fmt.Errorf("%s: not an atlas entry {gateway, version, probe}: %v", path, err)
		}
		return AtlasEntry{}, reports.JSONError(path, data, err)
	}
	if e.Gateway == "" {
		return AtlasEntry{}, fmt.Errorf("%s: an atlas entry without a gateway name", path)
	}
	for i, r := range e.Probe {
		if r.Fault == "" {
			return AtlasEntry{}, fmt.Errorf("%s: probe row %d has no fault", path, i+1)
		}
	}
	return e, nil
}

// NewAtlasEntry is the atlas entry of gateway, at version (its first line
// that is not blank, trimmed), from the probes' JSON in files probePaths:
// each gateway's example suite, and a suite with several origin instances
// for the faults that need them, say. A fault probed in more than one file
// is taken from the first; the rows are in the catalog's order.
func NewAtlasEntry(gateway, version string, probePaths ...string) (AtlasEntry, error) {
	results := []Result{}
	seen := map[string]bool{}
	for _, path := range probePaths {
		data, err := os.ReadFile(path)
		if err != nil {
			return AtlasEntry{}, err
		}
		rows, err := parseProbe(path, data)
		if err != nil {
			return AtlasEntry{}, err
		}
		for _, r := range rows {
			if !seen[r.Fault] {
				seen[r.Fault] = true
				results = append(results, r)
			}
		}
	}
	order := map[string]int{}
	for i, d := range faults.All() {
		order[d.Name] = i
	}
	rank := func(fault string) int {
		if i, ok := order[fault]; ok {
			return i
		}
		return len(order) // a fault this build does not know, last
	}
	slices.SortStableFunc(results, func(a, b Result) int { return cmp.Compare(rank(a.Fault), rank(b.Fault)) })
	for _, line := range strings.Split(version, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			version = line
			break
		}
	}
	return AtlasEntry{Gateway: gateway, Version: strings.TrimSpace(version), Probe: results}, nil
}

// JSON is the entry as the atlas keeps it, indented, ending in a newline.
func (e AtlasEntry) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ReadAtlas reads the atlas entries at paths into an atlas over the
// catalog, in the catalog's order of faults.
func ReadAtlas(paths []string) (reports.Atlas, error) {
	atlas := reports.Atlas{Tolerance: reports.DefaultTimeTolerance}
	for _, d := range faults.All() {
		atlas.Order = append(atlas.Order, d.Name)
	}
	for _, path := range paths {
		e, err := ReadAtlasEntry(path)
		if err != nil {
			return reports.Atlas{}, err
		}
		atlas.Gateways = append(atlas.Gateways, reports.AtlasGateway{Gateway: e.Gateway, Version: e.Version, Records: Records(e.Probe)})
	}
	return atlas, nil
}
