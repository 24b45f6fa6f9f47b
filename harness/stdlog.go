package harness

import (
	"io"
	"log"
	"os"
	"sync"
)

// Go's HTTP client writes a few lines through the standard logger, the
// process's one, and not through a logger of its own: a pooled connection
// on which an answer arrives unasked ("Unsolicited response received on
// idle HTTP channel ..."), what the desync faults provoke. Under the
// builtin gateway they are the gateway's log lines, so CaptureStandardLog
// sends them to the log of every builtin gateway running (only one runs
// when the line concerns it, unless several suites run side by side), or
// to stderr when none runs.

var stdLog = struct {
	sync.Mutex
	running map[*Builtin]bool
}{running: map[*Builtin]bool{}}

// CaptureStandardLog makes the standard logger's lines the log lines of
// the builtin gateways running when they are written. The command line
// calls it once; a library user may too.
func CaptureStandardLog() {
	log.SetOutput(stdLogWriter{})
}

type stdLogWriter struct{}

func (stdLogWriter) Write(p []byte) (int, error) {
	stdLog.Lock()
	defer stdLog.Unlock()
	if len(stdLog.running) == 0 {
		return os.Stderr.Write(p)
	}
	for b := range stdLog.running {
		_, _ = io.WriteString(&b.logs, "gateway builtin: "+string(p))
	}
	return len(p), nil
}

// logRunning registers or unregisters b as running, for CaptureStandardLog.
func logRunning(b *Builtin, running bool) {
	stdLog.Lock()
	defer stdLog.Unlock()
	if running {
		stdLog.running[b] = true
	} else {
		delete(stdLog.running, b)
	}
}
