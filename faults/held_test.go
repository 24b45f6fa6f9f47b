package faults_test

import (
	"net"
	"os"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// openFDs is how many descriptors this process has open.
func openFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	Expect(err).NotTo(HaveOccurred())
	return len(entries)
}

// A fault that holds connections must let each go when the gateway closes
// its side, not only when the fault clears: what it holds stays bounded by
// what is in flight, not by what was sent.
var _ = Describe("faults that hold connections", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx SpecContext, f faults.Fault) {
		if v, ok := f.(faults.Validator); ok {
			Expect(v.Validate()).To(Succeed())
		}
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	// giveUp sends a request, waits timeout for an answer, and closes.
	giveUp := func(timeout time.Duration) {
		defer GinkgoRecover()
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), 2*time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\n\r\n"))
		_ = conn.SetReadDeadline(time.Now().Add(timeout))
		_, _ = conn.Read(make([]byte, 1))
	}

	It("hang at 200 req/s with a 100ms client timeout holds only what is in flight", func(ctx SpecContext) {
		inject(ctx, &faults.Hang{})
		before := openFDs()
		var wg sync.WaitGroup
		peakHeld, peakFDs := 0, 0
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for range 400 { // 2s at 200 req/s
			<-tick.C
			wg.Add(1)
			go func() { defer wg.Done(); giveUp(100 * time.Millisecond) }()
			peakHeld = max(peakHeld, env.Origin.Held())
			peakFDs = max(peakFDs, openFDs()-before)
		}
		wg.Wait()
		// 200 req/s held 100ms is ~20 in flight; 400 were sent.
		Expect(peakHeld).To(BeNumerically("<", 150), "connections the origin held at the peak")
		Expect(peakFDs).To(BeNumerically("<", 600), "descriptors opened at the peak (client, proxy, origin)")
		Eventually(env.Origin.Held).WithTimeout(3*time.Second).Should(BeZero(),
			"the origin let go of every connection the client gave up on, with the fault still in effect")
		Expect(env.Origin.Requests()).To(BeNumerically(">=", 300), "the origin read the requests")
	})

	DescribeTable("let go when the gateway closes its side, before the fault clears",
		func(ctx SpecContext, f faults.Fault) {
			inject(ctx, f)
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() { defer wg.Done(); giveUp(300 * time.Millisecond) }()
			}
			wg.Wait()
			Eventually(env.Origin.Requests).Should(Equal(20))
			Eventually(env.Origin.Held).WithTimeout(3*time.Second).Should(BeZero(),
				"connections the origin still holds")
		},
		Entry("hang", &faults.Hang{}),
		Entry("body_stall", &faults.BodyStall{Bytes: 10, ContentLength: 1000}),
		Entry("delayed_headers", &faults.DelayedHeaders{Delay: time.Minute}),
		Entry("slow_body", &faults.SlowBody{BytesPerSecond: 1, BodySize: 1000}),
		Entry("dribbled_headers", &faults.DribbledHeaders{Pieces: 100, Interval: time.Minute}),
		Entry("slow_close", &faults.SlowClose{Delay: time.Minute}),
	)
})
