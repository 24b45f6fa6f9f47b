package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/template"
	"time"
)

// Managed is a gateway that gatecrash starts and stops: a command run
// without a shell, with config templates rendered into its work dir.
//
// The command runs under a small supervisor (gatecrash itself, re-executed)
// that leads a process group of its own and dies with gatecrash: when
// gatecrash exits or is killed, even with SIGKILL, the supervisor kills the
// whole group, so no gateway process (nor a worker it forked) is left.
type Managed struct {
	// Label names the gateway in reports (default: the command's base name).
	Label string
	// Command is the argv; each element is a template like the config files.
	Command []string
	// Templates are config files rendered into the work dir under their
	// base name without a .tmpl suffix.
	Templates []string
	// TemplateRoot, when set, is the folder every template must stay in
	// (a suite's folder): a template that leads out of it, by .. or by a
	// symbolic link, is refused instead of read.
	TemplateRoot string
	// Env adds environment variables (values are templates too).
	Env map[string]string
	// Ready says when the gateway is ready.
	Ready *Readiness
	// StopGrace is how long a gateway has to exit after SIGTERM before it is
	// killed (default 5s).
	StopGrace time.Duration
	// LogFiles are log files the gateway writes (templates; relative to the
	// work dir), read into failure reports with its output.
	LogFiles []string
	// Abort, when closed, cuts a graceful stop short: the run was
	// interrupted and nobody should wait out StopGrace.
	Abort <-chan struct{}
	// KeepConfig, when set, keeps the rendered config files of a gateway
	// that did not start (it exited, failed its readiness probe or
	// daemonized) for the user to look at: they are copied into a new
	// directory gatecrash-failed-<KeepConfig>-* beside its work dir (under
	// Config.TempDir, by default os.TempDir()), which
	// the StartError names. The work dir is removed all the same. Nothing
	// is kept when the start was cancelled (ctx ended).
	KeepConfig string

	url  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	// exiting is closed when the gateway's own process has exited (the
	// supervisor may still be stopping what it left).
	exiting chan struct{}
	err     error // how it exited, valid after done

	logs logSources

	// self and handshake, when set, replace the program re-executed as
	// the supervisor (os.Executable) and supervisorHandshake: for tests
	// of a program that does not act as one.
	self      string
	handshake time.Duration
}

// Name is the label or the command's base name.
func (g *Managed) Name() string {
	if g.Label != "" {
		return g.Label
	}
	if len(g.Command) > 0 {
		return filepath.Base(g.Command[0])
	}
	return "managed"
}

// Render renders the templates and the command for a, without starting
// anything: what Start would run.
func (g *Managed) Render(a Addresses) (argv []string, files map[string][]byte, err error) {
	argv, rendered, err := g.render(a)
	if err != nil {
		return nil, nil, err
	}
	files = make(map[string][]byte, len(rendered))
	for _, f := range rendered {
		files[f.name] = f.data
	}
	return argv, files, nil
}

// render is Render with each file's template.
func (g *Managed) render(a Addresses) (argv []string, files []renderedFile, err error) {
	for _, path := range g.Templates {
		src, err := g.readTemplate(path)
		if err != nil {
			return nil, nil, fmt.Errorf("gateway %s: %w", g.Name(), &TemplateError{Name: path, Err: err})
		}
		out, err := renderTemplate(path, string(src), a)
		if err != nil {
			return nil, nil, fmt.Errorf("gateway %s: %w", g.Name(), err)
		}
		files = append(files, renderedFile{name: strings.TrimSuffix(filepath.Base(path), ".tmpl"), template: path, src: string(src), data: []byte(out)})
	}
	for i, arg := range g.Command {
		out, err := renderTemplate(fmt.Sprintf("command[%d]", i), arg, a)
		if err != nil {
			return nil, nil, fmt.Errorf("gateway %s: %w", g.Name(), err)
		}
		argv = append(argv, out)
	}
	if len(argv) == 0 {
		return nil, nil, fmt.Errorf("gateway %s: empty command", g.Name())
	}
	// The environment's values are templates too: render them here, so
	// that what Start would run fails here first.
	for _, k := range slices.Sorted(maps.Keys(g.Env)) {
		if _, err := renderTemplate("env "+k, g.Env[k], a); err != nil {
			return nil, nil, fmt.Errorf("gateway %s: %w", g.Name(), err)
		}
	}
	return argv, files, nil
}

// readTemplate reads a template file, inside TemplateRoot when set.
func (g *Managed) readTemplate(path string) ([]byte, error) {
	if g.TemplateRoot == "" {
		return ReadRegularFile(path, MaxTemplateBytes)
	}
	rel, err := filepath.Rel(g.TemplateRoot, path)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("not inside the suite's folder %s", g.TemplateRoot)
	}
	return ReadRegularFileIn(g.TemplateRoot, rel, MaxTemplateBytes)
}

// TemplateError is a template (a config file, or an element of the
// command) that cannot be read, does not parse or does not render.
type TemplateError struct {
	// Name is the template file's path, or command[i] / env NAME.
	Name string
	Err  error
}

func (e *TemplateError) Error() string { return fmt.Sprintf("template %s: %v", e.Name, e.Err) }

func (e *TemplateError) Unwrap() error { return e.Err }

func renderTemplate(name, src string, a Addresses) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", &TemplateError{name, err}
	}
	w := &boundedWriter{limit: MaxRenderedBytes}
	if err := execute(t, w, a); err != nil {
		return "", &TemplateError{name, err}
	}
	return w.b.String(), nil
}

// execute renders t with a into w, bounded in time. A template can loop
// ({{range 1000000000}}) or call itself through others, ten times at each
// of ten levels: a few lines that would render gigabytes, or run for
// hours. Its output is bounded (by w), and so is its time; past that the
// rendering stops at its next write (one that writes nothing runs on in
// the background, to the process's end).
func execute(t *template.Template, w *boundedWriter, a Addresses) error {
	done := make(chan error, 1)
	go func() { done <- t.Execute(w, a) }()
	timer := time.NewTimer(MaxRenderTime)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		w.stopped.Store(true)
		return fmt.Errorf("rendering takes more than %s; expected a template that renders at once (a loop or a recursion without end?)", MaxRenderTime)
	}
}

// MaxRenderTime and MaxRenderedBytes bound what rendering a template
// (a config file, an element of the command, an environment value) may
// take.
const (
	MaxRenderTime    = 2 * time.Second
	MaxRenderedBytes = MaxTemplateBytes
)

// boundedWriter is a template's output, refused past limit bytes or once
// stopped.
type boundedWriter struct {
	b       strings.Builder
	limit   int
	stopped atomic.Bool
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.stopped.Load() {
		return 0, errors.New("stopped")
	}
	if w.b.Len()+len(p) > w.limit {
		return 0, fmt.Errorf("renders more than %s; expected a template of a config file or an argument", byteSize(int64(w.limit)))
	}
	return w.b.Write(p)
}

// Start renders the configs into a.WorkDir, starts the command and waits
// until the readiness probe passes, the process exits, or the deadline.
//
// The command runs under the running program re-executed as its
// supervisor, so that program must call RunSupervisorIfAsked first thing
// (in main, or in a test package's TestMain); when it does not, Start
// fails with an error that says so instead of waiting on it.
func (g *Managed) Start(ctx context.Context, a Addresses) error {
	if os.Getenv(superviseEnv) == "1" {
		// Re-executed to supervise, this process ran on instead (a
		// test binary runs its tests): starting gateways from here would
		// re-execute it again, without end.
		return fmt.Errorf("gateway %s: this process was started to supervise a gateway (%s=1) and did not act as one: %s", g.Name(), superviseEnv, callSupervisor)
	}
	argv, files, err := g.render(a)
	if err != nil {
		return err
	}
	for _, f := range files {
		// Only the gateway's user reads its config: it may hold secrets.
		if err := os.WriteFile(filepath.Join(a.WorkDir, f.name), f.data, 0o600); err != nil {
			return fmt.Errorf("gateway %s: write config: %w", g.Name(), err)
		}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("gateway %s: command %q: %w", g.Name(), argv[0], err)
	}
	self := g.self
	if self == "" {
		if self, err = os.Executable(); err != nil {
			return fmt.Errorf("gateway %s: find own executable for the supervisor: %w", g.Name(), err)
		}
	}
	cmd := exec.Command(self, append([]string{path}, argv[1:]...)...)
	cmd.Args[0] = "gatecrash-supervise"
	cmd.Dir = a.WorkDir
	cmd.Env = append(os.Environ(), superviseEnv+"=1", fmt.Sprintf("%s=%d", superviseGraceEnv, g.grace().Milliseconds()))
	for k, v := range g.Env {
		out, err := renderTemplate("env "+k, v, a)
		if err != nil {
			return fmt.Errorf("gateway %s: %w", g.Name(), err)
		}
		cmd.Env = append(cmd.Env, k+"="+out)
	}
	for _, f := range g.LogFiles {
		path, err := RenderLogPath(f, a)
		if err != nil {
			return fmt.Errorf("gateway %s: %w", g.Name(), err)
		}
		g.logs.files = append(g.logs.files, path)
	}
	cmd.Stdout, cmd.Stderr = &g.logs, &g.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	// A gateway that daemonizes behind our back keeps the output pipe open;
	// do not wait for it once the supervisor is gone.
	cmd.WaitDelay = time.Second
	// The supervisor writes to this pipe the moment the gateway's process
	// exits, before it stops what is left: a daemonizing gateway's daemon
	// may already answer the readiness probe by then.
	exitR, exitW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("gateway %s: %w", g.Name(), err)
	}
	defer exitW.Close()
	cmd.ExtraFiles = []*os.File{exitW}
	cmd.Env = append(cmd.Env, superviseExitFDEnv+"=3")
	g.cmd, g.done, g.exiting = cmd, make(chan struct{}), make(chan struct{})
	handshake := make(chan bool, 1)
	go func() {
		// The supervisor's handshake first, then a byte when the gateway
		// exits; EOF at either when the supervisor is gone.
		b := make([]byte, 1)
		n, _ := exitR.Read(b)
		handshake <- n == 1 && b[0] == superviseHello
		if n == 1 {
			_, _ = exitR.Read(b)
		}
		exitR.Close()
		close(g.exiting)
	}()

	// Pdeathsig fires when the thread that started the child exits, so start
	// it from a locked thread that lives as long as the child.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		g.err = cmd.Wait()
		close(g.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("gateway %s: start %s: %w", g.Name(), argv[0], err)
	}
	// The supervisor has its copy: EOF now means it is gone.
	exitW.Close()
	if err := g.awaitHandshake(ctx, handshake, self); err != nil {
		return err
	}
	g.url = "http://" + a.Listen
	alive := func() error {
		select {
		case <-g.exiting:
			// Its output is whole once the supervisor is gone.
			select {
			case <-g.done:
			case <-time.After(g.grace() + 2*time.Second):
			}
			return &exitedError{g.err, g.Logs()}
		default:
			return nil
		}
	}
	if err := g.Ready.wait(ctx, g.url, alive); err != nil {
		_ = g.Stop()
		return g.notStarted(ctx, a, files, err)
	}
	// A daemonizing gateway's first process exits as its daemon starts to
	// answer: the probe may pass a moment before the supervisor, having
	// stopped the daemon, reports the exit.
	select {
	case <-g.exiting:
		err := alive()
		_ = g.Stop()
		return g.notStarted(ctx, a, files, err)
	case <-time.After(startSettle):
	}
	return nil
}

// notStarted is the StartError of a gateway that did not start, why: the
// end of its output, the template lines of the rendered lines it names,
// and its rendered config kept when KeepConfig asks for it and ctx has
// not ended. Call it once the gateway was stopped.
func (g *Managed) notStarted(ctx context.Context, a Addresses, files []renderedFile, why error) error {
	e := &StartError{Gateway: g.Name(), Reason: why.Error(), Output: tail(g.Logs())}
	var exited *exitedError
	if errors.As(why, &exited) {
		e.Reason = exited.reason()
	}
	// Two templates of one base name: the work dir held the last.
	var written []renderedFile
	for i, f := range files {
		if !slices.ContainsFunc(files[i+1:], func(g renderedFile) bool { return g.name == f.name }) {
			written = append(written, f)
		}
	}
	files = written
	e.Lines = mapLines(e.Output, a.WorkDir, files, a)
	if g.KeepConfig != "" && len(files) > 0 && ctx.Err() == nil {
		// Beside the work dir: in Config.TempDir, when the caller chose one.
		e.Kept, e.KeepErr = keepConfig(filepath.Dir(a.WorkDir), g.KeepConfig, files)
	}
	return e
}

// startSettle is how long a gateway must stay up after its readiness probe
// passed for its start to count.
const startSettle = 100 * time.Millisecond

// supervisorHandshake is how long the re-executed program has to say it
// supervises: a program that did not call RunSupervisorIfAsked runs on as
// itself (a test binary runs its tests), and is stopped after this.
const supervisorHandshake = 10 * time.Second

// callSupervisor says how a program acts as the supervisor it is asked to be.
const callSupervisor = "a program that starts managed gateways must call harness.RunSupervisorIfAsked() first thing in main, and a test package that does in its TestMain"

// awaitHandshake waits for the supervisor's hello. A program that exits
// without it, or does not say it in time, did not act as the supervisor:
// its process group is killed and the error says what to call. When ctx
// ends first, the readiness probe that follows says so.
func (g *Managed) awaitHandshake(ctx context.Context, hello <-chan bool, self string) error {
	within := cmp.Or(g.handshake, supervisorHandshake)
	var why string
	select {
	case ok := <-hello:
		if ok {
			return nil
		}
		why = "exited without acting as one"
	case <-time.After(within):
		why = fmt.Sprintf("did not say it supervises within %s", within)
	case <-ctx.Done():
		return nil
	}
	pgid := g.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-g.done:
	case <-time.After(5 * time.Second):
	}
	return fmt.Errorf("gateway %s: %s, re-executed to supervise it (%s=1), %s: %s; its output:\n%s",
		g.Name(), self, superviseEnv, why, callSupervisor, indent(g.Logs()))
}

// RenderLogPath renders a managed gateway's log file (a template, relative
// to the work dir) with a, and refuses a path outside the work dir: what a
// log holds goes into reports, so it must not be any file on the machine.
func RenderLogPath(log string, a Addresses) (string, error) {
	path, err := renderTemplate("logs", log, a)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(a.WorkDir, path)
	}
	if rel, err := filepath.Rel(a.WorkDir, path); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("log %s: %s is outside the work dir %s", log, path, a.WorkDir)
	}
	return path, nil
}

// exitedError is a gateway that exited while it was starting: how, and
// what it had written by then.
type exitedError struct {
	err    error
	output string
}

func (e *exitedError) Error() string { return e.reason() }

// reason says why the gateway is gone, for a StartError.
func (e *exitedError) reason() string {
	if strings.Contains(e.output, daemonizedText) {
		return "it " + strings.TrimPrefix(daemonizedText, "the gateway ") + "; gatecrash stopped it"
	}
	return fmt.Sprintf("it exited during start-up (%v)", e.err)
}

func (g *Managed) grace() time.Duration {
	if g.StopGrace > 0 {
		return g.StopGrace
	}
	return 5 * time.Second
}

// URL is the gateway's address.
func (g *Managed) URL() string { return g.url }

// Logs is what the gateway wrote to stdout, stderr and its log files.
func (g *Managed) Logs() string {
	g.awaitOutput()
	return g.logs.all()
}

// LogsSince is what the gateway wrote after mark.
func (g *Managed) LogsSince(mark LogMark) (string, LogMark) {
	g.awaitOutput()
	return g.logs.since(mark)
}

// awaitOutput waits, once the gateway's process has exited, until its
// output is whole: what it wrote just before it died (a crash's last
// words) may still be in the pipe, read to the end once its supervisor is
// gone, which then follows at once.
func (g *Managed) awaitOutput() {
	if g.exiting == nil || g.cmd == nil || g.cmd.Process == nil {
		return // never started
	}
	select {
	case <-g.exiting:
		select {
		case <-g.done:
		case <-time.After(g.grace() + 2*time.Second):
		}
	default:
	}
}

// Alive reports whether the gateway process is still running.
func (g *Managed) Alive() bool {
	if g.done == nil {
		return false
	}
	select {
	case <-g.exiting:
		return false
	default:
		return true
	}
}

// Stop asks the gateway to stop (SIGTERM to its supervisor, which passes it
// on) and kills its process group when it has not exited in time.
func (g *Managed) Stop() error {
	if g.cmd == nil || g.cmd.Process == nil {
		return nil
	}
	pgid := g.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-g.done:
	case <-g.Abort:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		select {
		case <-g.done:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("gateway %s: supervisor %d did not exit after SIGKILL", g.Name(), pgid)
		}
	case <-time.After(g.grace() + 2*time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		select {
		case <-g.done:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("gateway %s: supervisor %d did not exit after SIGKILL", g.Name(), pgid)
		}
	}
	// Whatever the gateway forked and left behind goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (nothing)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

const (
	superviseEnv      = "GATECRASH_SUPERVISE"
	superviseGraceEnv = "GATECRASH_SUPERVISE_GRACE_MS"
	// superviseExitFDEnv names the descriptor the supervisor writes a byte
	// to when the gateway's process exits.
	superviseExitFDEnv = "GATECRASH_SUPERVISE_EXIT_FD"
)

// superviseHello is the supervisor's first byte on the exit report
// descriptor: the handshake that says it acts as one.
const superviseHello = 'S'

// RunSupervisorIfAsked makes this process the supervisor of a managed
// gateway when it was started as one: Managed.Start re-executes the
// running program (gatecrash, or a test binary) with GATECRASH_SUPERVISE=1
// to run the gateway's command. When asked, it supervises and exits the
// process with the gateway's status, and never returns; otherwise it
// returns false at once.
//
// Call it first thing in main, before flags are parsed, and in the TestMain
// of every test package that starts managed gateways. A program that does
// not is found out: Start fails with an error that names this function.
func RunSupervisorIfAsked() bool {
	if os.Getenv(superviseEnv) != "1" {
		return false
	}
	os.Exit(supervise(os.Args[1:]))
	return true // not reached
}

// supervise runs argv in this process group and makes sure the group dies
// with it: on SIGTERM/SIGINT (sent by Stop, or by the kernel when gatecrash
// dies) it passes SIGTERM on, waits the grace period, then kills the group.
func supervise(argv []string) int {
	// The exit report: one *os.File for the descriptor, whose finalizer
	// closes it.
	var report *os.File
	if fd, err := strconv.Atoi(os.Getenv(superviseExitFDEnv)); err == nil {
		report = os.NewFile(uintptr(fd), "exit report")
		// The handshake: Start waits for it before the readiness probe.
		_, _ = report.Write([]byte{superviseHello})
		// Open until this process exits: its closing says the supervisor
		// is gone.
		defer runtime.KeepAlive(report)
	}
	if len(argv) == 0 {
		return 2
	}
	grace := 5 * time.Second
	var ms int64
	if _, err := fmt.Sscan(os.Getenv(superviseGraceEnv), &ms); err == nil && ms > 0 {
		grace = time.Duration(ms) * time.Millisecond
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	// gatecrash may have died before the death signal was armed.
	parent := os.Getppid()
	if parent == 1 {
		return 1
	}
	// A gateway that daemonizes forks, calls setsid and lets its first
	// process exit: the daemon leaves our process group, and would be
	// reparented to init, out of reach. As a subreaper, this process
	// adopts it instead, so descendants() still finds it.
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	// The exit report is this process's alone, not the gateway's.
	if report != nil {
		syscall.CloseOnExec(int(report.Fd()))
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.Env = withoutSupervise(os.Environ())
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "gatecrash: start %s: %v\n", argv[0], err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	killGroup := func() {
		killDescendants()
		_ = syscall.Kill(-os.Getpid(), syscall.SIGKILL)
	}
	select {
	case err := <-done:
		if report != nil {
			_, _ = report.Write([]byte{1})
		}
		// Workers the gateway forked would outlive it: end them, but let
		// this process exit with the gateway's own status.
		if daemonized(err == nil) {
			fmt.Fprintf(os.Stderr, "gatecrash: %s\n", daemonizedText)
		}
		killDescendants()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			fmt.Fprintf(os.Stderr, "gatecrash: gateway %s exited: %v\n", filepath.Base(argv[0]), err)
			return exit.ExitCode()
		}
		if err != nil {
			return 1
		}
		return 0
	case <-sigs:
		_ = cmd.Process.Signal(syscall.SIGTERM)
		// When gatecrash itself is gone (killed, or it gave up waiting), a
		// death signal comes again, and nobody waits for a graceful stop:
		// cut the grace short.
		deadline := time.NewTimer(grace)
		defer deadline.Stop()
		for waiting := true; waiting; {
			if os.Getppid() != parent {
				deadline.Reset(min(grace, time.Second))
				parent = -1 // shortened once
			}
			select {
			case <-done:
				waiting = false
			case <-deadline.C:
				waiting = false
			case <-sigs:
			}
		}
		killGroup() // also ends this process
		return 1
	}
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (Linux 3.4).
const prSetChildSubreaper = 36

// daemonizedText is what the supervisor says of a gateway that left the
// foreground; Managed finds it in the output to name the cause.
const daemonizedText = "the gateway daemonized: its command must stay in the foreground, e.g. nginx -g 'daemon off;'"

// proc is one live process as /proc/<pid>/stat shows it.
type proc struct{ pid, ppid, pgrp int }

// processes lists the live processes (zombies left out).
func processes() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces or ')'.
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		var state string
		p := proc{pid: pid}
		if _, err := fmt.Sscan(string(stat[i+1:]), &state, &p.ppid, &p.pgrp); err != nil || state == "Z" || state == "X" {
			continue
		}
		out = append(out, p)
	}
	return out
}

// descendants are the live processes whose parent chain leads to this one:
// the gateway, what it forked, and (this process being a subreaper) what
// daemonized and was orphaned.
func descendants() []proc {
	all := processes()
	parent := make(map[int]int, len(all))
	for _, p := range all {
		parent[p.pid] = p.ppid
	}
	self := os.Getpid()
	var out []proc
	for _, p := range all {
		for q, hops := p.ppid, 0; q > 1 && hops < len(all); q, hops = parent[q], hops+1 {
			if q == self {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// daemonized reports, once the gateway's process exited (exitedOK: with
// status 0), whether it went into the background: a descendant left this
// process group (setsid), or the process exited cleanly leaving others
// running (the daemon may not have called setsid yet).
func daemonized(exitedOK bool) bool {
	for _, p := range descendants() {
		if exitedOK || p.pgrp != os.Getpid() {
			return true
		}
	}
	return false
}

// killDescendants SIGKILLs every descendant, in this process group or not,
// until none is left, and reaps those that became this process's children.
// Call it once the gateway's own process was waited for (or when exiting
// anyway): reaping takes any child.
func killDescendants() {
	for range 100 {
		left := descendants()
		for _, p := range left {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		for {
			var ws syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func withoutSupervise(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, superviseEnv) {
			out = append(out, kv)
		}
	}
	return out
}
