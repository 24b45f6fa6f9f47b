package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// writeFile writes data to path atomically: a reader sees the old file or
// the whole new one. The temporary file is created beside path under a
// random name with O_EXCL (os.CreateTemp), so a symlink another user
// planted in a shared directory is never followed, and it is synced before
// it is renamed over path (which replaces a symlink at path itself, never
// its target). On any failure the temporary file is removed.
func writeFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Reports carry no secrets (see Redact): readable as any output file.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return nil
}

// CheckWritable reports whether a report can be written to path, before a
// run starts: its directory exists or can be made, a file can be created
// in it, and path is not a directory. The error says which of them failed.
func CheckWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s: is a directory; expected a file path", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: cannot make its directory %s: %v", path, dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: cannot create a file in %s: %v", path, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
