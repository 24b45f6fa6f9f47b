package faults_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
)

// These specs prove the malformed-response faults on the wire: a raw client
// sends one request through the proxy and gets exactly the fault's bytes,
// then the close, with no gateway in between.
var _ = Describe("malformed responses on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	inject := func(ctx context.Context, f faults.Fault) faults.Injection {
		if v, ok := f.(faults.Validator); ok {
			Expect(v.Validate()).To(Succeed())
		}
		in, err := faults.Inject(ctx, env, f, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		return in
	}

	// exchange sends request and returns every byte that came back before
	// the origin closed, failing if the close does not come within 5s.
	exchange := func(request string) string {
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Write([]byte(request))
		Expect(err).NotTo(HaveOccurred())
		b, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "the origin closed after its answer")
		return string(b)
	}
	const get = "GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"

	DescribeTable("the origin reads the request, sends exactly these bytes and closes; clearing restores health",
		func(ctx SpecContext, name string, want string) {
			def, ok := faults.Lookup(name)
			Expect(ok).To(BeTrue(), "fault %q is registered", name)
			Expect(def.Family).To(Equal(faults.FamilyMalformed))
			in := inject(ctx, def.New())
			start := time.Now()
			Expect(exchange(get)).To(Equal(want))
			Expect(time.Since(start)).To(BeNumerically("<", 3*time.Second), "answered at once")
			Expect(env.Origin.Requests()).To(Equal(1), "the request was read before the answer")

			Expect(in.Clear()).To(Succeed())
			out := exchange(get)
			Expect(out).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
			Expect(out).To(HaveSuffix("hello from the gatecrash origin\n"))
		},
		Entry("invalid_status", "invalid_status",
			"HTTP/1.1 999 Nope\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n"),
		Entry("http09", "http09", "hello from an HTTP/0.9 origin\n"),
		Entry("header_without_colon", "header_without_colon",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Gatecrash-No-Colon\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"),
		Entry("invalid_header_chars", "invalid_header_chars",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Gatecrash-Invalid: nul\x00byte\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"),
		Entry("short_body", "short_body",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789"),
		Entry("duplicate_content_length", "duplicate_content_length",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\n0123456789"),
		Entry("invalid_chunk_size", "invalid_chunk_size",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
		Entry("chunked_cut", "chunked_cut",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n28\r\nhello from a chunked stream that is cut\n\r\n"),
		Entry("content_length_and_chunked", "content_length_and_chunked",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
	)

	It("takes its parameters: each fault's bytes follow them", func(ctx SpecContext) {
		for _, c := range []struct {
			fault faults.Fault
			want  string
		}{
			{&faults.InvalidStatus{Line: "HTTP/1.1 2000 OK"}, "HTTP/1.1 2000 OK\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n"},
			{&faults.HTTP09{Body: "<p>hi</p>"}, "<p>hi</p>"},
			{&faults.HeaderWithoutColon{Line: "Broken value"}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nBroken value\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"},
			{&faults.InvalidHeaderChars{Name: "X-Bad\x01Name", Value: "ok"}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Bad\x01Name: ok\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"},
			{&faults.ShortBody{Declared: 1000, Sent: 0}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"},
			{&faults.ShortBody{Declared: 30, Sent: 12}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n\r\n012345678901"},
			{&faults.DuplicateContentLength{First: 0, Second: 3}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nContent-Length: 3\r\n\r\n012"},
			{&faults.InvalidChunkSize{Size: "-1"}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nhello\r\n0\r\n\r\n"},
			{&faults.ChunkedCut{Body: "0123456789abcdefX"}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n0123456789abcdefX\r\n"},
			{&faults.ContentLengthAndChunked{ContentLength: 0, Body: "hi"}, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"},
		} {
			in := inject(ctx, c.fault)
			Expect(exchange(get)).To(Equal(c.want), "%T %+v", c.fault, c.fault)
			Expect(in.Clear()).To(Succeed())
		}
	})

	DescribeTable("oversized_headers: a valid 200 whose header block is exactly size bytes, in lines of at most 1 KiB",
		func(ctx SpecContext, size int) {
			f := &faults.OversizedHeaders{Size: size}
			if size == 0 {
				f = mustNew("oversized_headers").(*faults.OversizedHeaders)
				size = 64 << 10
			}
			inject(ctx, f)
			out := exchange(get)
			head, body, ok := strings.Cut(out, "\r\n\r\n")
			Expect(ok).To(BeTrue())
			Expect(len(head) + 4).To(Equal(size))
			Expect(body).To(Equal("answer with a huge header block\n"))
			lines := strings.Split(head, "\r\n")
			Expect(lines[0]).To(Equal("HTTP/1.1 200 OK"))
			Expect(lines[1]).To(Equal("Content-Type: text/plain"))
			Expect(lines[len(lines)-1]).To(Equal("Content-Length: 32"))
			pad := regexp.MustCompile(`^X-Gatecrash-Pad-(\d{5}): a+$`)
			for i, l := range lines[2 : len(lines)-1] {
				m := pad.FindStringSubmatch(l)
				Expect(m).NotTo(BeNil(), l[:min(len(l), 40)])
				Expect(m[1]).To(Equal(fmt.Sprintf("%05d", i)))
				Expect(len(l) + 2).To(BeNumerically("<=", 1024))
			}
			// It is valid HTTP: only a size limit can reject it.
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(out)), nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.ContentLength).To(Equal(int64(32)))
		},
		Entry("the default, 64 KiB", 0),
		Entry("the smallest, 1 KiB", 1024),
		Entry("a size that does not divide into lines", 5000),
	)

	// The bytes of an oversized head that are not padding lines: the status
	// line, Content-Type, Content-Length and the blank line.
	const fixed = len("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 32\r\n\r\n")

	DescribeTable("oversized_headers with line_size: padding lines of exactly that many bytes, the last holding the rest",
		func(ctx SpecContext, size, line int, want []int) {
			inject(ctx, &faults.OversizedHeaders{Size: size, LineSize: line})
			out := exchange(get)
			head, body, ok := strings.Cut(out, "\r\n\r\n")
			Expect(ok).To(BeTrue())
			Expect(len(head) + 4).To(Equal(size))
			Expect(body).To(Equal("answer with a huge header block\n"))
			lines := strings.Split(head, "\r\n")
			Expect(lines[:2]).To(Equal([]string{"HTTP/1.1 200 OK", "Content-Type: text/plain"}))
			Expect(lines[len(lines)-1]).To(Equal("Content-Length: 32"))
			pad := regexp.MustCompile(`^X-Gatecrash-Pad-(\d{5}): a+$`)
			var got []int
			for i, l := range lines[2 : len(lines)-1] {
				m := pad.FindStringSubmatch(l)
				Expect(m).NotTo(BeNil(), l[:min(len(l), 40)])
				Expect(m[1]).To(Equal(fmt.Sprintf("%05d", i)))
				got = append(got, len(l)+2)
			}
			Expect(got).To(Equal(want), "each padding line's length, CRLF included")
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(out)), nil)
			Expect(err).NotTo(HaveOccurred(), "valid HTTP: only a limit can reject it")
			Expect(resp.StatusCode).To(Equal(200))
		},
		Entry("one single line: line_size as large as size", 65536, 65536, []int{65536 - fixed}),
		Entry("8 KiB lines, the rest in the last", 65536, 8192,
			[]int{8192, 8192, 8192, 8192, 8192, 8192, 8192, 65536 - fixed - 7*8192}),
		Entry("a rest too short for a line of its own takes from the line before", fixed+2*8192+10, 8192,
			[]int{8192, 8192 - 16, 26}),
	)

	It("reads a request's body before answering, so the close does not reset the answer", func(ctx SpecContext) {
		inject(ctx, &faults.HTTP09{Body: "bare"})
		body := strings.Repeat("x", 256<<10)
		out := exchange("POST / HTTP/1.1\r\nHost: origin\r\nContent-Length: 262144\r\nConnection: close\r\n\r\n" + body)
		Expect(out).To(Equal("bare"))
	})

	It("hits only the attempts selected", func(ctx SpecContext) {
		in, err := faults.Inject(ctx, env, &faults.ShortBody{Declared: 10, Sent: 1}, faults.Options{Attempts: faults.Attempts{From: 2, To: 2}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
		Expect(exchange(get)).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
		Expect(exchange(get)).To(Equal("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0"))
		Expect(exchange(get)).To(HaveSuffix("hello from the gatecrash origin\n"))
	})
})

func mustNew(name string) faults.Fault {
	def, ok := faults.Lookup(name)
	Expect(ok).To(BeTrue(), name)
	return def.New()
}

var _ = Describe("malformed-response parameters", func() {
	It("accept the defaults", func() {
		for _, d := range faults.All() {
			if d.Family != faults.FamilyMalformed {
				continue
			}
			if v, ok := d.New().(faults.Validator); ok {
				Expect(v.Validate()).To(Succeed(), d.Name)
			}
		}
	})

	DescribeTable("reject values that would not be the fault, saying what was expected",
		func(f faults.Validator, message string) {
			Expect(f.Validate()).To(MatchError(ContainSubstring(message)))
		},
		Entry("a valid status code", &faults.InvalidStatus{Line: "HTTP/1.1 200 OK"}, "200 is a valid code"),
		Entry("a status line on two lines", &faults.InvalidStatus{Line: "HTTP/1.1 999 A\r\nB"}, "expected one line"),
		Entry("an empty HTTP/0.9 body", &faults.HTTP09{}, "at least one byte"),
		Entry("an HTTP/0.9 body that is a status line", &faults.HTTP09{Body: "HTTP/1.1 200 OK\r\n"}, "reads as a status line"),
		Entry("a header line with a colon", &faults.HeaderWithoutColon{Line: "X: y"}, "without a colon"),
		Entry("an empty header line", &faults.HeaderWithoutColon{}, "ends the header block"),
		Entry("a folded header line", &faults.HeaderWithoutColon{Line: " folded"}, "continuation"),
		Entry("a valid header", &faults.InvalidHeaderChars{Name: "X-Ok", Value: "fine\tvalue"}, "is a valid header"),
		Entry("a header name with a colon", &faults.InvalidHeaderChars{Name: "X:\x01", Value: "v"}, "without a colon"),
		Entry("a header value with a line break", &faults.InvalidHeaderChars{Name: "X", Value: "a\nb"}, "expected one line"),
		Entry("a tiny header block", &faults.OversizedHeaders{Size: 100}, "expected a header block of 1024 to"),
		Entry("a header line too short to hold one", &faults.OversizedHeaders{Size: 65536, LineSize: 10}, "line_size: expected 64 bytes up to size, 65536 (as long as size: one single line); got 10"),
		Entry("a header line longer than the block", &faults.OversizedHeaders{Size: 4096, LineSize: 65536}, "line_size: expected 64 bytes up to size, 4096"),
		Entry("more header lines than can be numbered", &faults.OversizedHeaders{Size: 64 << 20, LineSize: 64}, "line_size: 64-byte lines make 1048575 header lines of a 67108864-byte block; expected at most 99999: choose a larger line_size"),
		Entry("a body that is not short", &faults.ShortBody{Declared: 10, Sent: 10}, "fewer bytes than declared"),
		Entry("no declared length", &faults.ShortBody{Declared: 0}, "expected a Content-Length from 1"),
		Entry("agreeing lengths", &faults.DuplicateContentLength{First: 4, Second: 4}, "other than first"),
		Entry("a hex chunk size", &faults.InvalidChunkSize{Size: "1f"}, "is valid"),
		Entry("a hex chunk size with an extension", &faults.InvalidChunkSize{Size: "5;name=value"}, "is valid"),
		Entry("an empty cut chunk", &faults.ChunkedCut{}, "last-chunk"),
		Entry("a negative Content-Length", &faults.ContentLengthAndChunked{ContentLength: -1, Body: "x"}, "content_length"),
	)
})
