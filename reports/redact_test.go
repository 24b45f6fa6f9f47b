package reports_test

import (
	"bytes"
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

var _ = Describe("secret values in a report's text", func() {
	It("are replaced in every output, sent, received or expected, whole or in part", func() {
		obs := &harness.Observation{Status: 200, Body: []byte(`{"token":"rcvd-SECRET1"}`), Header: http.Header{
			"Set-Cookie": {`session="rcvd-SECRET1"; Path=/; HttpOnly`},
		}}
		rec := &reports.Scenario{
			Suite: "s", File: "s.yaml", Name: "leaky", Fault: "refused", State: reports.Failed,
			Expected: `Authorization: "Bearer expected-SECRET3"`,
			Request:  reports.NewRequest("GET", "/", map[string]string{"Authorization": "Bearer sent-SECRET2"}, ""),
			Observed: obs,
			Checks: []reports.Check{
				{Name: "headers.present", Expected: "a Set-Cookie header", Observed: `Set-Cookie: "session=\"rcvd-SECRET1\"; Path=/; HttpOnly"`, Passed: true},
				{Name: "headers.equals", Expected: `Authorization: "Bearer expected-SECRET3"`, Observed: "no Authorization header"},
			},
			Failure:    "expected Authorization: \"Bearer expected-SECRET3\", observed no Authorization header",
			GatewayLog: `127.0.0.1 "GET / HTTP/1.1" 200 "Bearer sent-SECRET2"` + "\ncookie rcvd-SECRET1 seen\n",
		}
		rec.Secret("Authorization", "Bearer sent-SECRET2")
		rec.Secret("authorization", "Bearer expected-SECRET3")
		rec.Secret("X-Trace", "not-a-secret")
		rec.Redact()
		Expect(obs.Body).To(ContainSubstring("rcvd-SECRET1"), "the observation itself is not changed")

		results := []*reports.Scenario{rec}
		json, err := reports.JSON(results)
		Expect(err).NotTo(HaveOccurred())
		junit, err := reports.JUnit(results)
		Expect(err).NotTo(HaveOccurred())
		html, err := reports.HTML(results)
		Expect(err).NotTo(HaveOccurred())
		var console, annotations bytes.Buffer
		reports.Console(&console, rec, false)
		reports.Annotations(&annotations, results)
		for i, out := range []string{string(json), string(junit), string(html), string(reports.Markdown(results)), console.String(), annotations.String()} {
			Expect(out).NotTo(ContainSubstring("SECRET"), "output %d", i)
		}
		Expect(string(json)).To(ContainSubstring(`"observed": "Set-Cookie: \"[redacted]\""`), "the header's presence is still said")
		Expect(console.String()).To(ContainSubstring(`gateway log ():`))
		Expect(console.String()).To(ContainSubstring(`200 "[redacted]"`))
	})

	It("leaves values shorter than 4 bytes in the text, where replacing them would garble it", func() {
		rec := &reports.Scenario{Failure: "expected status 200, observed 502", Observed: &harness.Observation{Header: http.Header{"Cookie": {"a=2"}}}}
		rec.Redact()
		Expect(rec.Failure).To(Equal("expected status 200, observed 502"))
		Expect(rec.Observed.Header.Get("Cookie")).To(Equal(reports.Redacted))
	})
})
