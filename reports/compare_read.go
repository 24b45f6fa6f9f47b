package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/gatecrash/gatecrash/harness"
)

// RunRecords is a run report's scenarios as the records of a comparison,
// keyed "suite / scenario", with what each record has: the state always;
// status, time, attempts, validity, body and the fault's verdict of the
// request during the fault, and whether an answer was cross-wired when it
// sent follow-ups (or got one); only the fault's verdict of a load.
func RunRecords(results []*Scenario) []Record {
	out := make([]Record, 0, len(results))
	for _, s := range results {
		r := Record{Key: s.Suite + " / " + s.Name, State: string(s.State)}
		if o := s.Observed; o != nil {
			status, attempts, valid := o.Status, o.Attempts, o.ValidHTTP()
			seconds := math.Round(o.Total.Seconds()*1000) / 1000
			r.Status, r.Seconds, r.Attempts, r.ValidHTTP = &status, &seconds, &attempts, &valid
			if in := o.Integrity; in != nil {
				switch in.Verdict {
				case harness.BodyIntact:
					r.BodyIntact = new(true)
				case harness.BodyTruncated, harness.BodyAltered, harness.BodyReframed:
					r.BodyIntact = new(false)
				}
			}
			if m := o.FaultMet; m != nil {
				r.Met = string(m.Verdict)
			}
			if !valid {
				r.Error = string(o.ErrorKind) + ": " + o.Error
			}
		}
		if o := s.Observed; o != nil && (len(s.FollowUps) > 0 || o.CrossWired != nil) {
			wired := o.CrossWired != nil
			for _, f := range s.FollowUps {
				wired = wired || f.CrossWired != nil
			}
			r.CrossWired = &wired
		}
		if l := s.Load; l != nil && l.FaultMet != nil {
			r.Met = string(l.FaultMet.Verdict)
		}
		out = append(out, r)
	}
	return out
}

// ParseJSON reads a JSON report's text, as ReadJSON its file; an error
// names the line and column where there is one (path:line:col: why).
func ParseJSON(path string, data []byte) ([]*Scenario, error) {
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, JSONError(path, data, err)
	}
	if r.Format != JSONFormat {
		return nil, fmt.Errorf("%s: a JSON object with format %q; expected a run report, format %q (gatecrash run --json)", path, r.Format, JSONFormat)
	}
	return r.records(), nil
}

// JSONError is err from decoding data, the text of file path, with the
// line and column it happened at when the error has an offset:
// "path:line:col: why".
func JSONError(path string, data []byte, err error) error {
	var offset int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return fmt.Errorf("%s: %v", path, err)
	}
	line, col := Position(data, offset)
	return fmt.Errorf("%s:%d:%d: %v", path, line, col, err)
}

// Position is the line and column (from 1, in bytes) of offset in data; an
// offset of the byte after an error points at that byte's line.
func Position(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	// The decoder's offset is just past the byte it stopped at.
	if offset > 0 {
		before = data[:offset-1]
	}
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}
