package harness

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMapLines: the places in a rendered file that real gateways name in
// their start-up errors (the formats below are theirs, copied from runs of
// nginx 1.22, HAProxy 2.6, Caddy 2.6 and Apache 2.4 against a broken
// template) map back to the template's lines; another file of the same
// name, or a line that came from two template lines, says nothing.
func TestMapLines(t *testing.T) {
	a := Addresses{Listen: "127.0.0.1:8080", Origins: []string{"127.0.0.1:1", "127.0.0.1:2"}, WorkDir: "/tmp/gatecrash-work-1"}
	// Lines 2 to 4 of the template render lines 2 and 3; line 5 renders
	// line 4; line 6 joins 6 and 7 into line 5.
	src := "# {{.Listen}}\n{{- range .Origins}}\nserver {{.}};\n{{- end}}\nbogus on;\nlisten {{.Listen -}}\n  ;\n"
	file := func(name string) renderedFile {
		out, err := renderTemplate("t", src, a)
		if err != nil {
			t.Fatal(err)
		}
		return renderedFile{name: name, template: "gw/" + name + ".tmpl", src: src, data: []byte(out)}
	}
	for _, c := range []struct {
		name, file, output string
		want               []string
	}{
		{"nginx", "nginx.conf",
			`2026/12/05 07:27:28 [emerg] 23008#23008: unknown directive "bogus" in /tmp/gatecrash-work-1/nginx.conf:4`,
			[]string{"nginx.conf:4 is gw/nginx.conf.tmpl:5"}},
		{"nginx, a line in a range", "nginx.conf",
			`nginx: [emerg] invalid parameter "x" in /tmp/gatecrash-work-1/nginx.conf:3`,
			[]string{"nginx.conf:3 is gw/nginx.conf.tmpl:3"}},
		{"HAProxy, and the same place twice", "haproxy.cfg",
			"[ALERT]    (23101) : config : parsing [haproxy.cfg:4] : unknown keyword 'bogus' in 'global' section\n" +
				"[WARNING]  (23101) : config : parsing [haproxy.cfg:4] : again\n" +
				"[ALERT]    (23101) : config : Error(s) found in configuration file : haproxy.cfg",
			[]string{"haproxy.cfg:4 is gw/haproxy.cfg.tmpl:5"}},
		{"Caddy", "Caddyfile",
			"Error: adapting config using caddyfile: Caddyfile:2: unrecognized global option: bogus",
			[]string{"Caddyfile:2 is gw/Caddyfile.tmpl:3"}},
		{"Apache httpd", "httpd.conf",
			"AH00526: Syntax error on line 4 of /tmp/gatecrash-work-1/httpd.conf:\nInvalid command 'bogus', perhaps misspelled",
			[]string{"httpd.conf:4 is gw/httpd.conf.tmpl:5"}},
		{"a file of that name elsewhere", "nginx.conf",
			`[emerg] unknown directive "x" in /etc/nginx/nginx.conf:4`, nil},
		{"a longer name that ends in it", "nginx.conf",
			`[emerg] unknown directive "x" in my-nginx.conf:4`, nil},
		{"a line joined from two template lines", "nginx.conf",
			`[emerg] invalid port in /tmp/gatecrash-work-1/nginx.conf:5`, nil},
		{"a line past the end", "nginx.conf",
			`[emerg] unexpected end of file in /tmp/gatecrash-work-1/nginx.conf:99`, nil},
		{"no place named", "nginx.conf", "bind() to 127.0.0.1:8080 failed (98: Address already in use)", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := mapLines(c.output, a.WorkDir, []renderedFile{file(c.file)}, a)
			if !slices.Equal(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestTail(t *testing.T) {
	many := strings.Repeat("line\n", MaxStartOutputLines+5)
	long := strings.Repeat("x", MaxStartOutputBytes+10)
	for _, c := range []struct{ name, in, want string }{
		{"nothing", "", ""},
		{"a few lines, the last newline dropped", "a\nb\n", "a\nb"},
		{"too many lines: the last ones", many, "(5 lines before these left out)\n" + strings.TrimSuffix(strings.Repeat("line\n", MaxStartOutputLines), "\n")},
		{"one line too long: its end", "first\n" + long, "(1 line before these left out)\n..." + long[10:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := tail(c.in); got != c.want {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"nginx reverse proxy":     "nginx-reverse-proxy",
		"../../etc/passwd":        "etc-passwd",
		"":                        "gateway",
		"ünïcode/ name":           "n-code-name",
		strings.Repeat("a", 50):   strings.Repeat("a", 40),
		"caddy (two origins) 1.0": "caddy-two-origins-1.0",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKeepConfig: the files are copied into a new directory only their
// owner can enter, each readable by its owner only, and what is past the
// bound is named in a note instead of copied.
func TestKeepConfig(t *testing.T) {
	parent := t.TempDir()
	files := []renderedFile{{name: "a.conf", data: []byte("a\n")}, {name: "b.conf", data: make([]byte, MaxKeptBytes)}}
	dir, err := keepConfig(parent, "my suite", files)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, filepath.Join(parent, "gatecrash-failed-my-suite-")) {
		t.Errorf("kept in %s", dir)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v, %v", info, err)
	}
	info, err = os.Stat(filepath.Join(dir, "a.conf"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("a.conf: %v, %v", info, err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a.conf")); string(data) != "a\n" {
		t.Errorf("a.conf holds %q", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.conf")); !os.IsNotExist(err) {
		t.Errorf("b.conf, past the bound, was kept: %v", err)
	}
	if note, _ := os.ReadFile(filepath.Join(dir, "NOT-KEPT.txt")); !strings.Contains(string(note), "b.conf") {
		t.Errorf("the note says %q", note)
	}
}
