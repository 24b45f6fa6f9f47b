package reports

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// The JUnit document, shaped to validate against junit-10.xsd: that schema
// allows properties on a testsuite only, so each scenario's properties are
// written there under "<scenario>: <name>", and also as lines in the
// testcase's system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// JUnit renders results, in their order, one testsuite per suite file.
func JUnit(results []*Scenario) ([]byte, error) {
	doc := junitSuites{Name: "gatecrash"}
	index := map[string]int{}
	var suiteTime []time.Duration
	var total time.Duration
	for _, r := range results {
		key := r.File + "\x00" + r.Suite
		i, ok := index[key]
		if !ok {
			i = len(doc.Suites)
			index[key] = i
			suiteTime = append(suiteTime, 0)
			doc.Suites = append(doc.Suites, junitSuite{Name: r.Suite, File: r.File, Properties: []junitProperty{{"gateway", r.Gateway}}})
		}
		s := &doc.Suites[i]
		if s.Timestamp == "" && !r.Start.IsZero() {
			s.Timestamp = r.Start.UTC().Format("2006-01-02T15:04:05")
		}
		c := junitCase{Name: r.Name, Classname: r.Suite, Time: seconds(r.Duration)}
		var out strings.Builder
		for _, p := range r.Properties() {
			s.Properties = append(s.Properties, junitProperty{r.Name + ": " + p[0], p[1]})
			fmt.Fprintf(&out, "%s: %s\n", p[0], p[1])
		}
		c.SystemOut = out.String()
		c.SystemErr = systemErr(r)
		message := firstLine(r.Failure)
		switch r.State {
		case Failed:
			c.Failure = &junitMessage{Message: message, Type: "expectation", Text: r.Failure}
			s.Failures++
		case Errored, Interrupted:
			c.Error = &junitMessage{Message: message, Type: string(r.State), Text: r.Failure}
			s.Errors++
		case Skipped:
			c.Skipped = &junitMessage{Message: message}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
		suiteTime[i] += r.Duration
		s.Time = seconds(suiteTime[i])
		total += r.Duration
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	doc.Time = seconds(total)
	body, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(body, '\n')...), nil
}

// systemErr is a testcase's system-err: the scenario's timeline, then the
// gateway's log while it ran.
func systemErr(r *Scenario) string {
	var b strings.Builder
	if t := r.Timeline(); t != "" {
		b.WriteString("timeline (seconds from the scenario's start):\n" + t)
	}
	if r.GatewayLog != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("gateway log:\n" + r.GatewayLog)
	}
	return b.String()
}

// WriteJUnit writes the JUnit report to path, through a temporary file so a
// reader never sees half a report.
func WriteJUnit(path string, results []*Scenario) error {
	data, err := JUnit(results)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	return writeFile(path, data)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
