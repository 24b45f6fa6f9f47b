package harness

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// templateLines maps the lines of a template's rendered output back to the
// template's own lines: lines[i] is the template line (from 1) that output
// line i+1 came from, or 0 when that cannot be told exactly. It is nil when
// nothing can be mapped.
//
// The template is parsed again and every piece of its output marked with
// the line it comes from: each line of a text node with that line, each
// action with the line of its opening {{ (an action's output counts as
// written where the action opens). Rendered with a, the marked output must
// be rendered byte for byte once the marks are taken out, or nothing is
// mapped. An output line maps to a template line when all of its text (not
// counting spaces and tabs; a blank line by its newline) came from that one
// line; a line made of pieces of several lines (joined by a trim marker, or
// an action opened on another line) maps to 0. So {{range}}, {{if}} and
// actions that span lines are followed as Go's template engine runs them,
// not guessed at.
func templateLines(name, src string, a Addresses, rendered string) []int {
	if strings.IndexByte(src, 0) >= 0 || strings.IndexByte(rendered, 0) >= 0 {
		return nil // NUL marks the lines below
	}
	t, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil
	}
	m := lineMarker{src: src}
	for i, c := range src {
		if c == '\n' {
			m.newlines = append(m.newlines, i)
		}
	}
	seen := map[*parse.ListNode]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil || seen[tt.Tree.Root] {
			continue
		}
		seen[tt.Tree.Root] = true
		if !m.mark(tt.Tree.Root) {
			return nil
		}
	}
	w := &boundedWriter{limit: maxMarkedBytes}
	if err := execute(t, w, a); err != nil {
		return nil
	}
	return originsOf(w.b.String(), rendered)
}

// maxMarkedBytes bounds a template's output with its line marks.
const maxMarkedBytes = 8 * MaxRenderedBytes

// lineMarker marks a parsed template's output with the template's lines.
type lineMarker struct {
	src      string
	newlines []int // the offsets of src's newlines
}

// line is the line (from 1) of offset pos in src.
func (m *lineMarker) line(pos int) int {
	return sort.SearchInts(m.newlines, pos) + 1
}

// mark marks the nodes of list, and reports whether it could.
func (m *lineMarker) mark(list *parse.ListNode) bool {
	if list == nil {
		return true
	}
	nodes := make([]parse.Node, 0, 2*len(list.Nodes))
	for _, n := range list.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			pos := int(n.Pos)
			if pos < 0 || pos+len(n.Text) > len(m.src) || m.src[pos:pos+len(n.Text)] != string(n.Text) {
				return false // a text node that is not a slice of the source
			}
			var b bytes.Buffer
			for i := 0; i < len(n.Text); {
				b.WriteString(lineMark(m.line(pos + i)))
				j := bytes.IndexByte(n.Text[i:], '\n')
				if j < 0 {
					b.Write(n.Text[i:])
					break
				}
				b.Write(n.Text[i : i+j+1])
				i += j + 1
			}
			n.Text = b.Bytes()
		case *parse.ActionNode:
			open := m.opening(int(n.Pos))
			if open < 0 {
				return false
			}
			nodes = append(nodes, &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: []byte(lineMark(m.line(open)))})
		case *parse.IfNode:
			if !m.mark(n.List) || !m.mark(n.ElseList) {
				return false
			}
		case *parse.RangeNode:
			if !m.mark(n.List) || !m.mark(n.ElseList) {
				return false
			}
		case *parse.WithNode:
			if !m.mark(n.List) || !m.mark(n.ElseList) {
				return false
			}
		case *parse.ListNode:
			if !m.mark(n) {
				return false
			}
		}
		nodes = append(nodes, n)
	}
	list.Nodes = nodes
	return true
}

// opening is the offset of the {{ that opens the action whose first word
// is at pos, or -1.
func (m *lineMarker) opening(pos int) int {
	i := min(pos, len(m.src))
	for i > 0 && strings.IndexByte(" \t\r\n-", m.src[i-1]) >= 0 {
		i--
	}
	if i < 2 || m.src[i-2:i] != "{{" {
		return -1
	}
	return i - 2
}

// lineMark is the mark of output from template line n.
func lineMark(n int) string { return "\x00" + strconv.Itoa(n) + "\x00" }

// originsOf reads the marks out of marked, which must then be rendered,
// and maps each output line to its template line (0: not one line).
func originsOf(marked, rendered string) []int {
	var (
		out     strings.Builder
		lines   []int
		from    = 0              // the template line of the bytes being read
		text    = map[int]bool{} // the lines the current line's text came from
		newline = map[int]bool{} // ... its spaces and newline
	)
	end := func() {
		set := text
		if len(set) == 0 {
			set = newline
		}
		n := 0
		if len(set) == 1 {
			for l := range set {
				n = l
			}
		}
		lines = append(lines, n)
		text, newline = map[int]bool{}, map[int]bool{}
	}
	for i := 0; i < len(marked); i++ {
		c := marked[i]
		if c == 0 {
			j := strings.IndexByte(marked[i+1:], 0)
			if j < 0 {
				return nil
			}
			n, err := strconv.Atoi(marked[i+1 : i+1+j])
			if err != nil {
				return nil
			}
			from = n
			i += j + 1
			continue
		}
		out.WriteByte(c)
		switch c {
		case ' ', '\t', '\r':
			newline[from] = true
		case '\n':
			newline[from] = true
			end()
		default:
			text[from] = true
		}
	}
	if len(text) > 0 || len(newline) > 0 {
		end()
	}
	if out.String() != rendered {
		return nil
	}
	return lines
}
