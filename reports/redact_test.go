package reports_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

var _ = Describe("secrets", func() {
	It("never reach the JSON or JUnit report: request and answer headers are redacted", func() {
		obs := &harness.Observation{Status: 200, Header: http.Header{
			"Set-Cookie":   {"session=hunter2"},
			"Content-Type": {"text/plain"},
		}}
		rec := &reports.Scenario{
			Suite: "s", File: "s.yaml", Name: "with secrets", Fault: "refused", State: reports.Passed,
			Request:  reports.NewRequest("GET", "/", map[string]string{"authorization": "Bearer hunter2", "X-Trace": "abc"}, ""),
			Observed: obs,
		}
		rec.Redact()
		Expect(obs.Header.Get("Set-Cookie")).To(Equal("session=hunter2"), "the observation itself is not changed")
		json, err := reports.JSON([]*reports.Scenario{rec})
		Expect(err).NotTo(HaveOccurred())
		junit, err := reports.JUnit([]*reports.Scenario{rec})
		Expect(err).NotTo(HaveOccurred())
		for _, out := range []string{string(json), string(junit)} {
			Expect(out).NotTo(ContainSubstring("hunter2"))
		}
		Expect(string(json)).To(ContainSubstring(reports.Redacted))
		Expect(string(json)).To(ContainSubstring(`"X-Trace": "abc"`))
		Expect(string(json)).To(ContainSubstring("text/plain"))
	})
})
