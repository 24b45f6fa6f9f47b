package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatecrash/gatecrash/harness"
	"github.com/gatecrash/gatecrash/reports"
	"github.com/gatecrash/gatecrash/scenarios/probe"
	"github.com/gatecrash/gatecrash/scenarios/runner"
)

func compareCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("compare", "compare [--names A,B,...] [--time-tolerance 1.5x,100ms] [--markdown PATH] [--html PATH] [--json PATH] [--fail-on-diff] A.json B.json...",
		"gatecrash compare --names nginx,haproxy --fail-on-diff nginx-probe.json haproxy-probe.json", stderr)
	names := fs.String("names", "", "name the columns, a comma-separated `list` with a name per file; default: each file's base name without .json")
	tolerance := fs.String("time-tolerance", reports.DefaultTimeTolerance.String(), "two times differ when the longer is more than RATIO times the shorter and more than DURATION longer, given as `RATIOx,DURATION`")
	markdown := fs.String("markdown", "", "write the comparison as Markdown to this `path`")
	html := fs.String("html", "", "write the comparison as a self-contained HTML page to this `path`")
	jsonOut := fs.String("json", "", "write the comparison as JSON to this `path`")
	failOnDiff := fs.Bool("fail-on-diff", false, "exit 1 when any cell differs (0 when none)")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	tol, err := reports.ParseTimeTolerance(*tolerance)
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash compare: --time-tolerance: %v\n", err)
		return runner.ExitBadInput
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") {
			fmt.Fprintf(stderr, "gatecrash compare: %s: flags go before the files, as in gatecrash compare --fail-on-diff a.json b.json\n", a)
			return runner.ExitBadInput
		}
	}
	if fs.NArg() < 2 {
		fmt.Fprintln(stderr, "gatecrash compare: expected two or more files: probes (gatecrash probe --json) or run reports (gatecrash run --json)")
		return runner.ExitBadInput
	}
	var columns []string
	if *names != "" {
		columns = strings.Split(*names, ",")
		if len(columns) != fs.NArg() {
			fmt.Fprintf(stderr, "gatecrash compare: --names: expected a name for each of the %d files; got %d\n", fs.NArg(), len(columns))
			return runner.ExitBadInput
		}
	} else {
		columns = defaultNames(fs.Args())
	}
	if !reportsWritable(stderr, "gatecrash compare", map[string]string{"--json": *jsonOut, "--markdown": *markdown, "--html": *html}) {
		return runner.ExitBadInput
	}
	var inputs []reports.Compared
	bad := false
	for i, path := range fs.Args() {
		in, err := probe.ReadCompared(path, columns[i])
		if err != nil {
			fmt.Fprintf(stderr, "gatecrash compare: %v\n", err)
			bad = true
			continue
		}
		inputs = append(inputs, in)
	}
	if bad {
		return runner.ExitBadInput
	}
	c, err := reports.Compare(inputs, tol)
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash compare: %v\n", err)
		return runner.ExitBadInput
	}
	c.Table(stdout)
	for _, w := range []struct {
		path  string
		write func(string) error
	}{{*markdown, c.WriteMarkdown}, {*html, c.WriteHTML}, {*jsonOut, c.WriteJSON}} {
		if w.path == "" {
			continue
		}
		if err := w.write(w.path); err != nil {
			fmt.Fprintf(stderr, "gatecrash compare: %v\n", err)
			return runner.ExitBadInput
		}
	}
	if *failOnDiff && c.Differences() > 0 {
		return 1
	}
	return 0
}

// defaultNames is each file's base name without .json, or the paths
// themselves when two base names are the same.
func defaultNames(paths []string) []string {
	names := make([]string, len(paths))
	seen := map[string]bool{}
	for i, p := range paths {
		names[i] = strings.TrimSuffix(filepath.Base(p), ".json")
		if seen[names[i]] {
			return append([]string(nil), paths...)
		}
		seen[names[i]] = true
	}
	return names
}

func atlasCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("atlas", "atlas [--out DIR] ENTRY.json...  |  atlas --entry PATH --gateway NAME --gateway-version TEXT PROBE.json...",
		"gatecrash atlas --out docs docs/atlas/*.json", stderr)
	out := fs.String("out", "docs", "write atlas.md and atlas.html into this `directory`")
	entry := fs.String("entry", "", "instead, write the atlas entry {gateway, version, probe} of the PROBE.json files (gatecrash probe --json; a fault in several is taken from the first) to this `path`")
	gateway := fs.String("gateway", "", "with --entry: the gateway's `name`, as the atlas shows it")
	gatewayVersion := fs.String("gateway-version", "", "with --entry: the gateway's version, as `text` it prints (its first line is kept)")
	if code, ok := parse(fs, stdout, args); !ok {
		return code
	}
	if *entry != "" {
		if fs.NArg() == 0 || *gateway == "" {
			fmt.Fprintln(stderr, "gatecrash atlas: --entry: expected --gateway NAME and the probe files, as in gatecrash atlas --entry docs/atlas/nginx.json --gateway nginx --gateway-version \"$(nginx -v 2>&1)\" nginx-probe.json")
			return runner.ExitBadInput
		}
		e, err := probe.NewAtlasEntry(*gateway, *gatewayVersion, fs.Args()...)
		if err == nil {
			var data []byte
			if data, err = e.JSON(); err == nil {
				err = os.WriteFile(*entry, data, 0o644)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "gatecrash atlas: %v\n", err)
			return runner.ExitBadInput
		}
		return 0
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") {
			fmt.Fprintf(stderr, "gatecrash atlas: %s: flags go before the files, as in gatecrash atlas --out docs docs/atlas/*.json\n", a)
			return runner.ExitBadInput
		}
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "gatecrash atlas: expected the atlas entries, such as docs/atlas/*.json")
		return runner.ExitBadInput
	}
	atlas, err := probe.ReadAtlas(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "gatecrash atlas: %v\n", err)
		return runner.ExitBadInput
	}
	md, html := filepath.Join(*out, "atlas.md"), filepath.Join(*out, "atlas.html")
	if err := atlas.WriteAtlas(md, html); err != nil {
		fmt.Fprintf(stderr, "gatecrash atlas: %v\n", err)
		return runner.ExitBadInput
	}
	fmt.Fprintf(stdout, "gatecrash atlas: wrote %s and %s from %s\n", md, html, harness.Plural(len(atlas.Gateways), "gateway"))
	return 0
}
