package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ownerFile marks a temporary directory gatecrash made with the process
// that owns it: its pid and start time, so a reused pid is not taken for it.
const ownerFile = ".gatecrash-owner"

// tempDirPrefix starts the names of the temporary directories gatecrash
// makes (work dirs).
const tempDirPrefix = "gatecrash-"

// TempDir makes a temporary directory named tempDirPrefix+name+random in
// parent (default: os.TempDir()), marked as this process's, so that a later
// gatecrash can remove it if this one is killed before it can
// (SweepTempDirs).
func TempDir(parent, name string) (string, error) {
	dir, err := os.MkdirTemp(parent, tempDirPrefix+name)
	if err != nil {
		return "", err
	}
	start, _ := processStart(os.Getpid())
	mark := fmt.Sprintf("%d %d\n", os.Getpid(), start)
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(mark), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// SweepTempDirs removes the temporary directories that gatecrash processes
// made and left behind because they were killed (SIGKILL gives no chance to
// clean up): those in parent (default: os.TempDir()) marked by a process
// that no longer runs. Directories without the mark are left alone. It
// returns the directories removed.
func SweepTempDirs(parent string) []string {
	if parent == "" {
		parent = os.TempDir()
	}
	dirs, _ := filepath.Glob(filepath.Join(parent, tempDirPrefix+"*"))
	var removed []string
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		var pid int
		var start uint64
		if _, err := fmt.Sscan(string(data), &pid, &start); err != nil || pid <= 0 {
			continue
		}
		if now, alive := processStart(pid); alive && now == start {
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

// processStart is when process pid started, in clock ticks after boot
// (field 22 of /proc/pid/stat), and whether it runs.
func processStart(pid int) (uint64, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 20 {
		return 0, true
	}
	start, _ := strconv.ParseUint(fields[19], 10, 64)
	return start, true
}
