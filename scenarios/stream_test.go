package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
)

var _ = Describe("stream requests and expectations", func() {
	It("turn request.websocket and request.sse into the harness's stream, with defaults", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+`  - name: ws
    fault: ws_stall
    request: {path: /ws/, websocket: {read_for: 1s}}
    expect: {stream: {upgraded: true, messages: {min: 0, max: 2}, still_open: true}}
  - name: sse
    fault: sse_stall
    request: {path: /sse/, sse: {}}
    expect: {stream: {events: 2, open_for: {at_least: 1s}}}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Scenarios[0].Request.Harness().Stream).To(Equal(&harness.StreamRequest{Kind: harness.StreamWebSocket, Messages: 3, ReadFor: time.Second}))
		Expect(s.Scenarios[1].Request.Harness().Stream).To(Equal(&harness.StreamRequest{Kind: harness.StreamSSE}))
	})

	DescribeTable("reject what cannot be judged or sent, at its place",
		func(scenario, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(header+"  - name: a\n    fault: ws_stall\n"+scenario))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("a stream expectation on a plain request", "    request: {path: /}\n    expect: {stream: {upgraded: true}}\n",
			"bad.yaml:6:22: scenarios[0].expect.stream: judges a stream: add request.websocket or request.sse"),
		Entry("both kinds", "    request: {path: /ws/, websocket: {}, sse: {}}\n    expect: {status: 101}\n",
			"scenarios[0].request: expected one of websocket or sse, not both"),
		Entry("a POST", "    request: {path: /ws/, method: POST, websocket: {}}\n    expect: {status: 101}\n",
			"scenarios[0].request.method: a stream is opened with a GET"),
		Entry("with a load", "    request: {path: /ws/, websocket: {}}\n    load: {rate: 10, duration: 1s}\n    expect: {success_ratio: 1}\n",
			"scenarios[0].load: a load sends plain requests"),
		Entry("a read_for past the timeout", "    request: {path: /ws/, timeout: 1s, websocket: {read_for: 2s}}\n    expect: {status: 101}\n",
			"scenarios[0].request.timeout: expected more than the stream's read_for (2s)"),
		Entry("events on a WebSocket", "    request: {path: /ws/, websocket: {}}\n    expect: {stream: {events: 1}}\n",
			"scenarios[0].expect.stream.events: judges server-sent events"),
		Entry("tunneled on events", "    request: {path: /sse/, sse: {}}\n    expect: {stream: {tunneled: false}}\n",
			"scenarios[0].expect.stream.tunneled: judges a WebSocket"),
		Entry("a close code out of range", "    request: {path: /ws/, websocket: {}}\n    expect: {stream: {close_code: 99}}\n",
			"scenarios[0].expect.stream.close_code: expected a WebSocket close code from 1000 to 4999"),
		Entry("a count that is no count", "    request: {path: /ws/, websocket: {}}\n    expect: {stream: {messages: many}}\n",
			"scenarios[0].expect.stream.messages: expected a count such as 3, or {min: 1, max: 3}"),
		Entry("an empty open_for", "    request: {path: /ws/, websocket: {}}\n    expect: {stream: {open_for: {}}}\n",
			"scenarios[0].expect.stream.open_for: expected at_least, within or both"),
		Entry("an unknown field", "    request: {path: /ws/, websocket: {mesages: 2}}\n    expect: {status: 101}\n",
			`unknown field "mesages" (did you mean "messages"?)`),
	)

	It("judge what the client saw of the stream, expected against observed", func() {
		s, err := scenarios.Parse("ok.yaml", []byte(header+`  - name: ws
    fault: ws_no_switch
    request: {path: /ws/, websocket: {}}
    expect: {stream: {upgraded: false, tunneled: false, close_code: 1006, bytes_at_least: 10}}
`))
		Expect(err).NotTo(HaveOccurred())
		obs := harness.Observation{Status: 200, Stream: &harness.StreamObservation{Kind: harness.StreamWebSocket, Probed: true, Tunneled: true, Bytes: 12}}
		rec := &reports.Scenario{}
		failures := s.Scenarios[0].Expect.Checks().Judge(scenarios.OnRequest, obs, rec)
		Expect(failures).To(ConsistOf(
			ContainSubstring("expected nothing tunneled to the origin, observed status 200"),
			ContainSubstring("expected close code 1006"),
		))
		Expect(failures[0]).To(ContainSubstring("not upgraded, 12 bytes, ended after 0s, tunneled to the origin"))
		Expect(rec.Checks).To(HaveLen(4))
	})
})
