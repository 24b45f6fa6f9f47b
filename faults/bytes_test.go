package faults_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/scenarios"
)

// These specs load each parameter a fault sends on the wire from a suite
// that writes it under !!binary, and check that the origin sends the
// decoded bytes, not their base64: bytes that are not UTF-8, which no YAML
// string can hold.
var _ = Describe("!!binary parameters on the wire", func() {
	var env *harness.Environment

	BeforeEach(func(ctx SpecContext) { env = startEnv(ctx) })

	// load parses a suite whose one scenario has the fault name with
	// parameter field written as !!binary of raw, and injects it.
	load := func(ctx context.Context, name, field string, raw []byte) {
		suite := fmt.Sprintf("suite: b\nscenarios:\n  - name: a\n    fault: {%s: {%s: !!binary %s}}\n    expect: {status: 502}\n",
			name, field, base64.StdEncoding.EncodeToString(raw))
		s, err := scenarios.Parse("b.yaml", []byte(suite))
		Expect(err).NotTo(HaveOccurred())
		in, err := faults.Inject(ctx, env, s.Scenarios[0].Fault.Fault, faults.Options{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Clear)
	}

	// exchange sends a GET through the proxy and returns all that came back
	// before the origin closed.
	exchange := func() string {
		conn, err := net.DialTimeout("tcp", env.Proxy.Addr(), time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"))
		Expect(err).NotTo(HaveOccurred())
		b, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "the origin closed after its answer")
		return string(b)
	}

	DescribeTable("the origin sends the decoded bytes, exactly where the parameter goes",
		func(ctx SpecContext, name, field, raw, want string) {
			load(ctx, name, field, []byte(raw))
			Expect(exchange()).To(Equal(want))
		},
		Entry("garbage.bytes", "garbage", "bytes", "\xff\xfeSSH\r\n", "\xff\xfeSSH\r\n"),
		Entry("http09.body", "http09", "body", "\x00\xff<p>", "\x00\xff<p>"),
		Entry("chunked_cut.body", "chunked_cut", "body", "\xff\x80\x00",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\xff\x80\x00\r\n"),
		Entry("content_length_and_chunked.body", "content_length_and_chunked", "body", "\xfe\xff",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\xfe\xff\r\n0\r\n\r\n"),
		Entry("header_without_colon.line", "header_without_colon", "line", "X-\xff\xfe",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-\xff\xfe\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"),
		Entry("invalid_chunk_size.size", "invalid_chunk_size", "size", "\xff\xfe",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n\xff\xfe\r\nhello\r\n0\r\n\r\n"),
		Entry("invalid_header_chars.name", "invalid_header_chars", "name", "X-\xff",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-\xff: nul\x00byte\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"),
		Entry("invalid_header_chars.value", "invalid_header_chars", "value", "\x7f\xff",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Gatecrash-Invalid: \x7f\xff\r\nContent-Length: 28\r\n\r\nanswer with a broken header\n"),
		Entry("invalid_status.line", "invalid_status", "line", "HTTP/1.1 2\xff0 OK",
			"HTTP/1.1 2\xff0 OK\r\nContent-Type: text/plain\r\nContent-Length: 35\r\n\r\nanswer with an invalid status code\n"),
		Entry("origin_error.body", "origin_error", "body", "\xff\xfe\x00",
			"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\n\xff\xfe\x00"),
	)

	It("tls_plaintext.bytes: the TLS port answers the ClientHello with the decoded bytes", func(ctx SpecContext) {
		raw := "\xff\xfeplain\r\n"
		load(ctx, "tls_plaintext", "bytes", []byte(raw))
		conn, err := net.DialTimeout("tcp", env.Addresses().OriginTLS, time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		rec := &recordingConn{Conn: conn}
		Expect(tls.Client(rec, &tls.Config{InsecureSkipVerify: true}).Handshake()).NotTo(Succeed())
		rest, err := io.ReadAll(conn)
		Expect(err).NotTo(HaveOccurred(), "the origin closed after its answer")
		Expect(rec.read.String() + string(rest)).To(Equal(raw))
	})
})

var _ = Describe("Bytes in JSON", func() {
	It("is a string when it is UTF-8 text, and {\"binary\": base64} otherwise, so the JSON stays valid and exact", func() {
		text, err := json.Marshal(&faults.Garbage{Bytes: "SSH-2.0\r\n\x01é"})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(text)).To(Equal(`{"bytes":"SSH-2.0\r\n\u0001é"}`))

		binary, err := json.Marshal(&faults.Garbage{Bytes: "SSH\xff\xfe"})
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Valid(binary)).To(BeTrue())
		Expect(string(binary)).To(Equal(`{"bytes":{"binary":"U1NI//4="}}`))
	})
})
