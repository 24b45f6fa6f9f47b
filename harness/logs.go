package harness

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// LogMark is a place in a gateway's logs: one offset per log source.
type LogMark []int64

// maxLogWindow caps how much of one source a window returns.
const maxLogWindow = 1 << 20

// logSources are what a gateway writes: the output gatecrash captures
// (stdout and stderr, or the builtin's log) and log files it reads, such
// as nginx's error.log. Windows of them are attached to failures.
type logSources struct {
	mu     sync.Mutex
	output bytes.Buffer
	files  []string // absolute paths
}

// Write appends to the captured output.
func (l *logSources) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.output.Write(p)
}

// all is everything written so far.
func (l *logSources) all() string {
	text, _ := l.since(nil)
	return text
}

// since returns what was written after mark (nil: since the start), with
// each file's lines prefixed by its name, and the mark to read on from.
func (l *logSources) since(mark LogMark) (string, LogMark) {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := make(LogMark, 1+len(l.files))
	var b strings.Builder
	from := int64(0)
	if len(mark) > 0 {
		from = min(mark[0], int64(l.output.Len()))
	}
	out := l.output.Bytes()[from:]
	if len(out) > maxLogWindow {
		out = out[len(out)-maxLogWindow:]
	}
	b.Write(out)
	next[0] = int64(l.output.Len())
	for i, path := range l.files {
		from := int64(0)
		if len(mark) > i+1 {
			from = mark[i+1]
		}
		text, end := readFrom(path, from)
		next[i+1] = end
		name := filepath.Base(path)
		for _, line := range strings.SplitAfter(text, "\n") {
			if line != "" {
				fmt.Fprintf(&b, "%s: %s", name, line)
			}
		}
		if text != "" && !strings.HasSuffix(text, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String(), next
}

// readFrom reads a log file from offset on (from the start again when the
// file was truncated or replaced), at most maxLogWindow bytes of its end.
// Only a regular file is read: a named pipe or a device in its place
// would block or never end.
func readFrom(path string, offset int64) (string, int64) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", 0
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return "", offset
	}
	size := info.Size()
	if size < offset {
		offset = 0
	}
	offset = max(offset, size-maxLogWindow)
	data, _ := io.ReadAll(io.NewSectionReader(f, offset, size-offset))
	return string(data), size
}
