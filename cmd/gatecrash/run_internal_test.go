package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// gatecrash run against the builtin gateway, in-process, side by side.

func TestRun(t *testing.T) {
	t.Parallel()
	n := scenarioCount(t, builtinSuite)

	t.Run("runs the builtin example: a line per scenario, exit 0, a valid JUnit report", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		junit := filepath.Join(t.TempDir(), "out", "junit.xml")
		r := runFor(t, 26, nil, "run", "--junit", junit, builtinSuite)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		g.Expect(regexp.MustCompile(`(?m)^PASS  builtin reference gateway / `).FindAllString(r.stdout, -1)).To(HaveLen(n))
		g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("%d scenarios: %s, 0 failed", n, passedText(n, findingCount(t, builtinSuite)))))
		j := validJUnit(t, junit)
		g.Expect(j.Tests).To(Equal(n))
		g.Expect(j.Suites).To(HaveLen(1))
		g.Expect(j.Suites[0].Cases[0].Name).To(Equal("origin down answers 502 fast"))
		g.Expect(j.Suites[0].Cases[0].Classname).To(Equal("builtin reference gateway"))
		props := j.properties()
		g.Expect(props).To(HaveKeyWithValue("origin down answers 502 fast: fault", "refused"))
		g.Expect(props).To(HaveKeyWithValue("origin down answers 502 fast: observed.status", "502"))
		g.Expect(props).To(HaveKeyWithValue("hung origin answers 504 at the response timeout: observed.status", "504"))
	})

	t.Run("exits 1 on a failed expectation and shows expected against observed, in the console and the JUnit", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		suite := withChange(t, builtinSuite, tmp, "status: 502\n      within: 500ms", "status: 503\n      within: 500ms")
		junit := filepath.Join(tmp, "junit.xml")
		// One scenario: the one changed (a whole run would check nothing
		// more about the exit code).
		r := gatecrash(t, nil, "run", "--junit", junit, "--focus", "^origin down answers 502 fast$", suite)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		saysInOrder(t, r.stdout, `FAIL  builtin reference gateway / origin down answers 502 fast`, `expected status 503, observed status 502`)
		g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("0 passed, 1 failed, 0 errors, %d skipped", n-1)))
		j := validJUnit(t, junit)
		g.Expect(j.Failures).To(Equal(1))
		g.Expect(j.Suites[0].Cases[0].Failure).NotTo(BeNil())
		g.Expect(j.Suites[0].Cases[0].Failure.Message).To(ContainSubstring("expected status 503, observed status 502"))
	})

	t.Run("filters scenarios by label and by focus", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		r := runFor(t, 8, nil, "run", "--label-filter", "dns || firewall", builtinSuite)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		ran := len(regexp.MustCompile(`(?m)^PASS `).FindAllString(r.stdout, -1))
		g.Expect(ran).To(BeNumerically(">=", 2))
		g.Expect(ran).To(BeNumerically("<", n))
		g.Expect(regexp.MustCompile(`(?m)^PASS .*\[(nxdomain|blackhole)\]`).FindAllString(r.stdout, -1)).To(HaveLen(2))
		g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("%d passed, 0 failed, 0 errors, %d skipped", ran, n-ran)))

		// --focus matches a scenario's name, or "suite / name".
		for _, focus := range []string{"^garbage from the origin never", "^builtin reference gateway / garbage from", "reaches the client$"} {
			r = gatecrash(t, nil, "run", "--focus", focus, builtinSuite)
			g.Expect(r.code).To(Equal(0), "%s", r.stdout)
			g.Expect(r.stdout).To(ContainSubstring("PASS  builtin reference gateway / garbage from the origin never reaches the client  [garbage]"), focus)
			g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("1 passed, 0 failed, 0 errors, %d skipped", n-1)), focus)
		}
	})

	t.Run("exits 2 when the filters select no scenario, and starts nothing; a selection of scenarios with skip: runs", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		junit := filepath.Join(tmp, "junit.xml")
		r := gatecrash(t, nil, "run", "--junit", junit, "-p", "4", "--focus", "^orign", builtinSuite)
		g.Expect(r.code).To(Equal(2))
		g.Expect(r.stderr).To(Equal(fmt.Sprintf(`gatecrash: --focus "^orign" selects none of the %d scenarios in %s `+
			`(--focus is matched against each scenario's name and "suite / name")`+"\n", n, builtinSuite)))
		g.Expect(r.stdout).To(BeEmpty(), "nothing ran")
		g.Expect(junit).NotTo(BeAnExistingFile(), "no report of a run that tested nothing")

		suite := writeFile(t, tmp, "skip.yaml", `suite: skipping
scenarios:
  - {name: not today, fault: refused, skip: the gateway cannot yet, expect: {status: 502}}
  - {name: origin down, fault: refused, expect: {status: 502}}
`)
		r = gatecrash(t, nil, "run", "--junit", junit, "--focus", "today", suite)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		saysInOrder(t, r.stdout, `SKIP  skipping / not today \(skipped: the gateway cannot yet\)`, `SKIP  skipping / origin down \(not selected by --label-filter or --focus\)`)
		g.Expect(readJUnit(t, junit).Suites[0].Cases).To(HaveLen(2))
	})

	t.Run("stops at --timeout: the running scenario is reported as stopped, the rest as not run, the report written", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		junit := filepath.Join(t.TempDir(), "junit.xml")
		r := runFor(t, 2, nil, "run", "--timeout", "1500ms", "--junit", junit, builtinSuite)
		g.Expect(r.code).To(Equal(2), "%s", r.stdout)
		saysInOrder(t, r.stdout, `ERR   builtin reference gateway / hung origin`, `stopped: the run's --timeout was reached`, `SKIP  .*\(not run: the run's --timeout was reached\)`)
		g.Expect(validJUnit(t, junit).Errors).To(Equal(1))
	})

	t.Run("fails a scenario at its deadline, whatever the gateway keeps it waiting for", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		suite := writeFile(t, t.TempDir(), "deadline.yaml", `suite: deadline
gateway: {builtin: {response_timeout: 20s}}
scenarios:
  - name: a hung origin outlasts the scenario's deadline
    fault: hang
    deadline: 2s
    expect: {status: 504}
  - name: the next scenario still runs
    fault: refused
    expect: {status: 502}
`)
		r := runFor(t, 2, nil, "run", suite)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		g.Expect(r.took).To(BeNumerically("<", 15*time.Second), "not the gateway's 20s")
		saysInOrder(t, r.stdout, `FAIL  deadline / a hung origin outlasts the scenario's deadline`, `the scenario did not finish within its deadline`, `PASS  deadline / the next scenario still runs`)
	})

	t.Run("says once that gatecrash's own request timeout ended the request, in the console, the JUnit and the JSON", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		suite := writeFile(t, tmp, "own-timeout.yaml", `suite: own timeout
gateway: {builtin: {response_timeout: 20s}}
scenarios:
  - name: a hung origin outlasts gatecrash's request timeout
    fault: hang
    request: {timeout: 1s}
    expect: {status: 504, between: [1.9s, 2.5s]}
`)
		junit, jsonPath := filepath.Join(tmp, "junit.xml"), filepath.Join(tmp, "report.json")
		r := gatecrash(t, nil, "run", "--junit", junit, "--json", jsonPath, suite)
		g.Expect(r.code).To(Equal(1), "%s", r.stdout)
		const gaveUp = "gatecrash gave up after its request timeout of 1s; the gateway had sent nothing"
		failure := gaveUp + "\nexpected status 504, observed no answer\nexpected an answer between 1.9s and 2.5s, observed no answer"
		g.Expect(r.stdout).To(MatchRegexp(`FAIL  own timeout / a hung origin outlasts gatecrash's request timeout  \[hang\]  .* \| observed no answer: ` + gaveUp))
		g.Expect(r.stdout).To(ContainSubstring("      " + strings.ReplaceAll(failure, "\n", "\n      ") + "\n"))
		g.Expect(r.stdout).NotTo(ContainSubstring("deadline"))

		j := validJUnit(t, junit)
		c := j.Suites[0].Cases[0]
		g.Expect(c.Failure).NotTo(BeNil())
		g.Expect(c.Failure.Message).To(Equal(gaveUp))
		g.Expect(c.Failure.Text).To(Equal(failure))
		g.Expect(j.properties()).To(HaveKeyWithValue("a hung origin outlasts gatecrash's request timeout: observed.error", "timeout: "+gaveUp))

		sc := readReport(t, jsonPath).Scenarios[0]
		g.Expect(sc.Failure).To(Equal(failure))
		g.Expect(sc.Observed.ErrorKind).To(Equal("timeout"))
		g.Expect(sc.Observed.Error).To(Equal(gaveUp))
		g.Expect(sc.Observed.Timeout).To(Equal(time.Second.Nanoseconds()))
	})

	t.Run("exits 2 when the gateway cannot start, with the reason, or skips it when asked to", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		tmp := t.TempDir()
		suite := withChange(t, nginxSuite, tmp, "command: [nginx,", "command: [gatecrash-no-such-gateway,")
		proc := testProcess(t)
		r := gatecrash(t, proc, "run", suite)
		g.Expect(r.code).To(Equal(2))
		g.Expect(r.stdout).To(ContainSubstring(`command "gatecrash-no-such-gateway": exec: "gatecrash-no-such-gateway": executable file not found`))
		g.Expect(leftovers(proc)).To(BeEmpty(), "no work dir left")

		junit := filepath.Join(tmp, "junit.xml")
		r = gatecrash(t, nil, "run", "--skip-missing-gateways", "--junit", junit, suite)
		g.Expect(r.code).To(Equal(0), "%s", r.stdout)
		g.Expect(r.stdout).To(MatchRegexp(`SKIP  nginx reverse proxy / origin down answers 502 fast \(gateway command gatecrash-no-such-gateway is not installed`))
		nginx := scenarioCount(t, nginxSuite)
		g.Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("%d scenarios: 0 passed, 0 failed, 0 errors, %d skipped", nginx, nginx)))
		g.Expect(readJUnit(t, junit).Suites[0].Cases[0].Skipped).NotTo(BeNil())
	})
}

// TestInterrupt: the interrupt a command gets from its process (main's
// comes from SIGINT or SIGTERM, tested with signals in safety_test.go)
// stops a run or a probe: exit 130, what ran reported, the rest not.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--focus", "^hung origin answers 504", builtinSuite}, "INTR  builtin reference gateway / hung origin answers 504 at the response timeout"},
		{[]string{"probe", "--faults", "hang"}, "gatecrash probe: interrupted after 0 faults"},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			t.Parallel()
			proc := testProcess(t)
			interrupt := proc.interruptible()
			laneSchedule.acquire(2)
			defer laneSchedule.release()
			// Into the hang (2s at the builtin's response timeout).
			time.AfterFunc(time.Second, interrupt)
			r := runInLane(t, proc, c.args...)
			if r.code != 130 || !strings.Contains(r.stdout+r.stderr, c.want) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 130 and %q", c.args, r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
}
