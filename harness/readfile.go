package harness

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// MaxTemplateBytes is the largest config template a managed gateway may
// have.
const MaxTemplateBytes = 1 << 20

// ReadRegularFile reads the file at path, which must be a regular file of
// at most limit bytes: a named pipe, a device (/dev/zero) or a directory
// is refused at once instead of blocking or filling memory. The error
// says why, without the path (the caller names it).
func ReadRegularFile(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a named pipe with no writer would block.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, pathless(err)
	}
	defer f.Close()
	return readRegular(f, limit)
}

// ReadRegularFileIn is ReadRegularFile for a file that must stay inside
// the folder root: name is relative to root, and a name or a symbolic link
// on the way that leads out of root (../x, a link to /etc/shadow) is
// refused, however the link is spelt (os.Root does the resolving).
func ReadRegularFileIn(root, name string, limit int64) ([]byte, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, pathless(err)
	}
	defer r.Close()
	f, err := r.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if strings.Contains(err.Error(), "escapes from parent") {
			return nil, fmt.Errorf("leads out of the suite's folder %s (through a symbolic link or ..)", root)
		}
		return nil, pathless(err)
	}
	defer f.Close()
	return readRegular(f, limit)
}

// pathless is err without the path an fs.PathError names.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readRegular reads f, which must be a regular file of at most limit
// bytes.
func readRegular(f *os.File, limit int64) ([]byte, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", kindOf(info.Mode()))
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%d bytes, more than the %s allowed", info.Size(), byteSize(limit))
	}
	return readBounded(f, limit)
}

// MaxReadTime bounds reading a file: a regular file can block (root
// reading /proc/kmsg waits for the kernel's next message).
const MaxReadTime = 3 * time.Second

// readBounded reads at most limit bytes of f, within MaxReadTime when f
// can have a deadline (a file opened O_NONBLOCK that the poller takes).
func readBounded(f *os.File, limit int64) ([]byte, error) {
	_ = f.SetReadDeadline(time.Now().Add(MaxReadTime)) // ErrNoDeadline: a plain file, which never blocks
	// The size can grow while it is read: read one byte more than allowed.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("nothing more to read after %s: expected a file that can be read at once, not one that waits (such as /proc/kmsg)", MaxReadTime)
	}
	if err != nil {
		return nil, pathless(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than the %s allowed", byteSize(limit))
	}
	return data, nil
}

// kindOf names a file mode that is not a regular file's.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file: " + m.String()
}

// byteSize is n in MiB or KiB when it is a whole number of them.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
