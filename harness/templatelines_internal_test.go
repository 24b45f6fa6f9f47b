package harness

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTemplateLines: each rendered line maps to the template line it came
// from, through ranges, conditions, trim markers, defined templates and
// actions over several lines; a line made of pieces of several template
// lines maps to nothing (0).
func TestTemplateLines(t *testing.T) {
	a := Addresses{Listen: "127.0.0.1:8080", Origins: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, WorkDir: "/w"}
	for _, c := range []struct {
		name, src string
		want      []int
	}{
		{"plain text", "a\nb\n\nc\n", []int{1, 2, 3, 4}},
		{"no final newline", "a\nb", []int{1, 2}},
		{"an action inside a line", "x\nlisten {{.Listen}};\npid {{.WorkDir}}/p;\n", []int{1, 2, 3}},
		{"a range with trim markers, as the nginx example's upstream",
			"upstream o {\n{{- range .Origins}}\n    server {{.}};\n{{- end}}\n    keepalive 32;\n}\n",
			[]int{1, 3, 3, 3, 5, 6}},
		{"a range without trim markers",
			"a\n{{range .Origins}}\nserver {{.}};\n{{end}}\nz\n",
			// the newline after {{range}} starts each pass, the one after
			// {{end}} follows the last
			[]int{1, 2, 3, 2, 3, 2, 3, 4, 5}},
		{"a range on one line", "servers{{range .Origins}} {{.}}{{end}};\nz\n", []int{1, 2}},
		{"an if that holds and its else", "{{if .Listen}}\nyes\n{{else}}\nno\n{{end}}\nz\n", []int{1, 2, 5, 6}},
		{"an if that does not hold", "{{if .DNS}}\nyes\n{{else}}\nno\n{{end}}\nz\n", []int{3, 4, 5, 6}},
		{"an if with trim markers", "a\n{{- if .Listen}}\n  yes\n{{- end}}\nz\n", []int{1, 3, 5}},
		{"a comment over three lines", "a\n{{/* one\ntwo\nthree */}}\nb\n", []int{1, 4, 5}},
		// An action's output counts as written where it opens.
		{"an action over two lines, its output alone on the line", "a\n{{\n  .Listen }}\nb\n", []int{1, 2, 4}},
		{"a condition over two lines", "a\n{{if and .Listen\n  .WorkDir}}yes{{end}}\nb\n", []int{1, 3, 4}},
		{"a line joined by a trim marker: nothing", "listen {{.Listen -}}\n    ;\nb\n", []int{0, 3}},
		{"an action opened on the line before: nothing", "listen {{\n.Listen}};\nb\n", []int{0, 3}},
		{"indentation from another line does not count", "a\n  {{if .Listen -}}\n  yes\n{{end}}", []int{1, 3}},
		{"a defined template, called twice", "{{define \"s\"}}\nserver {{.}};\n{{- end}}a{{template \"s\" .Listen}}\n{{template \"s\" .WorkDir}}\n",
			[]int{3, 2, 1, 2}},
		{"an action that writes two lines", "a\n{{\"x\\ny\"}}\nb\n", []int{1, 2, 2, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rendered, err := renderTemplate("t", c.src, a)
			if err != nil {
				t.Fatal(err)
			}
			got := templateLines("t", c.src, a, rendered)
			if !slices.Equal(got, c.want) {
				t.Errorf("rendered %q:\ngot  %v\nwant %v", rendered, got, c.want)
			}
		})
	}
}

// TestTemplateLinesNothing: nothing is mapped when the output cannot be
// told apart from the marks, or is not what the template renders.
func TestTemplateLinesNothing(t *testing.T) {
	a := Addresses{Listen: "127.0.0.1:8080"}
	for _, c := range []struct{ name, src, rendered string }{
		{"a NUL in the output", "a{{\"\\x00\"}}\n", "a\x00\n"},
		{"output that is not the template's", "a\n{{.Listen}}\n", "a\n127.0.0.1:9\n"},
		{"a template that does not parse", "a\n{{.Listen\n", "a\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := templateLines("t", c.src, a, c.rendered); got != nil {
				t.Errorf("got %v, want nil", got)
			}
		})
	}
}

// TestTemplateLinesExamples: over the example gateways' templates, every
// rendered line that maps holds the literal text of its template line
// (what is outside its actions), and most lines map.
func TestTemplateLinesExamples(t *testing.T) {
	paths, _ := filepath.Glob("../scenarios/examples/*/*.tmpl")
	if len(paths) < 4 {
		t.Fatalf("found %d example templates", len(paths))
	}
	a := Addresses{Listen: "127.0.0.1:8080", Origin: "127.0.0.1:1", OriginHost: "127.0.0.1", OriginPort: "1",
		OriginName: "origin.test", Origins: []string{"127.0.0.1:1", "127.0.0.1:2"}, OriginPorts: []string{"1", "2"},
		DNS: "127.0.0.1:53", DNSHost: "127.0.0.1", DNSPort: "53", OriginTLS: "127.0.0.1:3", OriginTLSPort: "3",
		CAFile: "/w/ca.pem", WorkDir: "/w"}
	action := regexp.MustCompile(`\{\{(?:"(?:[^"\\]|\\.)*"|[^"])*?\}\}`)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := renderTemplate(path, string(src), a)
			if err != nil {
				t.Fatal(err)
			}
			lines := templateLines(path, string(src), a, rendered)
			out := strings.Split(strings.TrimSuffix(rendered, "\n"), "\n")
			if len(lines) != len(out) {
				t.Fatalf("%d lines mapped, %d rendered", len(lines), len(out))
			}
			tmpl := strings.Split(string(src), "\n")
			mapped := 0
			for i, n := range lines {
				if n == 0 {
					continue
				}
				mapped++
				for _, part := range action.Split(tmpl[n-1], -1) {
					if part = strings.TrimSpace(part); !strings.Contains(out[i], part) {
						t.Errorf("rendered line %d %q maps to template line %d %q, which has %q", i+1, out[i], n, tmpl[n-1], part)
					}
				}
			}
			if mapped < len(lines)*9/10 {
				t.Errorf("only %d of %d lines mapped", mapped, len(lines))
			}
		})
	}
}
