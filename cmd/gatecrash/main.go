// Command gatecrash proves how an HTTP gateway answers when the thing behind
// it breaks: it runs YAML suites of faults against the gateway and reports
// what the gateway did.
//
//	gatecrash run suite.yaml            run suites, print a line per scenario
//	gatecrash validate suite.yaml       check suite files, start nothing
//	gatecrash faults                    print the fault catalog
//	gatecrash probe                     run the whole catalog, print what the gateway did
//	gatecrash compare A.json B.json     put probes or run reports side by side, mark differences
//	gatecrash atlas docs/atlas/*.json   write the gateway atlas (docs/atlas.md) from probes
//	gatecrash schema                    print the suite format's JSON Schema
//	gatecrash version                   print the version
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"

	"github.com/gatecrash/gatecrash/faults"
	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios"
	"github.com/gatecrash/gatecrash/scenarios/probe"
	"github.com/gatecrash/gatecrash/scenarios/runner"
)

const usage = `gatecrash: fault injection for HTTP gateways

Usage:
  gatecrash run [flags] SUITE.yaml...    run the suites against their gateways
  gatecrash validate SUITE.yaml...       check suite files; starts nothing
  gatecrash faults [--json|--markdown]   print the fault catalog
  gatecrash merge [flags] REPORT.json... merge the JSON reports of shards
  gatecrash probe [flags]                run the whole catalog against a gateway, print a matrix
  gatecrash compare [flags] FILE.json... put probes or run reports side by side, mark what differs
  gatecrash atlas [flags] ENTRY.json...  write the gateway atlas (docs/atlas.md) from probes
  gatecrash schema                       print the JSON Schema of the suite format
  gatecrash version                      print the version

Example:
  gatecrash run --junit out/junit.xml scenarios/examples/builtin.yaml

Run "gatecrash help COMMAND" (or "gatecrash COMMAND -h") for a command's flags.
Exit codes: 0 all passed, 1 a scenario failed, 2 bad input (filters that select no
scenario too) or environment, 130 interrupted.
`

func main() {
	// A managed gateway's supervisor is gatecrash re-executed: it
	// supervises and exits here, before anything else.
	harness.RunSupervisorIfAsked()
	// Go's HTTP client logs process-wide: under the builtin gateway, its
	// lines are the gateway's.
	harness.CaptureStandardLog()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, thisProcess()))
}

// process is what a command takes from the process gatecrash runs in. main
// reads it from the real one (thisProcess); a test runs commands
// in-process, side by side, each with one of its own. Nothing below run
// reads the environment, the terminal or the signals itself.
type process struct {
	// getenv looks up an environment variable ("" when not set): NO_COLOR,
	// TERM, GITHUB_STEP_SUMMARY and GITHUB_ACTIONS.
	getenv func(string) string
	// terminal is set when stdout is a terminal.
	terminal bool
	// columns is the terminal's width as it is now (0 when it does not
	// say); used only when terminal is set.
	columns func() int
	// tempDir is where work dirs are made, and those of killed gatecrash
	// processes swept ("": os.TempDir()).
	tempDir string
	// interrupts starts catching SIGINT and SIGTERM, called once a command
	// has something to interrupt: the first one cancels ctx. They stay
	// caught until exit, so that one arriving while run writes its reports
	// cannot cut them short, or until release (probe: a second interrupt
	// then ends gatecrash at once).
	interrupts func() (ctx context.Context, release func())
}

// color reports whether the console lines on stdout are coloured: only on
// a terminal, and never with noColor (--no-color), NO_COLOR set to anything
// but "" (https://no-color.org) or TERM=dumb.
func (p *process) color(noColor bool) bool {
	return p.terminal && !noColor && p.getenv("NO_COLOR") == "" && p.getenv("TERM") != "dumb"
}

// thisProcess is the process gatecrash runs in: its environment, whether
// its stdout is a terminal and how wide, and its signals.
func thisProcess() *process {
	fd := os.Stdout.Fd()
	var once sync.Once
	var ctx context.Context
	var release func()
	return &process{
		getenv:   os.Getenv,
		terminal: isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd),
		columns: func() int {
			if ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ); err == nil {
				return int(ws.Col)
			}
			return 0
		},
		interrupts: func() (context.Context, func()) {
			once.Do(func() { ctx, release = interruptContext() })
			return ctx, release
		},
	}
}

func run(args []string, stdout, stderr io.Writer, proc *process) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return runner.ExitBadInput
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr, proc)
	case "validate":
		return validateCmd(args[1:], stdout, stderr)
	case "faults":
		return faultsCmd(args[1:], stdout, stderr)
	case "merge":
		return mergeCmd(args[1:], stdout, stderr, proc)
	case "probe":
		return probeCmd(args[1:], stdout, stderr, proc)
	case "compare":
		return compareCmd(args[1:], stdout, stderr)
	case "atlas":
		return atlasCmd(args[1:], stdout, stderr)
	case "schema":
		return schemaCmd(args[1:], stdout, stderr)
	case "version", "--version":
		return versionCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			return run([]string{args[1], "-h"}, stdout, stderr, proc)
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "gatecrash: unknown command %q\n\n%s", args[0], usage)
	return runner.ExitBadInput
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// flags is a command's flag set, with what its usage shows.
type flags struct {
	*flag.FlagSet
	synopsis, example string
}

// newFlags makes a command's flag set. parse prints its usage: to stdout
// when asked for with -h, so that "gatecrash run -h | less" shows it, and
// to stderr after a bad flag.
func newFlags(name, synopsis, example string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parse prints it, where it belongs
	return &flags{fs, synopsis, example}
}

// usage writes the synopsis, an example and the flags to w.
func (f *flags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: gatecrash %s\n\nExample:\n  %s\n\nFlags:\n", f.synopsis, f.example)
	out := f.Output()
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(out)
}

func runCmd(args []string, stdout, stderr io.Writer, proc *process) int {
	fs := newFlags("run", "run [flags] SUITE.yaml...",
		"gatecrash run --junit out/junit.xml --json out/report.json --label-filter dns scenarios/examples/builtin.yaml", stderr)
	var opts runner.Options
	var labelFilter string
	var focus stringList
	fs.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to this `path`")
	fs.StringVar(&opts.JSON, "json", "", "write a JSON report with every observation to this `path`")
	fs.StringVar(&opts.Markdown, "markdown", "", "write a Markdown summary to this `path` (also appended to $GITHUB_STEP_SUMMARY when set)")
	fs.StringVar(&opts.HTML, "html", "", "write a self-contained HTML report, a table and a timeline per scenario, to this `path`")
	fs.StringVar(&labelFilter, "label-filter", "", "run only scenarios whose labels match this Ginkgo label `expression`, such as 'dns && !slow'; selecting none is exit 2")
	fs.Var(&focus, "focus", "run only scenarios whose name, or \"suite / name\" (the suite's suite: name), matches this Go `regexp` (repeatable: any of them); selecting none is exit 2")
	fs.BoolVar(&opts.Verbose, "v", false, "also print each scenario's checks, expected against observed, under its line")
	fs.DurationVar(&opts.Timeout, "timeout", time.Hour, "stop the run after this `duration`; scenarios still running are reported as stopped (exit 2)")
	fs.BoolVar(&opts.SkipMissingGateways, "skip-missing-gateways", false, "skip the suites whose gateway command is not installed, instead of exiting 2")
	workers := fs.Int("p", 1, "run the scenarios in up to `N` parallel workers (no more than the scenarios selected), each with its own environment and gateway")
	shard := fs.String("shard", "", "run only slice `i/n` of the selected scenarios (for CI matrices; merge the JSON reports with gatecrash merge); a slice with none is exit 2")
	noColor := fs.Bool("no-color", false, "never colour the console, as NO_COLOR=1 does (colour is only ever used on a terminal)")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	var shardPart scenarios.Slice
	if *shard != "" {
		p, err := scenarios.ParseSlice(*shard)
		if err != nil {
			fmt.Fprintf(stderr, "gatecrash: --shard: %v\n", err)
			return runner.ExitBadInput
		}
		shardPart = p
	}
	if opts.Timeout <= 0 {
		fmt.Fprintf(stderr, "gatecrash: --timeout: expected a duration above 0, such as 30m; got %s\n", opts.Timeout)
		return runner.ExitBadInput
	}
	if *workers < 1 || *workers > 64 {
		fmt.Fprintf(stderr, "gatecrash: -p: expected 1 to 64 workers; got %d\n", *workers)
		return runner.ExitBadInput
	}
	opts.Out = stdout
	opts.Color = proc.color(*noColor)
	if proc.terminal {
		opts.Columns = proc.columns
	}
	opts.StepSummary = proc.getenv("GITHUB_STEP_SUMMARY")
	opts.Annotate = proc.getenv("GITHUB_ACTIONS") == "true"
	opts.TempDir = proc.tempDir
	filter, err := scenarios.NewFilter(labelFilter, focus)
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash: %v\n", err)
		return runner.ExitBadInput
	}
	suites, code := load(fs.Args(), stderr)
	if suites == nil {
		return code
	}
	// Before anything starts: a report that cannot be written is bad
	// input now, not a finding after the whole run.
	if !reportsWritable(stderr, "gatecrash", map[string]string{"--junit": opts.JUnit, "--json": opts.JSON, "--markdown": opts.Markdown, "--html": opts.HTML}) {
		return runner.ExitBadInput
	}
	scenarios.Number(suites)
	// Before anything starts: a filter that selects nothing is bad input,
	// not a green run.
	part, err := filter.Select(suites, shardPart)
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash: %v\n", err)
		return runner.ExitBadInput
	}
	sweep(stderr, proc.tempDir)
	opts.Workers = min(*workers, scenarios.Selected(part))
	ctx, _ := proc.interrupts()
	code = runner.Run(ctx, part, opts)
	if ctx.Err() != nil {
		return runner.ExitInterrupted // a signal after Run returned
	}
	return code
}

// interruptContext is a context that SIGINT or SIGTERM cancels: the
// interrupt of a command. The signals are caught from then on until the
// process exits, so that one arriving while a run's reports are written,
// or once they are, cannot cut them short, or until release is called:
// the next one then ends the process.
func interruptContext() (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for range sigs {
			cancel()
		}
	}()
	return ctx, func() { signal.Reset(syscall.SIGINT, syscall.SIGTERM) }
}

// reportsWritable checks that each report asked for, by flag, can be
// written, and prints why not for each that cannot.
func reportsWritable(stderr io.Writer, prog string, paths map[string]string) bool {
	ok := true
	for _, flag := range []string{"--junit", "--json", "--markdown", "--html"} {
		if paths[flag] == "" {
			continue
		}
		if err := reports.CheckWritable(paths[flag]); err != nil {
			fmt.Fprintf(stderr, "%s: %s: report not writable: %v\n", prog, flag, err)
			ok = false
		}
	}
	return ok
}

// sweep removes the temporary directories in dir (default: os.TempDir()) of
// earlier gatecrash processes that were killed before they could, and says
// so.
func sweep(stderr io.Writer, dir string) {
	for _, dir := range harness.SweepTempDirs(dir) {
		fmt.Fprintf(stderr, "gatecrash: removed %s, left behind by a gatecrash that was killed\n", dir)
	}
}

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", "validate SUITE.yaml...", "gatecrash validate scenarios/examples/*.yaml", stderr)
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	suites, code := load(fs.Args(), stderr)
	if suites == nil {
		return code
	}
	for _, s := range suites {
		for _, w := range s.Warnings() {
			fmt.Fprintf(stderr, "%s: warning: %s\n", s.File, w)
		}
		fmt.Fprintf(stdout, "%s: ok: suite %q, %s, gateway %s\n", s.File, s.Name, harness.Plural(len(s.Scenarios), "scenario"), s.GatewayName())
	}
	return 0
}

func faultsCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("faults", "faults [--json | --markdown]", "gatecrash faults --json", stderr)
	asJSON := fs.Bool("json", false, "print the catalog as a JSON array")
	asMarkdown := fs.Bool("markdown", false, "print the catalog as a Markdown table (the README's)")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	all := faults.All()
	if *asMarkdown {
		fmt.Fprint(stdout, faults.Markdown())
		return 0
	}
	if *asJSON {
		type entry struct {
			Name    string       `json:"name"`
			Family  string       `json:"family"`
			Summary string       `json:"summary"`
			Example string       `json:"example"`
			Params  faults.Fault `json:"defaults"`
		}
		list := make([]entry, len(all))
		for i, d := range all {
			list[i] = entry{d.Name, d.Family, d.Summary, d.Example, d.New()}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			fmt.Fprintln(stderr, "gatecrash:", err)
			return 1
		}
		return 0
	}
	width := 0
	for _, d := range all {
		width = max(width, len(d.Name))
	}
	family := ""
	for _, d := range all {
		if d.Family != family {
			family = d.Family
			fmt.Fprintf(stdout, "\n%s\n", family)
		}
		fmt.Fprintf(stdout, "  %-*s  %s\n  %-*s  fault: %s\n", width, d.Name, d.Summary, width, "", d.Example)
		if defaults := faults.Defaults(d.New()); defaults != "" {
			fmt.Fprintf(stdout, "  %-*s  defaults: %s\n", width, "", defaults)
		}
		if names := d.Options.Names(); len(names) > 0 {
			fmt.Fprintf(stdout, "  %-*s  options: %s\n", width, "", strings.Join(names, ", "))
		}
	}
	return 0
}

func mergeCmd(args []string, stdout, stderr io.Writer, proc *process) int {
	fs := newFlags("merge", "merge [--junit PATH] [--json PATH] [--markdown PATH] [--html PATH] REPORT.json...",
		"gatecrash merge --junit out/junit.xml --html out/report.html shard-*.json", stderr)
	junit := fs.String("junit", "", "write the merged JUnit XML report to this `path`")
	jsonOut := fs.String("json", "", "write the merged JSON report to this `path`")
	markdown := fs.String("markdown", "", "write the merged Markdown summary to this `path`")
	html := fs.String("html", "", "write the merged HTML report to this `path`")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "gatecrash merge: expected the JSON reports of the shards (gatecrash run --shard i/n --json ...)")
		return runner.ExitBadInput
	}
	if !reportsWritable(stderr, "gatecrash merge", map[string]string{"--junit": *junit, "--json": *jsonOut, "--markdown": *markdown, "--html": *html}) {
		return runner.ExitBadInput
	}
	var parts [][]*reports.Scenario
	for _, path := range fs.Args() {
		part, err := reports.ReadJSON(path)
		if err != nil {
			fmt.Fprintf(stderr, "gatecrash merge: %v\n", err)
			return runner.ExitBadInput
		}
		parts = append(parts, part)
	}
	results := reports.Merge(parts...)
	reports.Summary(stdout, results, proc.color(false))
	for _, w := range []struct {
		path  string
		write func(string, []*reports.Scenario) error
	}{{*junit, reports.WriteJUnit}, {*jsonOut, reports.WriteJSON}, {*markdown, reports.WriteMarkdown}, {*html, reports.WriteHTML}} {
		if w.path == "" {
			continue
		}
		if err := w.write(w.path, results); err != nil {
			fmt.Fprintf(stderr, "gatecrash merge: %v\n", err)
			return runner.ExitBadInput
		}
	}
	return runner.ExitCode(results)
}

func probeCmd(args []string, stdout, stderr io.Writer, proc *process) int {
	fs := newFlags("probe", "probe [--suite SUITE.yaml] [--faults LIST] [--after D] [--json] [--write BASELINE.yaml] [--samples N]",
		"gatecrash probe --suite scenarios/examples/nginx/suite.yaml --write nginx-baseline.yaml", stderr)
	suitePath := fs.String("suite", "", "take the gateway, origin and DNS from this suite `file` (its scenarios are not run); default: the builtin gateway")
	asJSON := fs.Bool("json", false, "print the matrix as a JSON array of {fault, status, seconds, attempts, valid_http, body_intact, met[, error][, cross_wired]}; body_intact is null when not judged, cross_wired only for a fault that sends follow-up requests")
	write := fs.String("write", "", "write a suite whose expectations are what was observed to this `path`, as a regression baseline")
	requestTimeout := fs.Duration("request-timeout", 10*time.Second, "bound each request to the gateway by this `duration`")
	samples := fs.Int("samples", probe.DefaultSamples, "observe each fault whose answer comes in under 300ms `N` times, to catch answers that vary")
	after := fs.Duration("after", 0, "send each request this `duration` after injecting the fault, once a gateway's caches expired (nginx's resolver valid=, say); the baseline keeps it")
	only := fs.String("faults", "", "probe only these faults, a comma-separated `list` of catalog names such as refused,hang,garbage; default: the whole catalog")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	var selected []string
	for _, name := range strings.Split(*only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, ok := faults.Lookup(name); !ok {
			fmt.Fprintf(stderr, "gatecrash probe: --faults: unknown fault %q; expected names from gatecrash faults, such as refused,hang,garbage\n", name)
			return runner.ExitBadInput
		}
		selected = append(selected, name)
	}
	if len(selected) == 0 && isSet(fs, "faults") {
		fmt.Fprintln(stderr, "gatecrash probe: --faults: expected at least one fault name, such as refused,hang,garbage")
		return runner.ExitBadInput
	}
	if *after < 0 {
		fmt.Fprintf(stderr, "gatecrash probe: --after: expected 0 or more; got %s\n", *after)
		return runner.ExitBadInput
	}
	if *requestTimeout <= 0 || *requestTimeout > scenarios.MaxDuration {
		fmt.Fprintf(stderr, "gatecrash probe: --request-timeout: expected a duration above 0 and at most %s (as in a suite), such as 10s; got %s\n", scenarios.MaxDuration, *requestTimeout)
		return runner.ExitBadInput
	}
	if *after > scenarios.MaxDuration {
		fmt.Fprintf(stderr, "gatecrash probe: --after: expected at most %s (as in a suite); got %s\n", scenarios.MaxDuration, *after)
		return runner.ExitBadInput
	}
	if *samples < 1 {
		fmt.Fprintf(stderr, "gatecrash probe: --samples: expected 1 or more; got %d\n", *samples)
		return runner.ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gatecrash probe: takes no arguments; name a suite with --suite %s\n", fs.Arg(0))
		return runner.ExitBadInput
	}
	source, err := probe.ReadSource(*suitePath)
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash probe: %v\n", err)
		return runner.ExitBadInput
	}
	var suite *scenarios.Suite
	if *suitePath != "" {
		suite, err = scenarios.Load(*suitePath)
	} else {
		suite, err = scenarios.Parse("probe.yaml", source)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return runner.ExitBadInput
	}
	// Before anything starts: a probe of nothing is bad input, not a
	// matrix without rows and a baseline without scenarios.
	if leftOut := probe.LeftOut(suite, selected); len(selected) > 0 && len(leftOut) == len(selected) {
		fmt.Fprintf(stderr, "gatecrash probe: --faults %s selects no fault that the gateway's suite can host:\n", *only)
		for _, s := range leftOut {
			fmt.Fprintf(stderr, "  %s: %s\n", s.Fault, s.Reason)
		}
		return runner.ExitBadInput
	}
	sweep(stderr, proc.tempDir)
	ctx, release := proc.interrupts()
	// After the first interrupt a second one ends gatecrash at once.
	context.AfterFunc(ctx, release)
	results, skipped, err := probe.Run(ctx, suite, probe.Options{
		RequestTimeout: *requestTimeout, Samples: *samples, Progress: stderr, Faults: selected, After: *after, TempDir: proc.tempDir,
	})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "gatecrash probe: %v\n", err)
		return runner.ExitBadInput
	}
	interrupted := ctx.Err() != nil
	if *asJSON {
		if results == nil {
			results = []probe.Result{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			fmt.Fprintln(stderr, "gatecrash probe:", err)
			return 1
		}
	} else {
		fmt.Fprintf(stdout, "gateway %s, %s probed, %d left out\n\n", suite.GatewayName(), harness.Plural(len(results), "fault"), len(skipped))
		probe.Matrix(stdout, results, skipped)
	}
	if interrupted {
		// What was probed is printed; a baseline of part of the catalog
		// would pass for a whole one, so none is written.
		fmt.Fprintf(stderr, "gatecrash probe: interrupted after %s", harness.Plural(len(results)+len(skipped), "fault"))
		if *write != "" {
			fmt.Fprintf(stderr, "; %s not written", *write)
		}
		fmt.Fprintln(stderr)
		return runner.ExitInterrupted
	}
	if *write != "" {
		var b strings.Builder
		name := "probe baseline: " + suite.GatewayName()
		if err := probe.Baseline(&b, source, name, results, skipped); err != nil {
			fmt.Fprintf(stderr, "gatecrash probe: %v\n", err)
			return runner.ExitBadInput
		}
		if err := os.WriteFile(*write, []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(stderr, "gatecrash probe: %v\n", err)
			return runner.ExitBadInput
		}
		fmt.Fprintf(stderr, "gatecrash probe: wrote %s (check it with gatecrash run %s)\n", *write, *write)
	}
	return 0
}

func schemaCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("schema", "schema",
		"gatecrash schema > gatecrash.schema.json   # then, atop a suite: # yaml-language-server: $schema=gatecrash.schema.json", stderr)
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gatecrash schema: takes no arguments; got %q\n", fs.Arg(0))
		return runner.ExitBadInput
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(scenarios.Schema()); err != nil {
		fmt.Fprintln(stderr, "gatecrash:", err)
		return 1
	}
	return 0
}

func versionCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("version", "version", "gatecrash version", stderr)
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	fmt.Fprintln(stdout, "gatecrash", version())
	return 0
}

// parse parses flags; ok is false when the command must end with code:
// 0 after -h (the usage on stdout), 2 after a bad flag (the error, then
// the usage, on stderr).
func parse(fs *flags, stdout io.Writer, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.usage(stdout)
			return 0, false
		}
		fs.usage(fs.Output())
		return runner.ExitBadInput, false
	}
	return 0, true
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flags, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// load loads suite files; on any problem it prints every one and returns
// nil and the exit code.
func load(paths []string, stderr io.Writer) ([]*scenarios.Suite, int) {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "gatecrash: expected at least one suite file, such as scenarios/examples/builtin.yaml")
		return nil, runner.ExitBadInput
	}
	for _, p := range paths {
		if strings.HasPrefix(p, "-") {
			fmt.Fprintf(stderr, "gatecrash: %s: flags go before the suite files, as in gatecrash run --junit out.xml suite.yaml\n", p)
			return nil, runner.ExitBadInput
		}
		if strings.TrimSpace(p) == "" {
			fmt.Fprintf(stderr, "gatecrash: %q: expected the path of a suite file, such as scenarios/examples/builtin.yaml\n", p)
			return nil, runner.ExitBadInput
		}
	}
	suites, err := scenarios.LoadAll(paths)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, runner.ExitBadInput
	}
	return suites, 0
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
