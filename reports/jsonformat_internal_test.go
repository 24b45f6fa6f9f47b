package reports

import (
	"reflect"
	"slices"
	"testing"

	"github.com/gatecrash/gatecrash/harness"
)

// TestJSONFormatHasEveryField: every exported field of a record the JSON
// report writes has its field in the report's type, so that a field added
// to a harness type is not silently left out of the file (add it to
// jsonformat.go, its conversions, and the README's JSON section).
func TestJSONFormatHasEveryField(t *testing.T) {
	for _, c := range []struct {
		record, format reflect.Type
		notWritten     []string // fields the report leaves out on purpose
	}{
		{reflect.TypeFor[Scenario](), reflect.TypeFor[jsonScenario](), nil},
		// The body itself is not kept: its start is, as body_excerpt.
		{reflect.TypeFor[harness.Observation](), reflect.TypeFor[jsonObservation](), []string{"Body"}},
		{reflect.TypeFor[harness.Attempt](), reflect.TypeFor[jsonAttempt](), nil},
		{reflect.TypeFor[harness.Answer](), reflect.TypeFor[jsonAnswer](), nil},
		{reflect.TypeFor[harness.Integrity](), reflect.TypeFor[jsonIntegrity](), nil},
		{reflect.TypeFor[harness.FaultMet](), reflect.TypeFor[jsonFaultMet](), nil},
		{reflect.TypeFor[harness.LoadResult](), reflect.TypeFor[jsonLoad](), nil},
		{reflect.TypeFor[harness.Latency](), reflect.TypeFor[jsonLatency](), nil},
		{reflect.TypeFor[harness.LoadSlice](), reflect.TypeFor[jsonLoadSlice](), nil},
		{reflect.TypeFor[harness.GRPCObservation](), reflect.TypeFor[jsonGRPC](), nil},
		{reflect.TypeFor[harness.StreamObservation](), reflect.TypeFor[jsonStream](), nil},
	} {
		for f := range c.record.Fields() {
			if !f.IsExported() {
				continue
			}
			if _, ok := c.format.FieldByName(f.Name); !ok && !slices.Contains(c.notWritten, f.Name) {
				t.Errorf("%s.%s is not in the JSON report's %s", c.record, f.Name, c.format)
			}
		}
		for f := range c.format.Fields() {
			if f.Tag.Get("json") == "" {
				t.Errorf("%s.%s has no json tag: its key would be its Go name", c.format, f.Name)
			}
		}
	}
}

// TestJSONGRPCRoundTrip: a gRPC call's observation is written with its
// code's name, and read back as it was.
func TestJSONGRPCRoundTrip(t *testing.T) {
	for _, g := range []*harness.GRPCObservation{
		{Status: 14, Message: "draining", Where: "trailers-only"},
		{Status: -1, Messages: 1, Cut: true, InHead: "14"},
		{Status: -1, NotGRPC: "text/html"},
		nil,
	} {
		j := grpcToJSON(g)
		if got := j.record(); !reflect.DeepEqual(got, g) {
			t.Errorf("%+v read back as %+v", g, got)
		}
		if g != nil && g.Status == 14 && j.Code != "UNAVAILABLE" {
			t.Errorf("code %q; want UNAVAILABLE", j.Code)
		}
		if g != nil && g.Status < 0 && j.Code != "" {
			t.Errorf("code %q for no status; want none", j.Code)
		}
	}
}
