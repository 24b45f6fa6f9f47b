package scenarios

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
)

// RunParallel runs the suite files in workers processes at once: each is
// gatecrash itself, running one slice of the scenarios (--worker k/n) with
// its own environments, ports, work dirs and gateway instances, so workers
// share no state. Their console lines are passed on whole, a scenario's
// block at a time; their JSON reports are merged in file order into the
// reports opts asks for. The exit code is the worst of the workers'.
//
// shard, when set, is the part of the run this process owns (--shard); the
// workers split that part.
func RunParallel(files []string, opts Options, shard string, workers int) int {
	out := opts.Out
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(out, "gatecrash: find own executable for the workers: %v\n", err)
		return ExitBadInput
	}
	tmp, err := harness.TempDir("workers-")
	if err != nil {
		fmt.Fprintf(out, "gatecrash: %v\n", err)
		return ExitBadInput
	}
	defer os.RemoveAll(tmp)

	var (
		mu    sync.Mutex // whole blocks of lines on out
		wg    sync.WaitGroup
		codes = make([]int, workers)
		cmds  = make([]*exec.Cmd, workers)
	)
	// Signals are passed on to the workers, and caught until the process
	// exits: one that arrives while the merged reports are written cannot
	// cut them short; it makes the exit code 130.
	var signalled atomic.Bool
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for sig := range sigs {
			signalled.Store(true)
			mu.Lock()
			for _, c := range cmds {
				if c != nil && c.Process != nil {
					_ = c.Process.Signal(sig)
				}
			}
			mu.Unlock()
		}
	}()

	for k := range workers {
		args := workerArgs(opts, shard, fmt.Sprintf("%d/%d", k+1, workers), filepath.Join(tmp, fmt.Sprintf("worker-%d.json", k+1)))
		cmd := exec.Command(self, append(args, files...)...)
		cmd.Stderr = os.Stderr
		// Workers die with this process; their own supervisors take their
		// gateways down with them.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			fmt.Fprintf(out, "gatecrash: worker %d: %v\n", k+1, err)
			return ExitBadInput
		}
		wg.Add(1)
		started := make(chan error, 1)
		go func() {
			defer wg.Done()
			// Pdeathsig follows the thread that started the child.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if err := cmd.Start(); err != nil {
				started <- err
				return
			}
			mu.Lock()
			cmds[k] = cmd
			mu.Unlock()
			started <- nil
			passBlocks(stdout, out, &mu)
			codes[k] = exitCode(cmd.Wait())
		}()
		if err := <-started; err != nil {
			fmt.Fprintf(out, "gatecrash: start worker %d: %v\n", k+1, err)
			codes[k] = ExitBadInput
		}
	}
	wg.Wait()

	var parts [][]*reports.Scenario
	for k := range workers {
		part, err := reports.ReadJSON(filepath.Join(tmp, fmt.Sprintf("worker-%d.json", k+1)))
		if err != nil {
			if codes[k] == ExitPassed || codes[k] == ExitFailed {
				fmt.Fprintf(out, "gatecrash: worker %d wrote no report: %v\n", k+1, err)
				codes[k] = ExitBadInput
			}
			continue
		}
		parts = append(parts, part)
	}
	results := reports.Merge(parts...)
	code := worst(codes)
	if err := ciReports(out, opts, results); err != nil {
		fmt.Fprintf(out, "gatecrash: %v\n", err)
		code = worst([]int{code, ExitBadInput})
	}
	reports.Summary(out, results)
	if opts.JUnit != "" {
		if err := reports.WriteJUnit(opts.JUnit, results); err != nil {
			fmt.Fprintf(out, "gatecrash: %v\n", err)
			code = worst([]int{code, ExitBadInput})
		}
	}
	if opts.JSON != "" {
		if err := reports.WriteJSON(opts.JSON, results); err != nil {
			fmt.Fprintf(out, "gatecrash: %v\n", err)
			code = worst([]int{code, ExitBadInput})
		}
	}
	if signalled.Load() {
		code = ExitInterrupted
	}
	return code
}

// workerArgs is the command line of one worker.
func workerArgs(opts Options, shard, worker, json string) []string {
	args := []string{"run", "--worker", worker, "--json", json, "--timeout", opts.Timeout.String()}
	if shard != "" {
		args = append(args, "--shard", shard)
	}
	if opts.LabelFilter != "" {
		args = append(args, "--label-filter", opts.LabelFilter)
	}
	for _, f := range opts.Focus {
		args = append(args, "--focus", f)
	}
	if opts.SkipMissingGateways {
		args = append(args, "--skip-missing-gateways")
	}
	if opts.Verbose {
		args = append(args, "-v")
	}
	return args
}

// passBlocks copies a worker's console to out a block at a time: a verdict
// line and the indented lines under it, never mixed with another worker's.
// The worker's own summary is dropped: the merged one follows. Verdicts
// are coloured as the parent's console would have them.
func passBlocks(r io.Reader, out io.Writer, mu *sync.Mutex) {
	colors := reports.Colors(out) // the worker's own output is a pipe
	var block []string
	flush := func() {
		if len(block) == 0 {
			return
		}
		mu.Lock()
		fmt.Fprint(out, strings.Join(block, ""))
		mu.Unlock()
		block = block[:0]
	}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			switch {
			case strings.HasPrefix(line, " "):
				block = append(block, line)
			case strings.TrimSpace(line) == "" || summaryLine(line):
				flush()
			default:
				flush()
				block = append(block, reports.PaintVerdict(colors, line))
			}
		}
		if err != nil {
			flush()
			return
		}
	}
}

// summaryLine reports whether line is a worker's totals ("1 scenario:
// ...", "12 scenarios: ...").
func summaryLine(line string) bool {
	return summaryPattern.MatchString(line)
}

var summaryPattern = regexp.MustCompile(`^\d+ scenarios?: `)

func exitCode(err error) int {
	if err == nil {
		return ExitPassed
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() >= 0 {
		return ee.ExitCode()
	}
	return ExitInterrupted // killed by a signal
}

// worst picks the exit code that says the most: interrupted, then bad
// input, then a failure.
func worst(codes []int) int {
	rank := map[int]int{ExitPassed: 0, ExitFailed: 1, ExitBadInput: 2, ExitInterrupted: 3}
	w := ExitPassed
	for _, c := range codes {
		if _, known := rank[c]; !known {
			c = ExitBadInput // a worker that crashed
		}
		if rank[c] > rank[w] {
			w = c
		}
	}
	return w
}

// ExitCode is the exit code a run with these results ends with.
func ExitCode(results []*reports.Scenario) int {
	code := ExitPassed
	for _, r := range results {
		switch r.State {
		case reports.Interrupted:
			code = worst([]int{code, ExitInterrupted})
		case reports.Errored:
			code = worst([]int{code, ExitBadInput})
		case reports.Failed:
			code = worst([]int{code, ExitFailed})
		}
	}
	return code
}
