package harness_test

import (
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

var _ = Describe("the builtin gateway with several origin instances", func() {
	var env *harness.Environment
	req := harness.Request{Path: "/", Timeout: 10 * time.Second}

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{Instances: 3})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	requestsPerOrigin := func() []int {
		n := make([]int, len(env.Origins))
		for i, o := range env.Origins {
			n[i] = o.Requests()
		}
		return n
	}

	It("balances the requests round-robin over every instance", func(ctx SpecContext) {
		for range 6 {
			Expect(env.Do(ctx, req)).To(match.HaveStatus(200))
		}
		Expect(requestsPerOrigin()).To(Equal([]int{2, 2, 2}))
	})

	It("moves on to the next instance when one refuses the connect, and back once it is up", func(ctx SpecContext) {
		env.Proxies[1].Down()
		for range 6 {
			obs := env.Do(ctx, req)
			Expect(obs).To(match.HaveStatus(200))
			Expect(obs.Attempts-obs.Unaccepted).To(Equal(1), "the request reached an origin once")
		}
		Expect(requestsPerOrigin()).To(Equal([]int{2, 0, 4}), "instance 2's turns went to instance 3")
		Expect(env.Gateway.Logs()).To(ContainSubstring("connect to origin instance 2 failed, trying the next"))

		Expect(env.Proxies[1].Up()).To(Succeed())
		for range 3 {
			Expect(env.Do(ctx, req)).To(match.HaveStatus(200))
		}
		Expect(requestsPerOrigin()).To(Equal([]int{3, 1, 5}))
	})

	It("answers 502 when every instance refuses, having tried each once", func(ctx SpecContext) {
		for _, p := range env.Proxies {
			p.Down()
		}
		Expect(env.Do(ctx, req)).To(And(match.HaveStatus(502), match.AnswerWithin(time.Second)))
		Expect(env.Gateway.Logs()).To(ContainSubstring("instance 1 failed"))
		Expect(env.Gateway.Logs()).To(ContainSubstring("instance 2 failed"))
		Expect(env.Gateway.Logs()).To(ContainSubstring("answering 502"))
	})
})

var _ = Describe("the builtin gateway with keep-alive, when the origin closes a pooled connection", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{Gateway: &harness.Builtin{KeepAlive: true}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		// A first request leaves a connection in the gateway's pool.
		Expect(env.Do(ctx, harness.Request{Timeout: 10 * time.Second})).To(match.HaveStatus(200))
		in, err := faults.Inject(ctx, env, &faults.KeepaliveRace{}, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	})

	It("retries a GET on a new connection: 200, and the origin read the request twice", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Timeout: 10 * time.Second})
		Expect(obs).To(match.HaveStatus(200))
		Expect(obs.Attempts).To(Equal(2), "the pooled connection, then a new one")
		Expect(obs.Connections).To(Equal(1), "one new connection")
	})

	It("does not retry a POST with a body: 502 after one attempt", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Method: "POST", Body: "order=42", Timeout: 10 * time.Second})
		Expect(obs).To(match.HaveStatus(502))
		Expect(obs.Attempts).To(Equal(1))
		Expect(env.Gateway.Logs()).To(ContainSubstring("POST /: upstream error, answering 502"))
	})
})

var _ = Describe("the builtin gateway relaying a chunked answer", func() {
	var env *harness.Environment
	req := harness.Request{Timeout: 10 * time.Second}

	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	// answer makes the origin send a chunked 200's head, wait, then send
	// body and close.
	answer := func(wait time.Duration, body string) {
		env.Origin.SetRequestBehavior(func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return false
			}
			defer conn.Close()
			_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
			time.Sleep(wait)
			_, _ = io.WriteString(conn, body)
			return true
		})
	}

	// ReverseProxy alone sends the head from a timer as soon as it has it,
	// so here the client would get a 200 cut short; a head and a bad chunk
	// that arrive together race that timer instead.
	It("sends no answer when the first chunk size is bad, even when it comes after the head", func(ctx SpecContext) {
		answer(200*time.Millisecond, "zz\r\nhello\r\n0\r\n\r\n")
		for range 3 {
			obs := env.Do(ctx, req)
			Expect(obs.Status).To(BeZero(), "%s", obs)
			Expect(obs.ValidHTTP()).To(BeFalse())
		}
		Expect(env.Gateway.Logs()).To(ContainSubstring("invalid byte in chunk length"))
	})

	It("relays a slow first chunk whole, the head with it", func(ctx SpecContext) {
		answer(300*time.Millisecond, "5\r\nhello\r\n0\r\n\r\n")
		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(200))
		Expect(string(obs.Body)).To(Equal("hello"))
		Expect(obs.TTFB).To(BeNumerically(">=", 300*time.Millisecond), "the head waited for the chunk")
	})
})
