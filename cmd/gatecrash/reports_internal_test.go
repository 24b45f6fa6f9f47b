package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// What the in-process tests read of a run: its reports, and its console.

const junitXSD = "../../reports/testdata/junit-10.xsd"

// requireTool skips the test when a tool is not installed, unless the tool
// is listed in GATECRASH_REQUIRE (as CI does): then its absence fails it.
func requireTool(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	for _, name := range strings.Split(os.Getenv("GATECRASH_REQUIRE"), ",") {
		if name == tool {
			t.Fatalf("%s is required (GATECRASH_REQUIRE) but not installed", tool)
		}
	}
	t.Skipf("%s is not installed", tool)
}

// A JUnit report as CI systems read it.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
			SystemErr string `xml:"system-err"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// validJUnit validates a JUnit report against the schema (with xmllint)
// and reads it.
func validJUnit(t testing.TB, path string) junitReport {
	t.Helper()
	requireTool(t, "xmllint")
	if out, err := exec.Command("xmllint", "--noout", "--schema", junitXSD, path).CombinedOutput(); err != nil || !strings.Contains(string(out), "validates") {
		t.Fatalf("xmllint %s: %v\n%s", path, err, out)
	}
	return readJUnit(t, path)
}

// readJUnit reads a JUnit report.
func readJUnit(t testing.TB, path string) junitReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r junitReport
	if err := xml.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// properties are a JUnit report's properties by name.
func (r junitReport) properties() map[string]string {
	props := map[string]string{}
	for _, s := range r.Suites {
		for _, p := range s.Properties {
			props[p.Name] = p.Value
		}
	}
	return props
}

// report is the part of the JSON report the tests read.
type report struct {
	Format  string `json:"format"`
	Summary struct {
		Scenarios, Passed, Failed, Errors, Skipped, Interrupted int
	} `json:"summary"`
	Scenarios []struct {
		Order       int    `json:"order"`
		File        string `json:"file"`
		Name        string `json:"name"`
		State       string `json:"state"`
		Failure     string `json:"failure"`
		FaultMethod string `json:"fault_method"`
		Observed    *struct {
			FaultMet *struct {
				Verdict string `json:"verdict"`
			} `json:"fault_met"`
			Status    int    `json:"status"`
			ValidHTTP bool   `json:"valid_http"`
			Attempts  int    `json:"attempts"`
			ErrorKind string `json:"error_kind"`
			Error     string `json:"error"`
			Timeout   int64  `json:"timeout_ns"`
			Upstream  []struct {
				Tagged      bool `json:"tagged"`
				RequestRead bool `json:"request_read"`
			} `json:"upstream"`
			Integrity *struct {
				Verdict  string `json:"verdict"`
				Silent   bool   `json:"silent"`
				Received int64  `json:"received"`
				Origin   *struct {
					Declared int64 `json:"declared"`
					Sent     int64 `json:"sent"`
				} `json:"origin"`
			} `json:"body_integrity"`
		} `json:"observed"`
		Load *struct {
			FaultMet *struct {
				Verdict string `json:"verdict"`
			} `json:"fault_met"`
			Requests     int            `json:"requests"`
			SuccessRatio float64        `json:"success_ratio"`
			Statuses     map[string]int `json:"statuses"`
			Latency      map[string]int64
		} `json:"load"`
		Checks []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
		} `json:"checks"`
		GatewayAlive *bool `json:"gateway_alive"`
	} `json:"scenarios"`
}

// readReport reads a JSON report, which must parse whole.
func readReport(t testing.TB, path string) report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r.Format != "gatecrash-report/1" {
		t.Fatalf("%s: format %q", path, r.Format)
	}
	return r
}

// withChange copies a suite (and its templates) into dir with one edit
// (none when old is "": a plain copy).
func withChange(t testing.TB, suite, dir, old, new string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(suite))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmpl") {
			data, err := os.ReadFile(filepath.Join(filepath.Dir(suite), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, e.Name(), string(data))
		}
	}
	data, err := os.ReadFile(suite)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s holds no %q", suite, old)
	}
	return writeFile(t, dir, filepath.Base(suite), strings.Replace(string(data), old, new, 1))
}

// saysInOrder checks that out matches each pattern, each after the last
// (as gbytes.Say reads a stream).
func saysInOrder(t testing.TB, out string, patterns ...string) {
	t.Helper()
	rest := out
	for _, p := range patterns {
		loc := regexp.MustCompile(p).FindStringIndex(rest)
		if loc == nil {
			t.Errorf("want %q (after the patterns before it) in:\n%s", p, out)
			return
		}
		rest = rest[loc[1]:]
	}
}

// notPassed is the lines of a run's console output about the scenarios
// that did not pass, each with its indented details.
func notPassed(out string) string {
	var b strings.Builder
	keep := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "FAIL  "), strings.HasPrefix(line, "ERR   "), strings.HasPrefix(line, "INTR  "):
			keep = true
		case !strings.HasPrefix(line, "  "):
			keep = false
		}
		if keep {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
