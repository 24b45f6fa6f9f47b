package harness_test

import (
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
)

var _ = Describe("the origin's WebSocket and server-sent events, through the builtin gateway", func() {
	var env *harness.Environment
	BeforeEach(func(ctx SpecContext) {
		var err error
		env, err = harness.Start(ctx, harness.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
	})

	It("echoes a real WebSocket client's messages at the origin, under /ws/", func(ctx SpecContext) {
		c, resp, err := websocket.Dial(ctx, "ws://"+env.Origin.Addr()+harness.WSPathPrefix+"echo", &websocket.DialOptions{
			HTTPHeader: http.Header{harness.RequestIDHeader: {"direct-1"}},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { _ = c.CloseNow() })
		Expect(resp.StatusCode).To(Equal(http.StatusSwitchingProtocols))
		for _, m := range []string{"one", "two"} {
			Expect(c.Write(ctx, websocket.MessageText, []byte(m))).To(Succeed())
			typ, got, err := c.Read(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(typ).To(Equal(websocket.MessageText))
			Expect(string(got)).To(Equal(m))
		}
		Expect(c.Close(websocket.StatusNormalClosure, "")).To(Succeed())
		Expect(env.Origin.Tunneled("direct-1")).To(BeTrue(), "a message reached the origin")
		Expect(env.Origin.Tunneled("another")).To(BeFalse())
	})

	It("answers a plain GET under /ws/ 426, without a tunnel", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Path: "/ws/", Timeout: 5 * time.Second})
		Expect(obs.Status).To(Equal(http.StatusUpgradeRequired))
	})

	It("opens a WebSocket through the gateway: upgraded, every message echoed, closed 1000, the attempt journaled", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Path: "/ws/", Timeout: 10 * time.Second,
			Stream: &harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: 3, ReadFor: 5 * time.Second}})
		Expect(obs.ErrorKind).To(BeEmpty(), obs.String())
		Expect(obs.Status).To(Equal(http.StatusSwitchingProtocols))
		s := obs.Stream
		Expect(s.Upgraded).To(BeTrue())
		Expect(s.Sent).To(Equal(3))
		Expect(s.Messages).To(Equal(3))
		Expect(s.CloseCode).To(Equal(1000))
		Expect(s.StillOpen).To(BeFalse())
		Expect(s.Tunneled).To(BeTrue())
		Expect(s.Healthy()).To(BeTrue())
		Expect(s.OpenFor).To(BeNumerically("<", 5*time.Second))
		Expect(obs.Attempts).To(Equal(1))
		Expect(string(obs.Body)).To(ContainSubstring("gatecrash message 3 for " + obs.ID))
		Expect(obs.Integrity).To(BeNil(), "a WebSocket's frames are no body to judge")
	})

	It("reads server-sent events through the gateway, each flushed as it comes", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Path: "/sse/?events=4&interval=200ms", Timeout: 10 * time.Second,
			Stream: &harness.StreamRequest{Kind: harness.StreamSSE, ReadFor: 5 * time.Second}})
		Expect(obs.ErrorKind).To(BeEmpty(), obs.String())
		Expect(obs.Status).To(Equal(200))
		Expect(obs.Header.Get("Content-Type")).To(Equal("text/event-stream"))
		s := obs.Stream
		Expect(s.Events).To(Equal(4))
		Expect(s.StillOpen).To(BeFalse())
		Expect(s.OpenFor).To(BeNumerically(">=", 600*time.Millisecond), "three intervals between four events")
		Expect(string(obs.Body)).To(Equal(strings.Join([]string{
			string(harness.SSEEvent(1, obs.ID)), string(harness.SSEEvent(2, obs.ID)),
			string(harness.SSEEvent(3, obs.ID)), string(harness.SSEEvent(4, obs.ID)),
		}, "")))
		Expect(obs.Attempts).To(Equal(1))
		Expect(obs.Integrity).NotTo(BeNil(), "events are the body of a plain answer")
		Expect(obs.Integrity.Verdict).To(Equal(harness.BodyIntact))
	})

	It("stops reading a stream at read_for and says it was still open", func(ctx SpecContext) {
		obs := env.Do(ctx, harness.Request{Path: "/sse/?events=100&interval=100ms", Timeout: 10 * time.Second,
			Stream: &harness.StreamRequest{Kind: harness.StreamSSE, ReadFor: 500 * time.Millisecond}})
		Expect(obs.ErrorKind).To(BeEmpty(), obs.String())
		s := obs.Stream
		Expect(s.StillOpen).To(BeTrue())
		Expect(s.Events).To(BeNumerically(">=", 1))
		Expect(s.Events).To(BeNumerically("<", 100))
		Expect(s.OpenFor).To(BeNumerically(">=", 500*time.Millisecond))
		Expect(s.String()).To(ContainSubstring("still open"))
	})
})
