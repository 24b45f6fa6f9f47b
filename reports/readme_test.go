package reports_test

import (
	"os"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/reports"
)

// jsonKeys is every key a value of type t can have in JSON, found through
// its fields' json tags, nested types included.
func jsonKeys(t reflect.Type, keys map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeOf(time.Time{}) {
		return
	}
	seen[t] = true
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		switch {
		case name != "":
			keys[name] = true
		case !f.Anonymous:
			keys[f.Name] = true // untagged: encoding/json uses the Go name
		}
		jsonKeys(f.Type, keys, seen)
	}
}

var _ = Describe("the README", func() {
	It("names every field of the JSON report", func() {
		data, err := os.ReadFile("../README.md")
		Expect(err).NotTo(HaveOccurred())
		_, section, found := strings.Cut(string(data), "The JSON report (`\"format\": \"gatecrash-report/1\"`)")
		Expect(found).To(BeTrue(), "the README's JSON section")
		section, _, _ = strings.Cut(section, "\n## ")

		keys := map[string]bool{}
		jsonKeys(reports.JSONScenarioType, keys, map[reflect.Type]bool{})
		Expect(len(keys)).To(BeNumerically(">", 60))
		var missing []string
		for k := range keys {
			if !strings.Contains(section, "`"+k+"`") {
				missing = append(missing, k)
			}
		}
		Expect(missing).To(BeEmpty(), "fields of the JSON report the README does not name")
	})
})
