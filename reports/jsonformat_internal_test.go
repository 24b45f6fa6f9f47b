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
