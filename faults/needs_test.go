package faults_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
)

var _ = Describe("what a fault needs from a suite", func() {
	It("is a TLS route for every fault of the TLS family, and for no other", func() {
		for _, d := range faults.All() {
			Expect(d.Needs.TLSRoute).To(Equal(d.Family == faults.FamilyTLS),
				"%s (family %s): Needs.TLSRoute is %t", d.Name, d.Family, d.Needs.TLSRoute)
		}
	})

	It("is the h2c endpoint for every fault of the HTTP/2 and gRPC families, and for no other", func() {
		for _, d := range faults.All() {
			Expect(d.Needs.H2C).To(Equal(d.Family == faults.FamilyHTTP2 || d.Family == faults.FamilyGRPC),
				"%s (family %s): Needs.H2C is %t", d.Name, d.Family, d.Needs.H2C)
		}
	})

	It("is a gRPC call for the gRPC family, a WebSocket or an event stream for the streams family, and no kind of request for the others", func() {
		for _, d := range faults.All() {
			want := ""
			switch {
			case d.Family == faults.FamilyGRPC:
				want = faults.RequestGRPC
			case d.Family == faults.FamilyStreams && strings.HasPrefix(d.Name, "ws_"):
				want = faults.RequestWebSocket
			case d.Family == faults.FamilyStreams && strings.HasPrefix(d.Name, "sse_"):
				want = faults.RequestSSE
			}
			Expect(d.Needs.Request).To(Equal(want), "%s (family %s)", d.Name, d.Family)
		}
	})

	It("is several origin instances for one_origin_down, and for no other", func() {
		for _, d := range faults.All() {
			want := 0
			if d.Name == "one_origin_down" {
				want = 2
			}
			Expect(d.Needs.Instances).To(Equal(want), d.Name)
		}
	})

	It("says what is missing and how a suite would have it", func() {
		plain := faults.SuiteFacts{Instances: 1, Routes: []string{"/", "/api/"}}
		withTLS := faults.SuiteFacts{Instances: 3, Routes: []string{"/", "/tls/x"}}
		Expect(withTLS.TLSRoute()).To(Equal("/tls/x"))
		Expect(plain.TLSRoute()).To(BeEmpty())

		Expect(faults.Needs{}.Unmet(plain)).To(BeNil())
		Expect(faults.Needs{Instances: 2, TLSRoute: true}.Unmet(withTLS)).To(BeNil())
		Expect(faults.Needs{Instances: 2}.Unmet(plain)).To(Equal(&faults.Shortfall{
			Need: "needs several origin instances", Fix: "a suite with origin.instances: 2 or more"}))
		Expect(faults.Needs{Instances: 4}.Unmet(withTLS).String()).To(Equal("needs 4 origin instances: a suite with origin.instances: 4 or more"))
		Expect(faults.Needs{TLSRoute: true}.Unmet(plain).String()).To(Equal(
			"needs an origin route under /tls/ that the gateway sends to the origin's TLS endpoint"))
		Expect(faults.Needs{H2C: true}.Unmet(plain).String()).To(Equal(
			"needs the origin's h2c endpoint: a suite with origin.h2c: true (or origin.h2tls: true)"))
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2C: true, Routes: []string{"/"}}).String()).To(Equal(
			"needs an origin route under /h2c/ that the gateway sends to the origin's h2c endpoint"))
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2C: true, Routes: []string{"/", "/h2c/x"}})).To(BeNil())

		// The HTTP/2 faults act on the HTTP/2-over-TLS endpoint too.
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2TLS: true, Routes: []string{"/", "/h2tls/x"}})).To(BeNil())
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2TLS: true, Routes: []string{"/", "/h2c/x"}}).String()).To(Equal(
			"needs an origin route under /h2tls/ that the gateway sends to the origin's h2tls endpoint"))
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2C: true, Routes: []string{"/", "/h2tls/x"}}).String()).To(Equal(
			"needs an origin route under /h2c/ that the gateway sends to the origin's h2c endpoint"))
		Expect(faults.Needs{H2C: true}.Unmet(faults.SuiteFacts{H2C: true, H2TLS: true, Routes: []string{"/h2tls/x"}})).To(BeNil())
		for _, tc := range []struct {
			facts faults.SuiteFacts
			want  string
		}{
			{faults.SuiteFacts{H2C: true, H2TLS: true, Routes: []string{"/h2tls/x", "/h2c/y"}}, "/h2c/y"},
			{faults.SuiteFacts{H2C: true, H2TLS: true, Routes: []string{"/h2tls/x"}}, "/h2tls/x"},
			{faults.SuiteFacts{H2TLS: true, Routes: []string{"/h2c/y", "/h2tls/x"}}, "/h2tls/x"},
			{faults.SuiteFacts{H2C: true, Routes: []string{"/h2tls/x"}}, ""},
		} {
			Expect(tc.facts.HTTP2Route()).To(Equal(tc.want), "%+v", tc.facts)
		}
	})
})
