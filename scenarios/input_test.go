package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecrash/gatecrash/scenarios"
)

const oneScenario = "  - {name: a, fault: refused, expect: {status: 502}}\n"

var _ = Describe("input bounds", func() {
	// loadWithin loads path and fails if that takes more than 5s: a named
	// pipe blocks a plain read forever, /dev/zero never ends.
	loadWithin := func(path string) error {
		done := make(chan error, 1)
		go func() { _, err := scenarios.Load(path); done <- err }()
		var err error
		Eventually(done, 5*time.Second).Should(Receive(&err))
		return err
	}
	fifo := func() string {
		path := filepath.Join(GinkgoT().TempDir(), "suite.yaml")
		Expect(syscall.Mkfifo(path, 0o644)).To(Succeed())
		return path
	}

	It("refuses a suite that is a named pipe or a device, at once", func() {
		path := fifo()
		Expect(loadWithin(path)).To(MatchError(path + ": cannot read the suite file: not a regular file (a named pipe)"))
		Expect(loadWithin("/dev/zero")).To(MatchError("/dev/zero: cannot read the suite file: not a regular file (a character device)"))
		Expect(loadWithin(GinkgoT().TempDir())).To(MatchError(ContainSubstring("not a regular file (a directory)")))
	})

	It("refuses a template whose symbolic link leads out of the suite's folder", func() {
		// A link in the suite's folder to /etc/shadow would copy it into
		// the work dir, and its lines into a failure's message.
		dir, outside := GinkgoT().TempDir(), GinkgoT().TempDir()
		secret := filepath.Join(outside, "shadow")
		Expect(os.WriteFile(secret, []byte("root:SECRET-HASH\n"), 0o600)).To(Succeed())
		Expect(os.Mkdir(filepath.Join(dir, "conf"), 0o755)).To(Succeed())
		Expect(os.Symlink(secret, filepath.Join(dir, "conf", "gw.conf.tmpl"))).To(Succeed())
		Expect(os.Symlink("../"+filepath.Base(outside)+"/shadow", filepath.Join(dir, "rel.conf.tmpl"))).To(Succeed())
		Expect(os.Symlink("/dev/zero", filepath.Join(dir, "zero.conf.tmpl"))).To(Succeed())
		suite := filepath.Join(dir, "suite.yaml")
		for _, t := range []string{"conf/gw.conf.tmpl", "rel.conf.tmpl", "zero.conf.tmpl"} {
			Expect(os.WriteFile(suite, []byte("suite: t\ngateway: {command: [sh], templates: ["+t+"]}\nscenarios:\n"+oneScenario), 0o644)).To(Succeed())
			err := loadWithin(suite)
			Expect(err).To(MatchError(And(HavePrefix(suite+":2:"), ContainSubstring(": gateway.templates[0]: template "+filepath.Join(dir, t)+": leads out of the suite's folder"))))
			Expect(err.Error()).NotTo(ContainSubstring("SECRET-HASH"))
		}
		// A link that stays inside the folder is followed.
		Expect(os.WriteFile(filepath.Join(dir, "conf", "real.tmpl"), []byte("listen {{.Listen}}\n"), 0o644)).To(Succeed())
		Expect(os.Symlink("conf/real.tmpl", filepath.Join(dir, "in.conf.tmpl"))).To(Succeed())
		Expect(os.WriteFile(suite, []byte("suite: t\ngateway: {command: [sh], templates: [in.conf.tmpl]}\nscenarios:\n"+oneScenario), 0o644)).To(Succeed())
		Expect(loadWithin(suite)).To(Succeed())
	})

	It("refuses a template that is a named pipe, at the template", func() {
		dir := GinkgoT().TempDir()
		suite := filepath.Join(dir, "suite.yaml")
		Expect(syscall.Mkfifo(filepath.Join(dir, "pipe.conf.tmpl"), 0o644)).To(Succeed())
		Expect(os.WriteFile(suite, []byte("suite: t\ngateway: {command: [sh], templates: [pipe.conf.tmpl]}\nscenarios:\n"+oneScenario), 0o644)).To(Succeed())
		Expect(loadWithin(suite)).To(MatchError(ContainSubstring("gateway.templates[0]: template " + filepath.Join(dir, "pipe.conf.tmpl") + ": not a regular file (a named pipe)")))
	})

	It("refuses a suite over 512 KiB and a template over 1 MiB", func() {
		dir := GinkgoT().TempDir()
		suite := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suite, []byte("suite: t\n# "+strings.Repeat("x", scenarios.MaxSuiteBytes)+"\n"), 0o644)).To(Succeed())
		Expect(loadWithin(suite)).To(MatchError(suite + ": cannot read the suite file: 524300 bytes, more than the 512 KiB allowed"))
		Expect(os.WriteFile(filepath.Join(dir, "big.conf.tmpl"), make([]byte, 1<<20+1), 0o644)).To(Succeed())
		Expect(os.WriteFile(suite, []byte("suite: t\ngateway: {command: [sh], templates: [big.conf.tmpl]}\nscenarios:\n"+oneScenario), 0o644)).To(Succeed())
		Expect(loadWithin(suite)).To(MatchError(ContainSubstring("gateway.templates[0]: template " + filepath.Join(dir, "big.conf.tmpl") + ": 1048577 bytes, more than the 1 MiB allowed")))
	})

	It("loads one document however it is marked: a %YAML directive, ---, ..., an empty document after it", func() {
		for _, yaml := range []string{
			"%YAML 1.2\n---\nsuite: t\nscenarios:\n" + oneScenario,
			"---\nsuite: t\nscenarios:\n" + oneScenario + "...\n",
			"suite: t\nscenarios:\n" + oneScenario + "---\n",
		} {
			s, err := scenarios.Parse("doc.yaml", []byte(yaml))
			Expect(err).NotTo(HaveOccurred(), yaml)
			Expect(s.Name).To(Equal("t"))
		}
	})

	It("loads a suite that starts with a UTF-8 byte order mark", func() {
		s, err := scenarios.Parse("bom.yaml", []byte("\xef\xbb\xbfsuite: bom\nscenarios:\n"+oneScenario))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Name).To(Equal("bom"))
	})

	DescribeTable("rejects what is not UTF-8 text, or nests too deep, with its place, before parsing",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(want))
		},
		Entry("a NUL byte", "suite: t\x00\n", "bad.yaml:1:9: a NUL byte: a suite file is UTF-8 text (save it as UTF-8, not UTF-16)"),
		Entry("UTF-16", "\xff\xfes\x00u\x00", "bad.yaml:1:1: byte 0xff is not UTF-8: a suite file is UTF-8 text (save it as UTF-8, not UTF-16 or Latin-1)"),
		Entry("Latin-1", "suite: t\nscenarios:\n  - {name: caf\xe9, fault: refused}\n", "bad.yaml:3:15: byte 0xe9 is not UTF-8: a suite file is UTF-8 text (save it as UTF-8, not UTF-16 or Latin-1)"),
		Entry("an escape sequence", "suite: \x1b[2Jt\n", `bad.yaml:1:8: control character U+001B: YAML allows none but tab and line breaks in a file; write it as an escape (\x1b) in a double-quoted string`),
		Entry("101 flow levels", "suite: t\nx: "+strings.Repeat("[", 100)+"\n", "bad.yaml:2:103: nested more than 100 levels deep: gatecrash reads suites at most 100 levels deep"),
		Entry("100,000 flow levels", "x: "+strings.Repeat("[", 100000), "bad.yaml:1:103: nested more than 100 levels deep: gatecrash reads suites at most 100 levels deep"),
		Entry("101 indentation levels", indented(101), "bad.yaml:101:101: nested more than 100 levels deep: gatecrash reads suites at most 100 levels deep"),
		Entry("more than 512 KiB", "suite: t\n# "+strings.Repeat("x", scenarios.MaxSuiteBytes), "bad.yaml: 524299 bytes, more than the 512 KiB a suite file may be"),
		Entry("a mapping of 1001 fields", "x-a:\n"+fields(1001, "  ")+"suite: t\n", "bad.yaml:1002:3: a mapping with more than 1000 fields: gatecrash reads at most 1000 in one mapping"),
		Entry("50,000 fields, which took the parser 7s", "x-a:\n"+fields(50000, " "), "bad.yaml:1002:2: a mapping with more than 1000 fields: gatecrash reads at most 1000 in one mapping"),
		Entry("1001 fields at the top", fields(1001, ""), "bad.yaml:1001:1: a mapping with more than 1000 fields: gatecrash reads at most 1000 in one mapping"),
		Entry("101 sequence levels on a line", "x:\n"+strings.Repeat("- ", 101)+"1\n", "bad.yaml:2:203: nested more than 100 levels deep: gatecrash reads suites at most 100 levels deep"),
	)

	DescribeTable("rejects two spellings of one header name, which would send or expect either value by chance",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(want))
		},
		Entry("in a request", "suite: t\nscenarios:\n  - {name: a, fault: refused, request: {headers: {X-Team: a, x-team: b}}, expect: {status: 502}}\n",
			`bad.yaml:3:62: scenarios[0].request.headers: "X-Team" and "x-team" name one header (header names are case-insensitive); keep one`),
		Entry("in a route", "suite: t\norigin: {routes: [{path: /, headers: {Via: a, VIA: b}}]}\nscenarios:\n"+oneScenario,
			`bad.yaml:2:47: origin.routes[0].headers: "Via" and "VIA" name one header (header names are case-insensitive); keep one`),
		Entry("in expect.headers.equals", "suite: t\nscenarios:\n  - {name: a, fault: refused, expect: {headers: {equals: {Via: a, via: b}}}}\n",
			`bad.yaml:3:67: scenarios[0].expect.headers.equals: "Via" and "via" name one header (header names are case-insensitive); keep one`),
		Entry("in expect.headers.matches", "suite: t\nscenarios:\n  - {name: a, fault: refused, expect: {headers: {matches: {Via: a, via: b}}}}\n",
			`bad.yaml:3:68: scenarios[0].expect.headers.matches: "Via" and "via" name one header (header names are case-insensitive); keep one`),
	)

	DescribeTable("rejects control characters in the names the console prints",
		func(yaml, want string) {
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("in the suite's name", "suite: \"t\\e]0;owned\\a\"\nscenarios:\n"+oneScenario, `bad.yaml:1:8: suite: expected a name without control characters; got "t\x1b]0;owned\a"`),
		Entry("in the gateway's name", "suite: t\ngateway: {name: \"g\\r\"}\nscenarios:\n"+oneScenario, `bad.yaml:2:17: gateway.name: expected a name without control characters; got "g\r"`),
		Entry("in a scenario's name", "suite: t\nscenarios:\n  - {name: \"a\\e[2J\", fault: refused, expect: {status: 502}}\n", `bad.yaml:3:12: scenarios[0].name: expected a name without control characters; got "a\x1b[2J"`),
		Entry("a zero-width space in a scenario's name", "suite: t\nscenarios:\n  - {name: \"a\\u200b\", fault: refused, expect: {status: 502}}\n", `bad.yaml:3:12: scenarios[0].name: expected a name without invisible characters or line separators; got "a\u200b" (U+200B)`),
		Entry("a line separator in the suite's name", "suite: \"a\\u2028b\"\nscenarios:\n"+oneScenario, `bad.yaml:1:8: suite: expected a name without invisible characters or line separators; got "a\u2028b" (U+2028)`),
		Entry("in a label", "suite: t\nscenarios:\n  - {name: a, labels: [\"l\\u202e\"], fault: refused, expect: {status: 502}}\n", `bad.yaml:3:24: scenarios[0].labels[0]: expected a name without control characters; got "l\u202e"`),
		Entry("a scenario's name of 201 characters", "suite: t\nscenarios:\n  - {name: "+strings.Repeat("é", 201)+", fault: refused, expect: {status: 502}}\n", `bad.yaml:3:12: scenarios[0].name: expected a name of at most 200 characters (it is printed on every console line and report row); got 201`),
		Entry("a suite's name of 100,000 characters", "suite: "+strings.Repeat("n", 100000)+"\nscenarios:\n"+oneScenario, `bad.yaml:1:8: suite: expected a name of at most 200 characters`),
	)

	It("takes 1000 fields in each of many mappings, and a list of any length", func() {
		var b strings.Builder
		b.WriteString("suite: t\nx-a:\n  a:\n" + fields(1000, "    ") + "  b:\n" + fields(1000, "    ") + fields(998, "  ") + "x-b:\n")
		for range 3000 {
			b.WriteString("  - a: 1\n    b: 2\n")
		}
		b.WriteString("scenarios:\n" + oneScenario)
		_, err := scenarios.Parse("ok.yaml", []byte(b.String()))
		Expect(err).NotTo(HaveOccurred())
	})

	It("refuses more than 10,000 empty values before parsing, and counts no key whose value is the block below it", func() {
		// "-" on every line of 512 KiB took the parser 38s: each empty
		// value copies its token list.
		for _, item := range []string{"-\n", "- k:\n", "- # nothing\n"} {
			yaml := "suite: t\nx-a:\n" + strings.Repeat(item, 10001) + "scenarios:\n" + oneScenario
			start := time.Now()
			_, err := scenarios.Parse("bad.yaml", []byte(yaml))
			Expect(err).To(MatchError(ContainSubstring(`bad.yaml:10003:`)))
			Expect(err).To(MatchError(ContainSubstring(`more than 10000 empty values (a "-" or a "key:" with nothing after it)`)))
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		}
		var b strings.Builder
		b.WriteString("suite: t\nscenarios:\n")
		for i := range 4000 {
			// Three keys whose values are below them, and a list at a
			// key's own column.
			fmt.Fprintf(&b, "  - name: s%d\n    fault:\n      refused: {}\n    labels:\n    - a\n    expect:\n      status: 502\n", i)
		}
		_, err := scenarios.Parse("ok.yaml", []byte(b.String()))
		Expect(err).NotTo(HaveOccurred())
		_, err = scenarios.Parse("ok.yaml", []byte("suite: t\nx-a:\n"+strings.Repeat("  -\n", 10000)+"scenarios:\n"+oneScenario))
		Expect(err).NotTo(HaveOccurred(), "10,000 are read")
	})

	Describe("templates that would render without bound", func() {
		// Ten templates, each calling the one below ten times: 10^9 leaves
		// of 300 bytes. Each leaf and each turn of the loop below writes a
		// lot, so that 1 MiB is reached in a few thousand steps, well within
		// the 2s stop under -race on a loaded machine (1 MiB of "lol"s, a
		// step each, took over 2s there).
		laughs := ""
		for i := range 10 {
			body := strings.Repeat("lol", 100)
			if i > 0 {
				body = strings.Repeat(fmt.Sprintf(`{{template "x%d"}}`, i-1), 10)
			}
			laughs += fmt.Sprintf(`{{define "x%d"}}%s{{end}}`, i, body)
		}
		laughs += `{{template "x9"}}`

		DescribeTable("stop at 1 MiB of output, at once",
			func(gateway, want string) {
				start := time.Now()
				_, err := scenarios.Parse("bad.yaml", []byte("suite: t\ngateway: "+gateway+"\nscenarios:\n"+oneScenario))
				Expect(err).To(MatchError(want))
				// The error says which bound stopped it (1 MiB, not the 2s stop);
				// the time only catches a render that went on (race detector, loaded machine).
				Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
			},
			Entry("nested templates in an argument", "{command: [sh, '"+laughs+"']}", "bad.yaml:2:20: gateway.command: template command[1]: renders more than 1 MiB; expected a template of a config file or an argument"),
			Entry("nested templates in an environment value", "{command: [sh], env: {A: '"+laughs+"'}}", "bad.yaml:2:35: gateway.env.A: template env A: renders more than 1 MiB; expected a template of a config file or an argument"),
			Entry("a loop of a billion", "{command: [sh, '{{range 1000000000}}"+strings.Repeat("x", 300)+"{{end}}']}", "bad.yaml:2:20: gateway.command: template command[1]: renders more than 1 MiB; expected a template of a config file or an argument"),
		)

		It("stop after 2s when they write nothing", func() {
			start := time.Now()
			_, err := scenarios.Parse("bad.yaml", []byte("suite: t\ngateway: {command: [sh, '{{range 1000000000}}{{end}}']}\nscenarios:\n"+oneScenario))
			Expect(err).To(MatchError("bad.yaml:2:20: gateway.command: template command[1]: rendering takes more than 2s; expected a template that renders at once (a loop or a recursion without end?)"))
			Expect(time.Since(start)).To(BeNumerically("<", 3*time.Second))
		})
	})

	It("takes emoji in names, joined ones too", func() {
		_, err := scenarios.Parse("ok.yaml", []byte("suite: \"gateway 🔥\"\nscenarios:\n  - {name: \"family 👨\u200d👩\u200d👧\", labels: [\"🔥\"], fault: refused, expect: {status: 502}}\n"))
		Expect(err).NotTo(HaveOccurred())
	})

	It("reports the first 100 problems of a file, and how many more there are", func() {
		// 150,000 aliases to no anchor, and the unknown field x.
		_, err := scenarios.Parse("bad.yaml", []byte("x: ["+strings.Repeat("*a,", 150000)+"]\n"))
		var le *scenarios.LoadError
		Expect(errors.As(err, &le)).To(BeTrue())
		Expect(le.Problems).To(HaveLen(scenarios.MaxProblems + 1))
		Expect(le.Problems[0]).To(Equal(scenarios.Problem{Line: 1, Column: 5, Message: "alias *a: expected an anchor &a earlier in the file"}))
		Expect(err.Error()).To(HaveSuffix("\nbad.yaml: 149901 more problems not shown (gatecrash reports the first 100)"))
		Expect(len(err.Error())).To(BeNumerically("<", 10000))
	})

	It("counts no brackets in quoted, block or plain scalars, or comments", func() {
		open := strings.Repeat("[", 150)
		_, err := scenarios.Parse("ok.yaml", []byte(`suite: t
# `+open+`
origin:
  routes:
    - path: /
      body: |
        `+open+`
          `+open+`
    - {path: "/`+open+`", body: '`+open+` it''s [ `+open+`'}
    - path: /a`+open+`
scenarios:
`+oneScenario))
		Expect(err).NotTo(HaveOccurred())
		_, err = scenarios.Parse("ok.yaml", []byte(indented(99)))
		Expect(err).NotTo(MatchError(ContainSubstring("levels deep")))
	})

	It("quotes one line of at most 200 bytes of the suite in a message", func() {
		_, err := scenarios.Parse("bad.yaml", []byte("suite: t\nscenarios:\n  - {name: a, fault: refused, expect: {status: \""+strings.Repeat("5\\n", 100000)+"\"}}\n"))
		Expect(err).To(HaveOccurred())
		Expect(len(err.Error())).To(BeNumerically("<", 400), err.Error())
		Expect(err.Error()).To(HaveSuffix(`got "5…"`))
	})
})

// fields is a block mapping of n fields, each line indented by indent.
func fields(n int, indent string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk%x: 1\n", indent, i)
	}
	return b.String()
}

// indented is a suite nested n levels deep by indentation alone.
func indented(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}
