package faults_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the desync faults on the wire: a raw client sends
// tagged requests on one connection, as a gateway reusing it does, and
// reads every byte the origin sends, the leftover too.
var _ = Describe("response desync on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, f faults.Fault) faults.Injection {
		GinkgoHelper()
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// send writes a GET for / tagged id, kept alive.
	send := func(c rawOriginConn, id string) {
		GinkgoHelper()
		_, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: origin\r\n%s: %s\r\n\r\n", harness.RequestIDHeader, id)
		Expect(err).NotTo(HaveOccurred())
	}

	// answer reads one answer: its status, the request it names, its body.
	answer := func(br *bufio.Reader) (*http.Response, string) {
		GinkgoHelper()
		resp, err := http.ReadResponse(br, nil)
		Expect(err).NotTo(HaveOccurred())
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		return resp, string(body)
	}

	// healthy reads the origin's own answer to id, kept alive.
	healthy := func(br *bufio.Reader, id string) {
		GinkgoHelper()
		resp, body := answer(br)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Header.Get(harness.AnswerToHeader)).To(Equal(id))
		Expect(body).To(Equal("hello from the gatecrash origin\n"))
		Expect(resp.Close).To(BeFalse(), "kept alive")
	}

	// leftover reads the whole answer the origin sent after its answer to id.
	leftover := func(br *bufio.Reader, id string) {
		GinkgoHelper()
		resp, body := answer(br)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Header.Get(harness.AnswerToHeader)).To(Equal("gatecrash-leftover-of-" + id))
		Expect(body).To(HavePrefix("gatecrash-leftover-of-" + id + ": "))
	}

	// thenHealthy: the connection's next request gets the origin's own
	// answer, and nothing else is left on it.
	thenHealthy := func(c rawOriginConn, br *bufio.Reader) {
		GinkgoHelper()
		Expect(br.Buffered()).To(BeZero(), "nothing left before the next request")
		send(c, "r-2")
		healthy(br, "r-2")
		Expect(br.Buffered()).To(BeZero())
	}

	It("desync_extra_answer with no delay: the answer, then a whole leftover answer in the same write, then the next request served", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncExtraAnswer{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		healthy(br, "r-1")
		leftover(br, "r-1")
		thenHealthy(c, br)

		By("every new connection's first request, and only it")
		c2 := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br2 := bufio.NewReader(c2)
		send(c2, "r-3")
		healthy(br2, "r-3")
		leftover(br2, "r-3")
	})

	It("desync_extra_answer with a delay: the leftover comes no sooner than the delay after the answer", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncExtraAnswer{Delay: 300 * time.Millisecond})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		healthy(br, "r-1")
		answered := time.Now()
		Expect(br.Buffered()).To(BeZero(), "the answer comes alone")
		leftover(br, "r-1")
		Expect(time.Since(answered)).To(BeNumerically(">=", 250*time.Millisecond))
		thenHealthy(c, br)
	})

	It("desync_content_length_short: a Content-Length of the route's body, then a whole answer past it", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncContentLengthShort{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		resp, body := answer(br)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Header.Get("Content-Length")).To(Equal(strconv.Itoa(len("hello from the gatecrash origin\n"))))
		Expect(resp.Header.Get(harness.AnswerToHeader)).To(Equal("r-1"))
		Expect(body).To(Equal("hello from the gatecrash origin\n"))
		leftover(br, "r-1")
		thenHealthy(c, br)
	})

	It("desync_cl_te: both framings, the Content-Length ending at the chunk's size line, the chunk a whole answer", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncCLTE{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		inner := string(harness.LeftoverAnswer("r-1"))
		size := strconv.FormatInt(int64(len(inner)), 16) + "\r\n"
		head := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + harness.AnswerToHeader + ": r-1\r\nContent-Length: " +
			strconv.Itoa(len(size)) + "\r\nTransfer-Encoding: chunked\r\n\r\n"
		want := head + size + inner + "\r\n0\r\n\r\n"
		got := make([]byte, len(want))
		_, err := io.ReadFull(br, got)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(got)).To(Equal(want))
		thenHealthy(c, br)
	})

	It("desync_interim: a 103 Early Hints, then the answer, kept alive", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncInterim{Status: 103})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		Expect(br.Peek(len("HTTP/1.1 103 Early Hints\r\n"))).To(BeEquivalentTo("HTTP/1.1 103 Early Hints\r\n"))
		resp, body := answer(br) // an interim answer has no body
		Expect(resp.StatusCode).To(Equal(103))
		Expect(resp.Header.Get("Link")).To(ContainSubstring("rel=preload"))
		Expect(body).To(BeEmpty())
		healthy(br, "r-1")
		thenHealthy(c, br)
	})

	It("desync_switch_without_upgrade: a 101 to a request without Upgrade, then the answer, kept alive", func(ctx SpecContext) {
		inject(ctx, &faults.DesyncSwitchWithoutUpgrade{})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		head, err := br.ReadString('\n')
		Expect(err).NotTo(HaveOccurred())
		Expect(head).To(Equal("HTTP/1.1 101 Switching Protocols\r\n"))
		for {
			line, err := br.ReadString('\n')
			Expect(err).NotTo(HaveOccurred())
			head += line
			if line == "\r\n" {
				break
			}
		}
		Expect(head).To(ContainSubstring("Upgrade: gatecrash\r\n"))
		healthy(br, "r-1")
		thenHealthy(c, br)
	})

	It("clearing ends the poisoned connections, and the origin answers healthy again", func(ctx SpecContext) {
		in := inject(ctx, &faults.DesyncExtraAnswer{Delay: 10 * time.Millisecond})
		c := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br := bufio.NewReader(c)
		send(c, "r-1")
		healthy(br, "r-1")
		leftover(br, "r-1")
		Expect(in.Clear()).To(Succeed())
		rest, err := io.ReadAll(br)
		Expect(err).NotTo(HaveOccurred(), "a FIN")
		Expect(rest).To(BeEmpty())

		c2 := dialOrigin(env.Proxy.Addr(), 5*time.Second)
		br2 := bufio.NewReader(c2)
		send(c2, "r-3")
		healthy(br2, "r-3")
		Expect(br2.Buffered()).To(BeZero())
	})

	It("rejects parameters it cannot use, saying what was expected", func() {
		for _, c := range []struct {
			f    faults.Validator
			want string
		}{
			{&faults.DesyncExtraAnswer{Delay: -time.Second}, "delay: expected a duration from 0s to 10s; got -1s"},
			{&faults.DesyncInterim{Status: 101}, "status: expected an interim status from 100 to 199, other than 101"},
			{&faults.DesyncInterim{Status: 200}, "got 200"},
		} {
			Expect(c.f.Validate()).To(MatchError(ContainSubstring(c.want)))
		}
		Expect(strings.Count(string(harness.LeftoverAnswer("")), "untagged")).To(Equal(3))
	})
})
