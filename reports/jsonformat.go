package reports

import (
	"net/http"
	"time"

	"github.com/gatecrash/gatecrash/harness"
)

// The JSON report's file format (JSONFormat): its field names and shape
// are stable, so they are spelt here, by the package that writes and
// reads the report, and not by the harness's in-memory types. Each type
// converts from the record it stands for (toJSON) and back (record), and
// the order of its fields is the order of the keys in the file.

// jsonScenario is a Scenario in the JSON report.
type jsonScenario struct {
	Order        int                `json:"order"`
	Suite        string             `json:"suite"`
	File         string             `json:"file"`
	Line         int                `json:"line"`
	Name         string             `json:"name"`
	Labels       []string           `json:"labels,omitempty"`
	Gateway      string             `json:"gateway"`
	Fault        string             `json:"fault"`
	Params       any                `json:"params,omitempty"`
	Method       string             `json:"fault_method,omitempty"`
	Finding      string             `json:"finding,omitempty"`
	Expected     string             `json:"expected"`
	Request      *Request           `json:"request,omitempty"`
	Steady       *jsonObservation   `json:"steady,omitempty"`
	Observed     *jsonObservation   `json:"observed,omitempty"`
	FollowUps    []*jsonObservation `json:"follow_ups,omitempty"`
	FaultStart   time.Time          `json:"fault_start,omitzero"`
	FaultEnd     time.Time          `json:"fault_end,omitzero"`
	Load         *jsonLoad          `json:"load,omitempty"`
	Checks       []Check            `json:"checks,omitempty"`
	Recovery     *Recovery          `json:"recovery,omitempty"`
	GatewayAlive *bool              `json:"gateway_alive,omitempty"`
	GatewayLog   string             `json:"gateway_log,omitempty"`
	State        State              `json:"state"`
	Failure      string             `json:"failure,omitempty"`
	NotRun       bool               `json:"not_run,omitempty"`
	Start        time.Time          `json:"start"`
	Duration     time.Duration      `json:"duration_ns"`
}

func scenarioToJSON(s *Scenario) *jsonScenario {
	return &jsonScenario{
		Order: s.Order, Suite: s.Suite, File: s.File, Line: s.Line, Name: s.Name, Labels: s.Labels,
		Gateway: s.Gateway, Fault: s.Fault, Params: s.Params, Method: s.Method, Finding: s.Finding,
		Expected: s.Expected, Request: s.Request,
		Steady: observationToJSON(s.Steady), Observed: observationToJSON(s.Observed), FollowUps: observationsToJSON(s.FollowUps),
		FaultStart: s.FaultStart, FaultEnd: s.FaultEnd, Load: loadToJSON(s.Load),
		Checks: s.Checks, Recovery: s.Recovery, GatewayAlive: s.GatewayAlive, GatewayLog: s.GatewayLog,
		State: s.State, Failure: s.Failure, NotRun: s.NotRun, Start: s.Start, Duration: s.Duration,
	}
}

func (j *jsonScenario) record() *Scenario {
	return &Scenario{
		Order: j.Order, Suite: j.Suite, File: j.File, Line: j.Line, Name: j.Name, Labels: j.Labels,
		Gateway: j.Gateway, Fault: j.Fault, Params: j.Params, Method: j.Method, Finding: j.Finding,
		Expected: j.Expected, Request: j.Request,
		Steady: j.Steady.record(), Observed: j.Observed.record(), FollowUps: recordObservations(j.FollowUps),
		FaultStart: j.FaultStart, FaultEnd: j.FaultEnd, Load: j.Load.record(),
		Checks: j.Checks, Recovery: j.Recovery, GatewayAlive: j.GatewayAlive, GatewayLog: j.GatewayLog,
		State: j.State, Failure: j.Failure, NotRun: j.NotRun, Start: j.Start, Duration: j.Duration,
	}
}

// jsonObservation is a harness.Observation in the JSON report, with its
// verdict on validity and the start of its body (the body itself is not
// kept).
type jsonObservation struct {
	Start       time.Time      `json:"start"`
	Status      int            `json:"status"`
	Header      http.Header    `json:"headers,omitempty"`
	BodyBytes   int64          `json:"body_bytes"`
	BodySHA256  string         `json:"body_sha256,omitempty"`
	TTFB        time.Duration  `json:"ttfb_ns"`
	Total       time.Duration  `json:"total_ns"`
	ErrorKind   string         `json:"error_kind,omitempty"`
	Error       string         `json:"error,omitempty"`
	Timeout     time.Duration  `json:"timeout_ns,omitempty"`
	HeadBytes   int            `json:"head_bytes,omitempty"`
	ID          string         `json:"request_id,omitempty"`
	Attempts    int            `json:"attempts"`
	Connections int            `json:"connections"`
	Unaccepted  int            `json:"unaccepted_connects,omitempty"`
	Uncounted   string         `json:"attempts_uncounted,omitempty"`
	Upstream    []jsonAttempt  `json:"upstream,omitempty"`
	Integrity   *jsonIntegrity `json:"body_integrity,omitempty"`
	FaultMet    *jsonFaultMet  `json:"fault_met,omitempty"`
	CrossWired  *jsonCrossWire `json:"cross_wired,omitempty"`
	// GRPC is what the answer to a gRPC call said of it (grpc.go).
	GRPC   *jsonGRPC   `json:"grpc,omitempty"`
	Stream *jsonStream `json:"stream,omitempty"`
	// ValidHTTP is derived (harness.Observation.ValidHTTP): written, not
	// read back.
	ValidHTTP   bool   `json:"valid_http"`
	BodyExcerpt string `json:"body_excerpt,omitempty"`
}

// maxExcerpt is how much of a body the JSON report keeps.
const maxExcerpt = 1024

func observationToJSON(o *harness.Observation) *jsonObservation {
	if o == nil {
		return nil
	}
	excerpt := o.Body
	if len(excerpt) > maxExcerpt {
		excerpt = excerpt[:maxExcerpt]
	}
	return &jsonObservation{
		Start: o.Start, Status: o.Status, Header: o.Header, BodyBytes: o.BodyBytes, BodySHA256: o.BodySHA256,
		TTFB: o.TTFB, Total: o.Total, ErrorKind: string(o.ErrorKind), Error: o.Error, Timeout: o.Timeout,
		HeadBytes: o.HeadBytes, ID: o.ID, Attempts: o.Attempts, Connections: o.Connections,
		Unaccepted: o.Unaccepted, Uncounted: o.Uncounted, Upstream: attemptsToJSON(o.Upstream),
		Integrity: integrityToJSON(o.Integrity), FaultMet: metToJSON(o.FaultMet), CrossWired: crossWireToJSON(o.CrossWired), Stream: streamToJSON(o.Stream),
		ValidHTTP: o.ValidHTTP(), BodyExcerpt: string(excerpt), GRPC: grpcToJSON(o.GRPC),
	}
}

// record is the observation read back: the start of the body in Body.
func (j *jsonObservation) record() *harness.Observation {
	if j == nil {
		return nil
	}
	o := &harness.Observation{
		Start: j.Start, Status: j.Status, Header: j.Header, BodyBytes: j.BodyBytes, BodySHA256: j.BodySHA256,
		TTFB: j.TTFB, Total: j.Total, ErrorKind: harness.ErrorKind(j.ErrorKind), Error: j.Error, Timeout: j.Timeout,
		HeadBytes: j.HeadBytes, ID: j.ID, Attempts: j.Attempts, Connections: j.Connections,
		Unaccepted: j.Unaccepted, Uncounted: j.Uncounted, Integrity: j.Integrity.record(), FaultMet: j.FaultMet.record(),
		CrossWired: j.CrossWired.record(),
		GRPC:       j.GRPC.record(),
		Stream:     j.Stream.record(),
	}
	if j.BodyExcerpt != "" {
		o.Body = []byte(j.BodyExcerpt)
	}
	if j.Upstream != nil {
		o.Upstream = make([]harness.Attempt, len(j.Upstream))
		for i, a := range j.Upstream {
			o.Upstream[i] = a.record()
		}
	}
	return o
}

// observationsToJSON is a list of observations in the JSON report.
func observationsToJSON(os []*harness.Observation) []*jsonObservation {
	var out []*jsonObservation
	for _, o := range os {
		out = append(out, observationToJSON(o))
	}
	return out
}

// recordObservations is a list of observations read back.
func recordObservations(js []*jsonObservation) []*harness.Observation {
	var out []*harness.Observation
	for _, j := range js {
		out = append(out, j.record())
	}
	return out
}

// jsonCrossWire is a harness.CrossWire in the JSON report.
type jsonCrossWire struct {
	AnswerTo string `json:"answer_to"`
	Leftover bool   `json:"leftover,omitempty"`
	Detail   string `json:"detail"`
}

func crossWireToJSON(c *harness.CrossWire) *jsonCrossWire {
	if c == nil {
		return nil
	}
	return &jsonCrossWire{AnswerTo: c.AnswerTo, Leftover: c.Leftover, Detail: c.Detail}
}

func (j *jsonCrossWire) record() *harness.CrossWire {
	if j == nil {
		return nil
	}
	return &harness.CrossWire{AnswerTo: j.AnswerTo, Leftover: j.Leftover, Detail: j.Detail}
}

// jsonAttempt is a harness.Attempt in the JSON report.
type jsonAttempt struct {
	Endpoint    string        `json:"endpoint"`
	Instance    int           `json:"instance"`
	Connection  int           `json:"connection"`
	Accepted    time.Duration `json:"accepted_ns"`
	Reused      bool          `json:"reused"`
	RequestRead bool          `json:"request_read"`
	Request     time.Duration `json:"request_ns"`
	Tagged      bool          `json:"tagged"`
	Answer      *jsonAnswer   `json:"answer,omitempty"`
	Faulted     bool          `json:"faulted"`
}

func attemptsToJSON(list []harness.Attempt) []jsonAttempt {
	if list == nil {
		return nil
	}
	out := make([]jsonAttempt, len(list))
	for i, a := range list {
		out[i] = jsonAttempt{
			Endpoint: a.Endpoint, Instance: a.Instance, Connection: a.Connection, Accepted: a.Accepted,
			Reused: a.Reused, RequestRead: a.RequestRead, Request: a.Request, Tagged: a.Tagged,
			Answer: answerToJSON(a.Answer), Faulted: a.Faulted,
		}
	}
	return out
}

func (j jsonAttempt) record() harness.Attempt {
	return harness.Attempt{
		Endpoint: j.Endpoint, Instance: j.Instance, Connection: j.Connection, Accepted: j.Accepted,
		Reused: j.Reused, RequestRead: j.RequestRead, Request: j.Request, Tagged: j.Tagged,
		Answer: j.Answer.record(), Faulted: j.Faulted,
	}
}

// jsonAnswer is a harness.Answer (what the origin sent) in the JSON report.
type jsonAnswer struct {
	Status     int    `json:"status"`
	Declared   int64  `json:"declared"`
	Sent       int64  `json:"sent"`
	SHA256     string `json:"sha256"`
	Complete   bool   `json:"complete"`
	BodyError  string `json:"body_error,omitempty"`
	HeadError  string `json:"head_error,omitempty"`
	WireBytes  int64  `json:"wire_bytes,omitempty"`
	WireSHA256 string `json:"wire_sha256,omitempty"`
}

func answerToJSON(a *harness.Answer) *jsonAnswer {
	if a == nil {
		return nil
	}
	return &jsonAnswer{
		Status: a.Status, Declared: a.Declared, Sent: a.Sent, SHA256: a.SHA256, Complete: a.Complete,
		BodyError: a.BodyError, HeadError: a.HeadError, WireBytes: a.WireBytes, WireSHA256: a.WireSHA256,
	}
}

func (j *jsonAnswer) record() *harness.Answer {
	if j == nil {
		return nil
	}
	return &harness.Answer{
		Status: j.Status, Declared: j.Declared, Sent: j.Sent, SHA256: j.SHA256, Complete: j.Complete,
		BodyError: j.BodyError, HeadError: j.HeadError, WireBytes: j.WireBytes, WireSHA256: j.WireSHA256,
	}
}

// jsonIntegrity is a harness.Integrity (the verdict on the body) in the
// JSON report.
type jsonIntegrity struct {
	Verdict  string      `json:"verdict"`
	Silent   bool        `json:"silent,omitempty"`
	Origin   *jsonAnswer `json:"origin,omitempty"`
	Received int64       `json:"received"`
	Detail   string      `json:"detail"`
}

func integrityToJSON(in *harness.Integrity) *jsonIntegrity {
	if in == nil {
		return nil
	}
	return &jsonIntegrity{Verdict: string(in.Verdict), Silent: in.Silent, Origin: answerToJSON(in.Origin), Received: in.Received, Detail: in.Detail}
}

func (j *jsonIntegrity) record() *harness.Integrity {
	if j == nil {
		return nil
	}
	return &harness.Integrity{Verdict: harness.Verdict(j.Verdict), Silent: j.Silent, Origin: j.Origin.record(), Received: j.Received, Detail: j.Detail}
}

// jsonFaultMet is a harness.FaultMet (whether the fault was met, and the
// evidence) in the JSON report.
type jsonFaultMet struct {
	Verdict    string   `json:"verdict"`
	Evidence   string   `json:"evidence"`
	Faulted    int      `json:"faulted_attempts"`
	Served     int      `json:"served_attempts"`
	DNSQueries int      `json:"dns_queries"`
	DNSFaulted int      `json:"dns_faulted"`
	Share      *float64 `json:"share,omitempty"`
}

func metToJSON(m *harness.FaultMet) *jsonFaultMet {
	if m == nil {
		return nil
	}
	return &jsonFaultMet{
		Verdict: string(m.Verdict), Evidence: m.Evidence, Faulted: m.Faulted, Served: m.Served,
		DNSQueries: m.DNSQueries, DNSFaulted: m.DNSFaulted, Share: m.Share,
	}
}

func (j *jsonFaultMet) record() *harness.FaultMet {
	if j == nil {
		return nil
	}
	return &harness.FaultMet{
		Verdict: harness.MetVerdict(j.Verdict), Evidence: j.Evidence, Faulted: j.Faulted, Served: j.Served,
		DNSQueries: j.DNSQueries, DNSFaulted: j.DNSFaulted, Share: j.Share,
	}
}

// jsonLoad is a harness.LoadResult in the JSON report.
type jsonLoad struct {
	Rate              int             `json:"rate"`
	Duration          time.Duration   `json:"duration_ns"`
	Planned           int             `json:"planned"`
	Requests          int             `json:"requests"`
	Answered          int             `json:"answered"`
	SuccessRatio      float64         `json:"success_ratio"`
	Statuses          map[string]int  `json:"statuses"`
	Errors            map[string]int  `json:"errors,omitempty"`
	Latency           jsonLatency     `json:"latency"`
	Wall              time.Duration   `json:"wall_ns"`
	OriginRequests    int             `json:"origin_requests"`
	OriginConnections int             `json:"origin_connections"`
	Started           time.Time       `json:"started"`
	Series            []jsonLoadSlice `json:"series,omitempty"`
	FaultMet          *jsonFaultMet   `json:"fault_met,omitempty"`
}

// jsonLatency is a harness.Latency in the JSON report.
type jsonLatency struct {
	Min  time.Duration `json:"min_ns"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// jsonLoadSlice is a harness.LoadSlice in the JSON report.
type jsonLoadSlice struct {
	At      time.Duration    `json:"at_ns"`
	S2xx    int              `json:"2xx,omitempty"`
	S3xx    int              `json:"3xx,omitempty"`
	S4xx    int              `json:"4xx,omitempty"`
	S5xx    int              `json:"5xx,omitempty"`
	None    int              `json:"none,omitempty"`
	Latency jsonSliceLatency `json:"latency,omitzero"`
}

// jsonSliceLatency is a harness.SliceLatency in the JSON report.
type jsonSliceLatency struct {
	Count    int           `json:"count"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	TimedOut int           `json:"timed_out,omitempty"`
}

func sliceToJSON(s harness.LoadSlice) jsonLoadSlice {
	return jsonLoadSlice{At: s.At, S2xx: s.S2xx, S3xx: s.S3xx, S4xx: s.S4xx, S5xx: s.S5xx, None: s.None,
		Latency: jsonSliceLatency(s.Latency)}
}

func (j jsonLoadSlice) record() harness.LoadSlice {
	return harness.LoadSlice{At: j.At, S2xx: j.S2xx, S3xx: j.S3xx, S4xx: j.S4xx, S5xx: j.S5xx, None: j.None,
		Latency: harness.SliceLatency(j.Latency)}
}

func loadToJSON(l *harness.LoadResult) *jsonLoad {
	if l == nil {
		return nil
	}
	j := &jsonLoad{
		Rate: l.Rate, Duration: l.Duration, Planned: l.Planned, Requests: l.Requests, Answered: l.Answered,
		SuccessRatio: l.SuccessRatio, Statuses: l.Statuses, Errors: l.Errors,
		Latency: jsonLatency(l.Latency),
		Wall:    l.Wall, OriginRequests: l.OriginRequests, OriginConnections: l.OriginConnections,
		Started: l.Started, FaultMet: metToJSON(l.FaultMet),
	}
	if l.Series != nil {
		j.Series = make([]jsonLoadSlice, len(l.Series))
		for i, s := range l.Series {
			j.Series[i] = sliceToJSON(s)
		}
	}
	return j
}

func (j *jsonLoad) record() *harness.LoadResult {
	if j == nil {
		return nil
	}
	l := &harness.LoadResult{
		Rate: j.Rate, Duration: j.Duration, Planned: j.Planned, Requests: j.Requests, Answered: j.Answered,
		SuccessRatio: j.SuccessRatio, Statuses: j.Statuses, Errors: j.Errors,
		Latency: harness.Latency(j.Latency),
		Wall:    j.Wall, OriginRequests: j.OriginRequests, OriginConnections: j.OriginConnections,
		Started: j.Started, FaultMet: j.FaultMet.record(),
	}
	if j.Series != nil {
		l.Series = make([]harness.LoadSlice, len(j.Series))
		for i, s := range j.Series {
			l.Series[i] = s.record()
		}
	}
	return l
}
