package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// StartError is a managed gateway that did not start: it exited, it did
// not pass its readiness probe, or it daemonized. It carries what the
// gateway wrote and, when Managed.KeepConfig asked for it, where its
// rendered config files were kept: the work dir that held them is removed
// with the rest of the environment.
type StartError struct {
	// Gateway is the gateway's name.
	Gateway string
	// Reason says what went wrong ("it exited during start-up (exit status
	// 1)", "readiness probe ...").
	Reason string
	// Output is the end of what the gateway wrote (stdout, stderr and its
	// log files), at most MaxStartOutputLines lines.
	Output string
	// Lines map the rendered files' lines the output names to the lines
	// of their templates: "nginx.conf:17 is nginx/nginx.conf.tmpl:15".
	Lines []string
	// Kept is the directory the rendered config files were copied to, ""
	// when none was; KeepErr says why not when keeping failed.
	Kept    string
	KeepErr error
}

func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gateway %s did not start: %s; its output:\n%s", e.Gateway, e.Reason, indent(e.Output))
	for _, l := range e.Lines {
		b.WriteString("\n" + l)
	}
	switch {
	case e.Kept != "":
		fmt.Fprintf(&b, "\nthe rendered config is kept at %s (the work dir is removed)", e.Kept)
	case e.KeepErr != nil:
		fmt.Fprintf(&b, "\nthe rendered config could not be kept: %v", e.KeepErr)
	}
	return b.String()
}

// MaxStartOutputLines and MaxStartOutputBytes bound how much of a gateway's
// output a StartError holds: its end, where a gateway that gives up says
// why.
const (
	MaxStartOutputLines = 40
	MaxStartOutputBytes = 8 << 10
)

// tail is the end of output, at most MaxStartOutputLines lines and
// MaxStartOutputBytes bytes, saying how many lines it leaves out.
func tail(output string) string {
	output = strings.TrimRight(output, "\n")
	lines := strings.Split(output, "\n")
	if output == "" {
		return ""
	}
	size, keep := 0, 0
	for i := len(lines) - 1; i >= 0 && keep < MaxStartOutputLines; i-- {
		if size+len(lines[i])+1 > MaxStartOutputBytes {
			if keep == 0 { // one long line: its end
				lines[i] = "..." + lines[i][len(lines[i])-MaxStartOutputBytes:]
				keep = 1
			}
			break
		}
		size += len(lines[i]) + 1
		keep++
	}
	kept := strings.Join(lines[len(lines)-keep:], "\n")
	if left := len(lines) - keep; left > 0 {
		return fmt.Sprintf("(%s before these left out)\n%s", Plural(left, "line"), kept)
	}
	return kept
}

// renderedFile is a config file rendered from a template into the work
// dir.
type renderedFile struct {
	name     string // in the work dir
	template string // the template's path
	src      string // the template
	data     []byte
}

// MaxKeptFiles and MaxKeptBytes bound what is kept of a gateway that did
// not start (each file is at most MaxRenderedBytes already).
const (
	MaxKeptFiles = 32
	MaxKeptBytes = 8 << 20
)

// keepConfig copies files into a new directory, readable by this user only,
// named gatecrash-failed-<name>-* in parent (the work dir's; "":
// os.TempDir()), and returns its path.
// Files past MaxKeptFiles or MaxKeptBytes are left out, and a note in the
// directory names them.
func keepConfig(parent, name string, files []renderedFile) (string, error) {
	dir, err := os.MkdirTemp(parent, "gatecrash-failed-"+safeName(name)+"-")
	if err != nil {
		return "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	defer root.Close()
	var left []string
	total := 0
	for i, f := range files {
		if i >= MaxKeptFiles || total+len(f.data) > MaxKeptBytes {
			left = append(left, f.name)
			continue
		}
		total += len(f.data)
		if err := writeNew(root, f.name, f.data); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if len(left) > 0 {
		note := fmt.Sprintf("Not kept, past %d files or %s: %s\n", MaxKeptFiles, byteSize(MaxKeptBytes), strings.Join(left, ", "))
		_ = writeNew(root, "NOT-KEPT.txt", []byte(note))
	}
	return dir, nil
}

// writeNew writes a new file (never an existing one, nor through a link)
// in root, readable by its owner only: a config may hold secrets.
func writeNew(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// safeName is name for a file name: letters, digits, '.', '_' and '-' kept,
// runs of anything else one '-', at most 40 bytes.
func safeName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range name {
		ok := c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')
		switch {
		case ok:
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-.")
	}
	if s == "" {
		return "gateway"
	}
	return s
}

// maxMappedLines bounds how many of the rendered lines an output names
// are mapped back to their templates.
const maxMappedLines = 10

// mapLines finds, in a gateway's output, the places in its rendered files
// it names (file:line, as nginx, HAProxy and Caddy write them, or "line N
// of file", as Apache httpd does), and says which template line each came
// from: "nginx.conf:17 is nginx/nginx.conf.tmpl:15". A file is named by
// its path in workDir or by its bare name (not another file's of that
// name elsewhere). A line that cannot be mapped exactly is left out.
func mapLines(output, workDir string, files []renderedFile, a Addresses) []string {
	type place struct {
		file *renderedFile
		line int
		at   int // where the output names it
	}
	var places []place
	for i := range files {
		f := &files[i]
		name := regexp.QuoteMeta(f.name)
		full := regexp.QuoteMeta(filepath.Join(workDir, f.name))
		// The bare name must not end another path: /etc/nginx/nginx.conf.
		for _, re := range []*regexp.Regexp{
			regexp.MustCompile(`(?:^|[\s\[("'=,])(?:` + full + `|` + name + `):(\d+)\b`),
			regexp.MustCompile(`\bline (\d+) of (?:` + full + `|` + name + `)(?:$|[\s:;,.)\]'"])`),
		} {
			for _, m := range re.FindAllStringSubmatchIndex(output, -1) {
				n, err := strconv.Atoi(output[m[2]:m[3]])
				if err == nil && n > 0 {
					places = append(places, place{f, n, m[0]})
				}
			}
		}
	}
	slices.SortStableFunc(places, func(x, y place) int { return x.at - y.at })
	var out []string
	seen := map[string]bool{}
	lines := map[*renderedFile][]int{}
	for _, p := range places {
		key := p.file.name + ":" + strconv.Itoa(p.line)
		if seen[key] || len(out) >= maxMappedLines {
			continue
		}
		seen[key] = true
		m, ok := lines[p.file]
		if !ok {
			m = templateLines(p.file.template, p.file.src, a, string(p.file.data))
			lines[p.file] = m
		}
		if p.line <= len(m) && m[p.line-1] > 0 {
			out = append(out, fmt.Sprintf("%s is %s:%d", key, p.file.template, m[p.line-1]))
		}
	}
	return out
}
