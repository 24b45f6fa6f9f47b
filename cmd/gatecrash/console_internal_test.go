package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestConsole runs the console in-process on a terminal as gatecrash sees
// one (process.terminal, process.columns): colour and the RUN line. That
// main sees a real terminal as one is checked once, under script(1), in
// console_test.go.
func TestConsole(t *testing.T) {
	t.Parallel()
	const pass = "PASS  builtin reference gateway / origin down answers 502 fast"
	// onTerminal runs the builtin's first scenario with flags on a
	// terminal cols columns wide (0: one that does not say), with env.
	onTerminal := func(t *testing.T, cols int, flags []string, env ...string) string {
		t.Helper()
		proc := testProcess(t, append([]string{"TERM=xterm"}, env...)...).onTerminal(cols)
		args := append(append([]string{"run"}, flags...), "--focus", "origin down answers 502 fast", builtinSuite)
		r := gatecrash(t, proc, args...)
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		return r.stdout
	}
	noEscapes := func(t *testing.T, out string) {
		t.Helper()
		if !strings.Contains(out, pass) || strings.Contains(out, "\x1b[") {
			t.Errorf("want %q and no escape sequence:\n%q", pass, out)
		}
	}
	coloured := func(t *testing.T, out string) {
		t.Helper()
		if !strings.Contains(out, "\x1b[32mPASS\x1b[0m  builtin reference gateway / origin down answers 502 fast") ||
			!regexp.MustCompile(`\x1b\[32m\d+ scenarios: 1 passed, 0 failed`).MatchString(out) {
			t.Errorf("want the verdict and the summary green:\n%q", out)
		}
	}

	t.Run("colours the verdict and the summary on a terminal", func(t *testing.T) {
		t.Parallel()
		coloured(t, onTerminal(t, 0, nil))
	})

	t.Run("colours the verdicts of -p as one worker's", func(t *testing.T) {
		t.Parallel()
		coloured(t, onTerminal(t, 0, []string{"-p", "2"}))
	})

	t.Run("shows the scenario that is running on a terminal, and replaces it with the verdict line", func(t *testing.T) {
		t.Parallel()
		run := "RUN   builtin reference gateway / origin down answers 502 fast  [refused] …"
		for _, cols := range []int{0, 120} { // 0: taken as 80
			out := onTerminal(t, cols, nil, "NO_COLOR=1")
			if want := run + "\r" + strings.Repeat(" ", len([]rune(run))) + "\r" + pass; !strings.Contains(out, want) {
				t.Errorf("%d columns: want %q in\n%q", cols, want, out)
			}
		}
	})

	t.Run("cuts the RUN line to a narrow terminal, and shows none on a very narrow one", func(t *testing.T) {
		t.Parallel()
		out := onTerminal(t, 40, nil, "NO_COLOR=1")
		run := "RUN   builtin reference gateway / or…" // 37 columns: 40 less 3
		if want := run + "\r" + strings.Repeat(" ", len([]rune(run))) + "\r" + "PASS  "; !strings.Contains(out, want) {
			t.Errorf("want %q in\n%q", want, out)
		}
		out = onTerminal(t, 5, nil, "NO_COLOR=1")
		if strings.Contains(out, "RUN ") || !strings.Contains(out, pass) {
			t.Errorf("want no RUN line, and the verdict:\n%q", out)
		}
	})

	t.Run("never colours with NO_COLOR set", func(t *testing.T) {
		t.Parallel()
		noEscapes(t, onTerminal(t, 0, nil, "NO_COLOR=1"))
	})

	t.Run("never colours with --no-color", func(t *testing.T) {
		t.Parallel()
		noEscapes(t, onTerminal(t, 0, []string{"--no-color"}))
	})

	t.Run("never colours with TERM=dumb", func(t *testing.T) {
		t.Parallel()
		noEscapes(t, onTerminal(t, 0, nil, "TERM=dumb"))
	})

	t.Run("never colours when the output is not a terminal, and shows no RUN line", func(t *testing.T) {
		t.Parallel()
		r := gatecrash(t, testProcess(t, "TERM=xterm"), "run", "--focus", "origin down answers 502 fast", builtinSuite)
		noEscapes(t, r.stdout)
		if strings.Contains(r.stdout, "RUN ") || strings.Contains(r.stdout, "\r") {
			t.Errorf("a log gets one line per scenario:\n%q", r.stdout)
		}
	})

	t.Run("a bad --label-filter with --no-color has no escape sequence, on a terminal", func(t *testing.T) {
		t.Parallel()
		// Ginkgo's parser marks where the expression went wrong with
		// colour codes, for a terminal.
		for _, filter := range []string{"((", ")", "a &&", "a ||| b", "a b c)", "/[/", "a: containsAny {b", "isEmpty(x)"} {
			for _, flags := range [][]string{{"--no-color"}, nil} {
				proc := testProcess(t, "TERM=xterm").onTerminal(80)
				if flags == nil {
					proc = testProcess(t, "TERM=xterm", "NO_COLOR=1").onTerminal(80)
				}
				r := gatecrash(t, proc, append(append([]string{"run"}, flags...), "--label-filter", filter, builtinSuite)...)
				if r.code != 2 || !strings.Contains(r.stderr, "--label-filter") || strings.Contains(r.stdout+r.stderr, "\x1b") {
					t.Errorf("%q %v: exit %d, stdout %q, stderr %q; want exit 2 and no escape sequence", filter, flags, r.code, r.stdout, r.stderr)
				}
			}
		}
	})
}
