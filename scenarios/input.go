package scenarios

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/gatecrash/gatecrash/harness"
)

// The bounds on what a suite file may be, checked before it is parsed, so
// that no input makes gatecrash block, run out of memory or print
// megabytes: a regular file (not a named pipe or /dev/zero), at most
// MaxSuiteBytes, UTF-8 text without NUL or other control characters but
// tab, newline and carriage return, nested at most MaxDepth levels
// deep (the YAML parser's memory grows fast with depth), with at most
// MaxFields fields in one block mapping (the parser's time grows with the
// square of their number: 56,000 took it 9s).
//
// A suite also has at most MaxEmptyValues empty values in block style (a
// list item "-" or a key "k:" with nothing after it): the parser inserts a
// token for each into its token list, a copy of the list each time, and
// 260,000 of them ("-" on each line of 512 KiB) took it 38s.
const (
	MaxSuiteBytes  = 512 << 10
	MaxDepth       = 100
	MaxFields      = 1000
	MaxEmptyValues = 10000
)

// maxQuote is how much of a suite's text a message quotes at most.
const maxQuote = 200

// readSuite reads a suite file within the bounds.
func readSuite(path string) ([]byte, error) {
	return harness.ReadRegularFile(path, MaxSuiteBytes)
}

// checkInput checks data within the bounds, before it is parsed, and
// returns it without a UTF-8 byte order mark (valid YAML the parser does
// not take).
func checkInput(data []byte) ([]byte, *Problem) {
	if len(data) > MaxSuiteBytes {
		return nil, &Problem{Message: fmt.Sprintf("%d bytes, more than the %d KiB a suite file may be", len(data), MaxSuiteBytes>>10)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if p := checkText(data); p != nil {
		return nil, p
	}
	if p := checkDepth(data); p != nil {
		return nil, p
	}
	return data, nil
}

// checkText finds the first byte that is not UTF-8 text: NUL, another
// control character, a byte that is not UTF-8.
func checkText(data []byte) *Problem {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return &Problem{line, col, fmt.Sprintf("byte 0x%02x is not UTF-8: a suite file is UTF-8 text (save it as UTF-8, not UTF-16 or Latin-1)", data[i])}
		case r == 0:
			return &Problem{line, col, "a NUL byte: a suite file is UTF-8 text (save it as UTF-8, not UTF-16)"}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85:
			return &Problem{line, col, fmt.Sprintf("control character %U: YAML allows none but tab and line breaks in a file; write it as an escape (\\x1b) in a double-quoted string", r)}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return nil
}

// checkDepth estimates how deeply data nests, and how many fields its
// block mappings have, cheaply and without parsing: each deeper
// indentation, each "- " starting a line and each open flow bracket is a
// level, each line at a level's indentation not starting with "- " a
// field; quoted scalars, block scalars and comments are skipped. It
// reports where MaxDepth or MaxFields is passed.
func checkDepth(data []byte) *Problem {
	var (
		indents     []int // the indentations of the block levels open
		lines       []int // the fields met so far at each of those levels
		flow        int   // the flow brackets open
		quote       byte  // the quote of the scalar being read, or 0
		blockScalar = -1  // the indentation a block scalar's lines are deeper than
		// pending is the column of the last line's "-" or "k:" with
		// nothing after it (-1: none), whose value is empty unless the
		// next line is deeper (or, after a key, a list at its column).
		pending     = -1
		pendingKey  bool
		pendingLine int
		empty       int
	)
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := bytes.TrimSpace(line[indent:])
		if blockScalar >= 0 {
			if len(rest) == 0 || indent > blockScalar {
				continue
			}
			blockScalar = -1
		}
		i := indent
		block := len(indents)
		if quote == 0 && flow == 0 {
			if len(rest) == 0 || rest[0] == '#' {
				continue
			}
			sibling := 0 // the lines before this one at its indentation, in one block
			for len(indents) > 0 && indents[len(indents)-1] >= indent {
				if indents[len(indents)-1] == indent {
					sibling = lines[len(lines)-1]
				}
				indents, lines = indents[:len(indents)-1], lines[:len(lines)-1]
			}
			if !bytes.HasPrefix(rest, []byte("- ")) && !bytes.Equal(rest, []byte("-")) {
				sibling++ // a mapping's field; a list's items cost the parser little
			}
			if sibling > MaxFields {
				return &Problem{lineNo, indent + 1, fmt.Sprintf("a mapping with more than %d fields: gatecrash reads at most %d in one mapping", MaxFields, MaxFields)}
			}
			indents, lines = append(indents, indent), append(lines, sibling)
			block = len(indents)
			for i+1 < len(line) && line[i] == '-' && (line[i+1] == ' ' || line[i+1] == '\t') {
				block++
				for i++; i < len(line) && (line[i] == ' ' || line[i] == '\t'); i++ {
				}
			}
			if i == len(line)-1 && line[i] == '-' {
				block++
			}
			if block > MaxDepth {
				return depthProblem(line, lineNo, i)
			}
			if pending >= 0 {
				if !(indent > pending || pendingKey && indent == pending && rest[0] == '-') {
					empty++
				}
				if empty > MaxEmptyValues {
					return &Problem{pendingLine, pending + 1, fmt.Sprintf("more than %d empty values (a \"-\" or a \"key:\" with nothing after it): gatecrash reads at most %d in a suite", MaxEmptyValues, MaxEmptyValues)}
				}
				pending = -1
			}
			content := line[i:]
			if c := bytes.Index(content, []byte(" #")); c >= 0 {
				content = content[:c]
			}
			if bytes.HasPrefix(content, []byte("#")) {
				content = nil
			}
			content = bytes.TrimSpace(content)
			switch {
			case bytes.Equal(content, []byte("-")), len(content) == 0 && i > indent: // "-", "- # a comment"
				pending, pendingKey, pendingLine = i, false, lineNo
			case bytes.HasSuffix(content, []byte(":")):
				pending, pendingKey, pendingLine = i, true, lineNo
			}
		}
		valueStart := true // where a flow collection, a quote or a block scalar may start
		for ; i < len(line); i++ {
			c := line[i]
			switch {
			case quote == '"':
				if c == '\\' {
					i++
				} else if c == '"' {
					quote = 0
				}
				continue
			case quote == '\'':
				if c == '\'' {
					if i+1 < len(line) && line[i+1] == '\'' {
						i++
					} else {
						quote = 0
					}
				}
				continue
			}
			switch {
			case c == ' ' || c == '\t':
				valueStart = valueStart || flow > 0 || (i > 0 && line[i-1] == ':')
				continue
			case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
				i = len(line)
				continue
			case (c == '"' || c == '\'') && valueStart:
				quote = c
			case (c == '[' || c == '{') && (valueStart || flow > 0):
				flow++
				if block+flow > MaxDepth {
					return depthProblem(line, lineNo, i)
				}
			case (c == ']' || c == '}') && flow > 0:
				flow--
			case (c == '|' || c == '>') && valueStart && flow == 0:
				blockScalar = indent
				i = len(line)
				continue
			}
			valueStart = flow > 0 && (c == '[' || c == '{' || c == ',')
		}
	}
	return nil
}

func depthProblem(line []byte, lineNo, i int) *Problem {
	return &Problem{lineNo, utf8.RuneCount(line[:i]) + 1, fmt.Sprintf("nested more than %d levels deep: gatecrash reads suites at most %d levels deep", MaxDepth, MaxDepth)}
}

// oneLine is s cut to its first line and at most maxQuote bytes, for a
// message that quotes a suite's text.
func oneLine(s string) string {
	cut := false
	if i := bytes.IndexAny([]byte(s), "\r\n"); i >= 0 {
		s, cut = s[:i], true
	}
	if len(s) > maxQuote {
		s, cut = s[:maxQuote], true
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	if cut {
		s += "…"
	}
	return s
}
