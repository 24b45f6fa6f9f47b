package harness_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/harness/match"
)

// start starts an environment with gw and the default routes.
func start(ctx context.Context, gw harness.Gateway) *harness.Environment {
	env, err := harness.Start(ctx, harness.Config{Gateway: gw})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Close)
	return env
}

// inject injects f until the spec ends.
func inject(ctx context.Context, env *harness.Environment, f faults.Fault, opts faults.Options) {
	in, err := faults.Inject(ctx, env, f, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(in.Clear)
}

// concurrently sends n requests at once and returns their observations.
func concurrently(ctx context.Context, env *harness.Environment, n int, req harness.Request) []harness.Observation {
	out := make([]harness.Observation, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = env.Do(ctx, req) })
	}
	wg.Wait()
	return out
}

var req = harness.Request{Path: "/", Timeout: 10 * time.Second}

var _ = Describe("upstream attempts, tied to the client's request by its id", func() {
	It("counts each request's own attempts exactly, with many in flight", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{})
		inject(ctx, env, &faults.DelayedHeaders{Delay: 300 * time.Millisecond}, faults.Options{})
		for _, obs := range concurrently(ctx, env, 12, req) {
			Expect(obs).To(match.HaveStatus(200))
			Expect(obs.Attempts).To(Equal(1))
			Expect(obs.Uncounted).To(BeEmpty())
			Expect(obs.Upstream).To(HaveLen(1))
			Expect(obs.Upstream[0].Tagged).To(BeTrue())
			Expect(obs.Upstream[0].RequestRead).To(BeTrue())
		}
	})

	It("counts the builtin gateway's retries of a reset origin: 3 attempts with 2 retries, each tagged", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{Retries: 2})
		inject(ctx, env, &faults.ResetAfterRequest{}, faults.Options{})
		for _, obs := range concurrently(ctx, env, 6, req) {
			Expect(obs).To(match.HaveStatus(502))
			Expect(obs).To(match.HaveAttempts(3))
			Expect(obs.Connections).To(Equal(3))
			Expect(obs.Uncounted).To(BeEmpty())
		}
		Expect(env.Gateway.Logs()).To(ContainSubstring("retrying (retry 2 of 2)"))
	})

	It("does not retry a POST", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{Retries: 2})
		inject(ctx, env, &faults.ResetAfterRequest{}, faults.Options{})
		obs := env.Do(ctx, harness.Request{Method: "POST", Body: "order=42", Timeout: 10 * time.Second})
		Expect(obs).To(match.HaveStatus(502))
		Expect(obs).To(match.HaveAttempts(1))
	})

	It("recovers when a retry meets a healthy origin: fail the first two attempts, then succeed", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{Retries: 2})
		inject(ctx, env, &faults.ResetAfterRequest{}, faults.Options{Attempts: faults.Attempts{From: 1, To: 2}})
		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(200))
		Expect(obs).To(match.HaveAttempts(3))
		Expect(obs.Integrity.Verdict).To(Equal(harness.BodyIntact))
	})

	It("attributes connections that carried no request when only one request was in flight", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{Retries: 2})
		inject(ctx, env, &faults.ResetOnAccept{}, faults.Options{})
		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(502))
		Expect(obs).To(match.HaveAttempts(3))
		for _, a := range obs.Upstream {
			Expect(a.Tagged).To(BeFalse())
			Expect(a.RequestRead).To(BeFalse())
		}
	})

	It("says attempts went uncounted, rather than guess, when such connections come with several requests in flight", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{Retries: 2})
		inject(ctx, env, &faults.ResetOnAccept{}, faults.Options{})
		// Six requests sent at once overlap, as a rule; on a busy machine
		// a request may still run alone, and is then counted exactly. A
		// batch is sent again until one overlapped.
		uncounted := 0
		for batch := 0; batch < 10 && uncounted == 0; batch++ {
			for _, obs := range concurrently(ctx, env, 6, req) {
				Expect(obs).To(match.HaveStatus(502))
				if obs.Uncounted == "" {
					Expect(obs).To(match.HaveAttempts(3), "a request alone in flight is counted")
					continue
				}
				uncounted++
				Expect(obs.Uncounted).To(ContainSubstring("carried no request id"))
				Expect(match.HaveAttempts(3).Match(obs)).To(BeFalse())
				Expect(match.HaveAttempts(3).FailureMessage(obs)).To(ContainSubstring("not observable"))
			}
		}
		Expect(uncounted).To(BeNumerically(">", 0), "no batch of six overlapped")
	})

	It("says attempts are not observable when nothing accepts the connects, without privileges", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{Gateway: &harness.Builtin{Retries: 2}, Unprivileged: true})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		inject(ctx, env, &faults.Refused{}, faults.Options{})
		obs := env.Do(ctx, req)
		Expect(obs).To(match.HaveStatus(502))
		Expect(obs.Attempts).To(BeZero())
		Expect(obs.Uncounted).To(ContainSubstring("origin 1's address refused or dropped connects during the request: nothing accepts those connects to count them (counting their SYNs needs CAP_NET_RAW"))
		Expect(match.HaveAttempts(1).Match(obs)).To(BeFalse())
		Expect(match.HaveAttemptsBetween(0, 0).Match(obs)).To(BeFalse(), "a bound above cannot be judged")
		Expect(match.HaveAttemptsBetween(0, -1).Match(obs)).To(BeTrue(), "at least 0 holds whatever went unseen")
	})
})

var _ = Describe("connects that nothing accepts, counted from their SYNs where privileges allow", func() {
	// privileged starts an environment that can count them, or skips.
	privileged := func(ctx context.Context, gw harness.Gateway) *harness.Environment {
		env := start(ctx, gw)
		obs := env.Do(ctx, req)
		if obs.Uncounted != "" || os.Geteuid() != 0 {
			Skip("no packet socket here (needs CAP_NET_RAW)")
		}
		return env
	}

	// busyLoopback keeps connecting to a closed loopback port until the
	// spec ends (at most 50,000 times): other processes' SYNs on lo, which
	// the watch must read past.
	busyLoopback := func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		closed := ln.Addr().String()
		ln.Close()
		done := make(chan struct{})
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			for range 50_000 {
				select {
				case <-done:
					return
				default:
				}
				if c, err := net.DialTimeout("tcp", closed, 100*time.Millisecond); err == nil {
					c.Close()
				}
			}
		}()
		DeferCleanup(func() { close(done); <-finished })
	}

	DescribeTable("counts every attempt of a gateway that retries",
		func(ctx SpecContext, f faults.Fault, status, attempts, unaccepted int, busy bool) {
			env := privileged(ctx, &harness.Builtin{Retries: 2, ConnectTimeout: 500 * time.Millisecond})
			if busy {
				busyLoopback()
			}
			inject(ctx, env, f, faults.Options{})
			obs := env.Do(ctx, req)
			Expect(obs).To(match.HaveStatus(status))
			Expect(obs.Uncounted).To(BeEmpty())
			Expect(obs).To(match.HaveAttempts(attempts))
			Expect(obs.Unaccepted).To(Equal(unaccepted))
		},
		Entry("a refused connect, retried twice", &faults.Refused{}, 502, 3, 3, false),
		Entry("a dead address from DNS, retried twice", &faults.WrongAddress{Address: "127.0.0.2"}, 502, 3, 3, false),
		Entry("a blackhole: the connect times out, not retried", &faults.Blackhole{}, 504, 1, 1, false),
		Entry("a refused connect, while lo is busy with other connects", &faults.Refused{}, 502, 3, 3, true),
		Entry("a blackhole, while lo is busy with other connects", &faults.Blackhole{}, 504, 1, 1, true),
	)

	It("counts one origin instance down next to the one that served", func(ctx SpecContext) {
		env, err := harness.Start(ctx, harness.Config{Instances: 2})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Close)
		if obs := env.Do(ctx, req); obs.Uncounted != "" || os.Geteuid() != 0 {
			Skip("no packet socket here (needs CAP_NET_RAW)")
		}
		env.Proxies[0].Down()
		var obs harness.Observation
		for range 2 { // one of two goes to the instance that is down first
			if obs = env.Do(ctx, req); obs.Unaccepted > 0 {
				break
			}
		}
		Expect(obs).To(match.HaveStatus(200))
		Expect(obs.Uncounted).To(BeEmpty())
		Expect(obs).To(match.HaveAttempts(2), "the refused connect, then the served request")
		Expect(obs.Upstream[0].Endpoint).To(Equal("unaccepted"))
		Expect(obs.Upstream[1].RequestRead).To(BeTrue())
	})
})

var _ = Describe("body integrity: the origin knows what it sent", func() {
	DescribeTable("judges the body the client got against it",
		func(ctx SpecContext, f faults.Fault, verdict harness.Verdict, silent bool) {
			env := start(ctx, &harness.Builtin{})
			if f != nil {
				inject(ctx, env, f, faults.Options{})
			}
			obs := env.Do(ctx, harness.Request{Path: "/", Timeout: 3 * time.Second})
			if _, refused := f.(*faults.Refused); !refused {
				Expect(obs.Uncounted).To(BeEmpty())
			}
			Expect(obs.Integrity).NotTo(BeNil())
			Expect(obs.Integrity.Verdict).To(Equal(verdict), obs.Integrity.String())
			Expect(obs.Integrity.Silent).To(Equal(silent), obs.Integrity.String())
		},
		Entry("a healthy answer", nil, harness.BodyIntact, false),
		Entry("a slow body, passed on whole", &faults.SlowBody{BytesPerSecond: 64 << 10, BodySize: 16 << 10}, harness.BodyIntact, false),
		Entry("the origin's own 503", &faults.OriginError{Status: 503}, harness.BodyIntact, false),
		Entry("a chunked stream cut by the origin, cut where the client sees it", &faults.ChunkedCut{Body: "hello"}, harness.BodyTruncated, false),
		Entry("a body cut late by a reset", &faults.ResetMidBody{Bytes: 10000, Length: 20000}, harness.BodyTruncated, false),
		Entry("a refused connect: the gateway's own 502", &faults.Refused{}, harness.BodyReplaced, false),
		Entry("garbage: the gateway's own 502", &faults.Garbage{Bytes: "nope\r\n"}, harness.BodyReplaced, false),
		Entry("an early reset: no answer at all", &faults.ResetMidBody{Bytes: 100, Length: 1000}, harness.BodyNoAnswer, false),
		Entry("a 64 KiB header block, relayed", &faults.OversizedHeaders{Size: 64 << 10}, harness.BodyIntact, false),
		Entry("Content-Length and chunked: the chunked body wins, relayed", &faults.ContentLengthAndChunked{ContentLength: 3, Body: "hello"}, harness.BodyIntact, false),
		Entry("a header without a colon: the gateway's own 502", &faults.HeaderWithoutColon{Line: "X-Broken"}, harness.BodyReplaced, false),
		Entry("a 999 relayed with the origin's body: intact, though not valid HTTP", &faults.InvalidStatus{Line: "HTTP/1.1 999 Nope"}, harness.BodyIntact, false),
		Entry("four digits: the gateway's own 502", &faults.InvalidStatus{Line: "HTTP/1.1 2000 OK"}, harness.BodyReplaced, false),
		Entry("HTTP/0.9: the gateway's own 502", &faults.HTTP09{Body: "hello from an HTTP/0.9 origin\n"}, harness.BodyReplaced, false),
		Entry("a close-delimited body after a slow close, relayed", &faults.SlowClose{Delay: 100 * time.Millisecond, CloseDelimited: true}, harness.BodyIntact, false),
	)
})

var _ = Describe("the origin's record of what it sent", func() {
	DescribeTable("is exact for every malformed answer, heads that do not parse included",
		func(ctx SpecContext, f faults.Fault, wire string, want map[string]any) {
			env := start(ctx, &harness.Builtin{})
			inject(ctx, env, f, faults.Options{})
			obs := env.Do(ctx, harness.Request{Path: "/", Timeout: 3 * time.Second})
			Expect(obs.Upstream).To(HaveLen(1))
			a := obs.Upstream[0].Answer
			Expect(a).NotTo(BeNil())
			got := map[string]any{"status": float64(a.Status), "declared": float64(a.Declared), "sent": float64(a.Sent),
				"complete": a.Complete, "head_error": a.HeadError, "body_error": a.BodyError,
				"wire_bytes": float64(a.WireBytes), "wire_sha256": a.WireSHA256}
			sum := sha256.Sum256([]byte(wire))
			want["wire_bytes"], want["wire_sha256"] = float64(len(wire)), hex.EncodeToString(sum[:])
			for k, v := range want {
				Expect(got).To(HaveKeyWithValue(k, v), "%+v", *a)
			}
		},
		Entry("invalid_status 999: a status, with its body", &faults.InvalidStatus{Line: "HTTP/1.1 999 Nope"},
			"HTTP/1.1 999 Nope\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n",
			map[string]any{"status": 999.0, "declared": 35.0, "sent": 35.0, "complete": true}),
		Entry("invalid_status with four digits: no status, the body after the head", &faults.InvalidStatus{Line: "HTTP/1.1 2000 OK"},
			"HTTP/1.1 2000 OK\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n",
			map[string]any{"status": 0.0, "declared": -1.0, "sent": 35.0, "complete": false,
				"head_error": `status line "HTTP/1.1 2000 OK" without a three-digit status code from 001 to 999`}),
		Entry("header_without_colon: its status and its body", &faults.HeaderWithoutColon{Line: "X-Broken"},
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Broken\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n",
			map[string]any{"status": 200.0, "declared": -1.0, "sent": 28.0, "complete": false,
				"head_error": `header line without a colon: "X-Broken"`}),
		Entry("http09: no head, every byte counted", &faults.HTTP09{Body: "hello from an HTTP/0.9 origin\n"},
			"hello from an HTTP/0.9 origin\n",
			map[string]any{"status": 0.0, "declared": -1.0, "sent": 0.0, "head_error": "no status line: the answer does not start with HTTP/"}),
	)
})

var _ = Describe("a load through the gateway (vegeta's constant rate)", func() {
	It("reports every request's outcome: statuses, success ratio, latency percentiles", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{})
		inject(ctx, env, &faults.Flapping{Down: 200 * time.Millisecond, Up: 200 * time.Millisecond}, faults.Options{})
		res, err := env.Load(ctx, harness.Load{Rate: 100, Duration: time.Second, Request: harness.Request{Path: "/", Timeout: 5 * time.Second}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Planned).To(Equal(100))
		// A loaded machine may send a few late, never more than planned.
		Expect(res.Requests).To(BeNumerically("~", 100, 10))
		Expect(res.Statuses).To(HaveKey("200"))
		Expect(res.Statuses).To(HaveKey("502"))
		Expect(res.SuccessRatio).To(BeNumerically(">", 0.1))
		Expect(res.SuccessRatio).To(BeNumerically("<", 0.9))
		Expect(res.StatusShare(func(s int) bool { return s == 200 || s == 502 })).To(BeNumerically("~", 1, 0.05))
		Expect(res.Latency.P50).To(BeNumerically(">", 0))
		Expect(res.Latency.P99).To(BeNumerically(">=", res.Latency.P50))
		Expect(res.Unanswered(5 * time.Second)).To(BeZero())
		Expect(res.Unanswered(0)).To(Equal(res.Requests))
		Expect(res.OriginRequests).To(BeNumerically(">=", res.Statuses["200"]), "each 200 is a request the origin read")
		Expect(res.String()).To(MatchRegexp(`^100/s for 1s: \d+ of 100 requests sent, [\d.]+% success \(200: \d+, 502: \d+\), p50 `))
		// The series counts every request by when it was sent, in 20ms
		// slices: the origin alternates, so some slices are all 502 and
		// others all 200.
		Expect(res.Started).NotTo(BeZero())
		Expect(len(res.Series)).To(BeNumerically("~", 50, 5))
		total, down, up := 0, 0, 0
		for i, sl := range res.Series {
			Expect(sl.At).To(Equal(time.Duration(i) * 20 * time.Millisecond))
			total += sl.Total()
			if sl.S5xx > 0 && sl.S2xx == 0 {
				down++
			}
			if sl.S2xx > 0 && sl.S5xx == 0 {
				up++
			}
		}
		Expect(total).To(Equal(res.Requests))
		Expect(down).To(BeNumerically(">=", 5))
		Expect(up).To(BeNumerically(">=", 5))
	})

	It("has the latency of each slice of time: p50 rises in the fault's window and falls back after it", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{})
		const delay = 150 * time.Millisecond
		// The fault holds each answer 150ms from 300ms to 700ms after it
		// is injected; before and after, the origin answers at once.
		before := time.Now()
		inject(ctx, env, &faults.DelayedHeaders{Delay: delay}, faults.Options{After: 300 * time.Millisecond, For: 400 * time.Millisecond})
		after := time.Now()
		res, err := env.Load(ctx, harness.Load{Rate: 50, Duration: 1200 * time.Millisecond, Request: harness.Request{Path: "/", Timeout: 5 * time.Second}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Series).NotTo(BeEmpty())
		var early, held, late []time.Duration // each slice's p50, by when it was sent
		count := 0
		for _, sl := range res.Series {
			Expect(sl.Latency.Count).To(Equal(sl.Total()), "every request sent in the slice")
			Expect(sl.Latency.TimedOut).To(BeZero())
			Expect(sl.Latency.P99).To(BeNumerically(">=", sl.Latency.P50))
			count += sl.Latency.Count
			if sl.Total() == 0 {
				continue
			}
			// The slice's 20ms, against the fault's window: wholly before it;
			// wholly inside it, early enough for the whole delay to pass
			// before the fault ends (clearing it answers the held requests),
			// and 50ms after its start, which a loaded machine's timer may
			// fire late (a request in the first 20ms once went out before
			// it); wholly after it.
			from, to := res.Started.Add(sl.At), res.Started.Add(sl.At+20*time.Millisecond)
			switch {
			case to.Before(before.Add(300 * time.Millisecond)):
				early = append(early, sl.Latency.P50)
			case from.After(after.Add(350*time.Millisecond)) && to.Before(before.Add(700*time.Millisecond-delay)):
				held = append(held, sl.Latency.P50)
			case from.After(after.Add(700 * time.Millisecond)):
				late = append(late, sl.Latency.P50)
			}
		}
		Expect(count).To(Equal(res.Requests))
		Expect(len(early)).To(BeNumerically(">=", 3), "slices before the fault")
		Expect(len(held)).To(BeNumerically(">=", 3), "slices in the fault's window")
		Expect(len(late)).To(BeNumerically(">=", 3), "slices after the fault")
		Expect(early).To(HaveEach(BeNumerically("<", delay/2)))
		Expect(held).To(HaveEach(BeNumerically(">=", delay)))
		Expect(late).To(HaveEach(BeNumerically("<", delay/2)))
	})

	It("counts a request abandoned at its timeout in its slice's latency, as its timeout", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{})
		inject(ctx, env, &faults.Hang{}, faults.Options{})
		const timeout = 300 * time.Millisecond
		res, err := env.Load(ctx, harness.Load{Rate: 20, Duration: 400 * time.Millisecond, Request: harness.Request{Path: "/", Timeout: timeout}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Statuses).To(Equal(map[string]int{"none": res.Requests}))
		n := 0
		for _, sl := range res.Series {
			Expect(sl.Latency.TimedOut).To(Equal(sl.Total()))
			if sl.Total() > 0 {
				Expect(sl.Latency.AtTimeout(50)).To(BeTrue())
				Expect(sl.Latency.AtTimeout(99)).To(BeTrue())
				Expect(sl.Latency.P50).To(BeNumerically("~", timeout, 100*time.Millisecond))
				Expect(sl.Latency.P99).To(BeNumerically("~", timeout, 100*time.Millisecond))
			}
			n += sl.Latency.TimedOut
		}
		Expect(n).To(Equal(res.Requests))
	})

	It("sends any method, headers and body, each request tagged with its own id", func(ctx SpecContext) {
		env := start(ctx, &harness.Builtin{})
		var mu sync.Mutex
		ids := map[string]bool{}
		env.Origin.SetRequestBehavior(func(w http.ResponseWriter, r *http.Request, _ int) bool {
			body, _ := io.ReadAll(r.Body)
			defer GinkgoRecover()
			Expect(r.Method).To(Equal("PUT"))
			Expect(r.Header.Get("X-Order")).To(Equal("42"))
			Expect(string(body)).To(Equal(`{"qty":1}`))
			mu.Lock()
			ids[r.Header.Get(harness.RequestIDHeader)] = true
			mu.Unlock()
			return false
		})
		res, err := env.Load(ctx, harness.Load{Rate: 50, Duration: 500 * time.Millisecond, Request: harness.Request{
			Method: "PUT", Path: "/", Headers: map[string]string{"X-Order": "42"}, Body: `{"qty":1}`, Timeout: 5 * time.Second}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Statuses).To(Equal(map[string]int{"200": res.Requests}))
		Expect(res.SuccessRatio).To(Equal(1.0))
		Expect(ids).To(HaveLen(res.Requests), "one id per request")
		Expect(res.OriginRequests).To(Equal(res.Requests))
	})

	It("is bounded: rate, duration and per-request timeout, and only to loopback", func(ctx SpecContext) {
		for _, l := range []harness.Load{
			{Rate: 0, Duration: time.Second},
			{Rate: harness.MaxLoadRate + 1, Duration: time.Second},
			{Rate: 10, Duration: 0},
			{Rate: 10, Duration: harness.MaxLoadDuration + time.Second},
			{Rate: 10, Duration: time.Second, Request: harness.Request{Timeout: time.Hour}},
		} {
			Expect(l.Validate()).To(HaveOccurred(), "%+v", l)
		}
		_, err := harness.RunLoad(ctx, "http://10.0.0.1:80", harness.Load{Rate: 1, Duration: time.Second}, nil)
		Expect(err).To(MatchError(ContainSubstring("loopback")))
	})
})
