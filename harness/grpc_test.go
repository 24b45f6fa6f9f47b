package harness_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

var _ = Describe("gRPC through the builtin gateway", func() {
	It("sends a gRPC call over h2c to the gateway, which passes it to the h2c endpoint and its trailers back", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{H2C: true})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)

		obs := env.Do(ctx, harness.Request{Timeout: 10 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping", Timeout: 5 * time.Second}})
		Expect(obs).To(match.HaveStatus(200))
		Expect(obs.ErrorKind).To(BeEmpty(), obs.Error)
		Expect(obs.GRPC).NotTo(BeNil())
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: 0, Where: "trailers", Messages: 1}))
		Expect(obs.Body).To(Equal(harness.GRPCFrame([]byte("ping"))))
		Expect(obs.Header.Get("Content-Type")).To(Equal(harness.GRPCContentType))
		Expect(obs.Upstream).To(ConsistOf(And(HaveField("Endpoint", "h2c"), HaveField("Tagged", true))))
		Expect(obs.Integrity).NotTo(BeNil())
		Expect(obs.Integrity.Verdict).To(Equal(harness.BodyIntact))
		Expect(obs.GRPC.String()).To(Equal("grpc-status OK (0) in trailers, 1 message"))

		// A method of no service is answered all the same: any method
		// works; an empty message is a message (its prefix alone).
		obs = env.Do(ctx, harness.Request{Timeout: 10 * time.Second, GRPC: &harness.GRPCRequest{Method: "/other.Service/Method"}})
		Expect(*obs.GRPC).To(Equal(harness.GRPCObservation{Status: 0, Where: "trailers", Messages: 1}))
		Expect(obs.Body).To(Equal(harness.GRPCFrame(nil)))
	})

	It("without the h2c endpoint, a gRPC call goes to the plain origin, which answers no grpc-status", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		obs := env.Do(ctx, harness.Request{Timeout: 10 * time.Second, GRPC: &harness.GRPCRequest{Message: "ping"}})
		Expect(obs.GRPC.HasStatus()).To(BeFalse())
		Expect(obs.Status).To(Equal(404), "no route for /gatecrash.Echo/Call")
		Expect(obs.GRPC.String()).To(Equal(`no grpc-status, not a gRPC answer (content-type "text/plain; charset=utf-8")`))
	})

	It("sends a plain request over h2c too (H2C): the builtin gateway takes HTTP/2 from clients", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{H2C: true, Routes: []harness.Route{{Path: "/h2c/", Body: "over HTTP/2"}}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		obs := env.Do(ctx, harness.Request{Path: "/h2c/", H2C: true, Timeout: 10 * time.Second})
		Expect(obs).To(match.HaveStatus(200))
		Expect(string(obs.Body)).To(Equal("over HTTP/2"))
		Expect(obs.GRPC).To(BeNil())
		Expect(obs.Integrity.Verdict).To(Equal(harness.BodyIntact))
	})

	It("observes a gRPC call refused by nothing listening", func(ctx SpecContext) {
		obs := harness.Do(ctx, "http://127.0.0.1:1", harness.Request{Timeout: 2 * time.Second, GRPC: &harness.GRPCRequest{}})
		Expect(obs.ErrorKind).To(Equal(harness.ErrRefused))
		Expect(obs.GRPC.HasStatus()).To(BeFalse())
	})
})
