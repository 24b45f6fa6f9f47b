package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatecrash/gatecrash/scenarios"
)

// FuzzParse feeds the suite loader anything: it must never panic or hang,
// and every problem it reports has a message.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("examples/*.yaml")
	more, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, path := range append(seeds, more...) {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("scenarios:\n  - {name: a, fault: {slow_body: {bytes_per_second: 1}}, expect: {status: [5xx, 200]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.Parse("fuzz.yaml", data)
		if err == nil {
			if len(s.Scenarios) == 0 {
				t.Fatal("a valid suite without scenarios")
			}
			return
		}
		var le *scenarios.LoadError
		if !errors.As(err, &le) {
			t.Fatalf("not a LoadError: %T %v", err, err)
		}
		for _, p := range le.Problems {
			if p.Message == "" || p.Line < 0 || p.Column < 0 {
				t.Fatalf("a problem without a message or with a bad place: %+v", p)
			}
		}
	})
}
