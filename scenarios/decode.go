package scenarios

import (
	"encoding"
	"encoding/base64"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/gatecrash/gatecrash/faults"
)

// Problem is one thing wrong in a suite file, at a line and column.
type Problem struct {
	Line, Column int
	Message      string
}

// LoadError lists every problem found in one suite file.
type LoadError struct {
	File     string
	Problems []Problem
}

// Error prints one "file:line:column: message" line per problem.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Line == 0 {
			lines[i] = fmt.Sprintf("%s: %s", e.File, p.Message)
			continue
		}
		lines[i] = fmt.Sprintf("%s:%d:%d: %s", e.File, p.Line, p.Column, p.Message)
	}
	return strings.Join(lines, "\n")
}

// decoder turns a YAML syntax tree into Go values strictly, collecting every
// problem with its position instead of stopping at the first: an unknown
// field names the fields that were expected, a wrong type says what type.
//
// Struct fields are matched by their yaml tag. A type takes over its own
// decoding by implementing nodeDecoder.
type decoder struct {
	problems []Problem
	// nodes maps each decoded path to its node, so that validation after
	// decoding can point at the place.
	nodes map[string]ast.Node
	// more counts the problems past MaxProblems, not kept.
	more int
}

// MaxProblems is how many problems in one file are reported; past that,
// their number is.
const MaxProblems = 100

// all is every problem kept, and a last one that says how many more
// there were.
func (d *decoder) all() []Problem {
	if d.more == 0 {
		return d.problems
	}
	return append(d.problems, Problem{Message: fmt.Sprintf("%d more problems not shown (gatecrash reports the first %d)", d.more, MaxProblems)})
}

type nodeDecoder interface {
	decodeNode(d *decoder, node ast.Node, path string)
}

var (
	nodeDecoderType     = reflect.TypeFor[nodeDecoder]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType        = reflect.TypeFor[time.Duration]()
	bytesType           = reflect.TypeFor[faults.Bytes]()
)

// durationExpected is the message for a bad duration, wherever it is.
const durationExpected = "expected a duration with a unit, such as 500ms, 2s or 1m"

// durationSyntax is a duration as Go writes it, whatever its size.
var durationSyntax = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// parseDuration reads a duration as suites write it: with a unit, not negative.
func parseDuration(node ast.Node) (time.Duration, string) {
	s, ok := node.(*ast.StringNode)
	if !ok {
		return 0, fmt.Sprintf("%s; got %s", durationExpected, describe(node))
	}
	v, err := time.ParseDuration(s.Value)
	if err != nil && durationSyntax.MatchString(s.Value) {
		// Written right, but past what a time.Duration holds (2562047h).
		return 0, fmt.Sprintf("expected a duration of at most %s (tls_expired.expired_ago: 43800h); got %q, too long to count", strings.TrimSuffix(MaxDuration.String(), "0m0s"), s.Value)
	}
	if err != nil {
		return 0, fmt.Sprintf("%s; got %q", durationExpected, s.Value)
	}
	if v < 0 {
		return 0, fmt.Sprintf("expected a duration of zero or more; got %q", s.Value)
	}
	return v, ""
}

// MaxDuration bounds every duration in a suite but a TLS certificate's
// age: a wait, a timeout or a deadline of days would hold a run (and CI)
// until the run's own --timeout, an hour by default.
const MaxDuration = time.Hour

// longDurations are the durations MaxDuration does not bound: how long
// ago a certificate expired may well be a year.
var longDurations = []string{".tls_expired.expired_ago"}

// unsetIfZero are the durations whose zero means "not set" (a default, or
// no assertion): written as 0s, they would be silently ignored.
var unsetIfZero = []string{
	".expect.within", ".expect.unanswered_after", ".request.timeout", "].deadline", ".for",
	"gateway.ready.within", "gateway.stop_grace", "gateway.builtin.connect_timeout", "gateway.builtin.response_timeout",
}

// durationBounds says what is wrong with a duration v decoded at path, or
// "" when it is within bounds.
func durationBounds(path string, v time.Duration, node ast.Node) string {
	if v == 0 && (slices.ContainsFunc(unsetIfZero, func(s string) bool { return strings.HasSuffix(path, s) }) || strings.Contains(path, ".expect.latency.")) {
		return fmt.Sprintf("expected a duration above 0; got %s", describe(node))
	}
	if v > MaxDuration && !slices.ContainsFunc(longDurations, func(s string) bool { return strings.HasSuffix(path, s) }) {
		return fmt.Sprintf("expected a duration of at most %s (a run stops after --timeout, 1h by default); got %s", strings.TrimSuffix(MaxDuration.String(), "0m0s"), describe(node))
	}
	return ""
}

func (d *decoder) fail(node ast.Node, format string, args ...any) {
	d.failAt(firstToken(node), format, args...)
}

// firstToken is where a node starts: a block mapping's own token is the
// first colon, but a reader looks for the first key.
func firstToken(node ast.Node) *token.Token {
	switch n := node.(type) {
	case *ast.MappingNode:
		if len(n.Values) > 0 && !n.IsFlowStyle {
			return n.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		return n.Key.GetToken()
	}
	return node.GetToken()
}

// generated is a message's text that gatecrash wrote, not the suite's (a
// list of the fields expected): failAt does not cut it to one quote.
type generated string

func (d *decoder) failAt(tk *token.Token, format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = oneLine(s) // a message quotes one line of a suite at most
		}
	}
	if len(d.problems) >= MaxProblems {
		d.more++ // a file of 170,000 undefined aliases would print as many lines
		return
	}
	p := Problem{Message: fmt.Sprintf(format, args...)}
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	d.problems = append(d.problems, p)
}

// failPath reports a problem at the node decoded for path, or at the
// closest parent that was decoded.
func (d *decoder) failPath(path, format string, args ...any) {
	for p := path; ; {
		if n, ok := d.nodes[p]; ok {
			d.fail(n, format, args...)
			return
		}
		if p == "" {
			break
		}
		i := max(strings.LastIndexAny(p, ".["), 0)
		p = p[:i]
	}
	d.failAt(nil, format, args...)
}

// unwrap strips comments, tags and anchors (resolveAliases has put their
// nodes where their aliases were), which carry no meaning in a suite.
func unwrap(node ast.Node) ast.Node {
	for {
		switch n := node.(type) {
		case *ast.CommentGroupNode:
			return nil
		case *ast.TagNode:
			node = n.Value
		case *ast.AnchorNode:
			node = n.Value
		default:
			return node
		}
	}
}

// binaryTag is node's !!binary tag, found under anchors and other tags,
// or nil: the one tag that changes a value in a suite.
func binaryTag(node ast.Node) *ast.TagNode {
	for {
		switch n := node.(type) {
		case *ast.TagNode:
			if n.Start != nil && n.Start.Value == string(token.BinaryTag) {
				return n
			}
			node = n.Value
		case *ast.AnchorNode:
			node = n.Value
		default:
			return nil
		}
	}
}

// knownTags are the tags a suite takes: YAML's core schema, which the
// parser reads as the value's type, and !!binary.
var knownTags = []string{"str", "int", "float", "bool", "null", "map", "seq", "binary"}

// unknownTag is the first tag on node (under anchors and other tags) that
// is not one of knownTags, such as !foo or !!set, or nil: a tag that is
// read as nothing would leave a value that means something else quietly.
func unknownTag(node ast.Node) *ast.TagNode {
	for {
		switch n := node.(type) {
		case *ast.TagNode:
			if n.Start == nil {
				return nil
			}
			name := n.Start.Value
			if v, ok := strings.CutPrefix(name, "!<tag:yaml.org,2002:"); ok {
				name = "!!" + strings.TrimSuffix(v, ">")
			}
			short, ok := strings.CutPrefix(name, "!!")
			if !ok || !slices.Contains(knownTags, short) {
				return n
			}
			node = n.Value
		case *ast.AnchorNode:
			node = n.Value
		default:
			return nil
		}
	}
}

// orTop names the top level for messages.
func orTop(path string) string {
	if path == "" {
		return "suite file"
	}
	return path
}

// binaryExpected is the message for a value under !!binary that is not
// base64.
const binaryExpected = "expected base64 after !!binary (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4 characters; spaces and line breaks are ignored), such as !!binary U1NILTIuMA0K//4="

// decodeBinary stores the bytes that the base64 under a !!binary tag
// stands for into v. Only parameters sent on the wire as bytes
// (faults.Bytes) take it: anywhere else the tag would have the base64
// text itself sent, or compared, as it always did before the tag was read.
func (d *decoder) decodeBinary(tag *ast.TagNode, node ast.Node, v reflect.Value, path string) {
	if v.Type() != bytesType {
		d.fail(tag, "%s: !!binary is taken only by parameters a fault sends on the wire as bytes (such as garbage.bytes or http09.body); expected %s here", path, kindName(v.Kind()))
		return
	}
	scalar, ok := node.(ast.ScalarNode)
	if !ok || isNull(node) {
		d.fail(tag, "%s: %s; got %s", path, binaryExpected, describe(node))
		return
	}
	text := textOf(scalar)
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		d.fail(node, "%s: %s; got %s (%s)", path, binaryExpected, clip(text), base64Problem(text))
		return
	}
	v.SetString(string(b))
}

// base64Problem says what makes text, which does not decode, not base64;
// a character is counted from 1 in text as written.
func base64Problem(text string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	runes := []rune(text)
	end := len(runes) // past the last character that is neither padding nor space
	for end > 0 && (runes[end-1] == '=' || unicode.IsSpace(runes[end-1])) {
		end--
	}
	for i, r := range runes[:end] {
		switch {
		case unicode.IsSpace(r):
		case r == '=':
			return fmt.Sprintf("= at character %d: padding goes only at the end", i+1)
		case !strings.ContainsRune(alphabet, r):
			return fmt.Sprintf("%q at character %d is not a base64 character", r, i+1)
		}
	}
	if n := len(strings.Join(strings.Fields(text), "")); n%4 != 0 {
		return fmt.Sprintf("%d characters, not a multiple of 4: pad with =", n)
	}
	return "too much = padding"
}

// clip quotes s, cut short when it is long.
func clip(s string) string {
	const most = 40
	if r := []rune(s); len(r) > most {
		return strconv.Quote(string(r[:most])) + "…"
	}
	return strconv.Quote(s)
}

func isNull(node ast.Node) bool {
	if node == nil {
		return true
	}
	_, ok := node.(*ast.NullNode)
	return ok
}

// decode stores node into v, which must be addressable. path names the
// place for messages, such as scenarios[2].expect.
func (d *decoder) decode(node ast.Node, v reflect.Value, path string) {
	if tag := unknownTag(node); tag != nil {
		d.fail(tag, "%s: unknown tag %s; a suite takes YAML's core tags (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) and !!binary", orTop(path), tag.Start.Value)
		return
	}
	binary := binaryTag(node)
	node = unwrap(node)
	if node != nil {
		d.nodes[path] = node
	}
	if _, unresolved := node.(*ast.AliasNode); unresolved {
		return // resolveAliases said why
	}
	if binary != nil {
		d.decodeBinary(binary, node, v, path)
		return
	}
	if v.Addr().Type().Implements(nodeDecoderType) {
		if node == nil {
			return
		}
		v.Addr().Interface().(nodeDecoder).decodeNode(d, node, path)
		return
	}
	if v.Type() == durationType {
		if isNull(node) {
			return
		}
		dur, problem := parseDuration(node)
		if problem == "" {
			problem = durationBounds(path, dur, node)
		}
		if problem != "" {
			d.fail(node, "%s: %s", path, problem)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	if v.Addr().Type().Implements(textUnmarshalerType) {
		if isNull(node) {
			return
		}
		scalar, ok := node.(ast.ScalarNode)
		if !ok {
			d.fail(node, "%s: expected a single value; got %s", path, describe(node))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(textOf(scalar))); err != nil {
			d.fail(node, "%s: %v", path, err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(node) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(node, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(node, v, path)
	case reflect.Slice:
		if isNull(node) {
			return
		}
		seq, ok := node.(*ast.SequenceNode)
		if !ok {
			if v.Type().Elem().Kind() == reflect.String {
				d.fail(node, "%s: expected a list of strings, such as [a, b]; got %s", path, describe(node))
			} else {
				d.fail(node, "%s: expected a list; got %s", path, describe(node))
			}
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(out)
	case reflect.Map:
		if isNull(node) {
			return
		}
		m, ok := node.(*ast.MappingNode)
		if !ok {
			d.fail(node, "%s: expected a mapping of names to values; got %s", path, describe(node))
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m.Values))
		headers := map[string]string{} // a header map's names, in lower case
		for _, kv := range m.Values {
			key := keyString(kv)
			if isHeaderMap(path) {
				// Two spellings of one name would make the value sent
				// (or expected) vary from run to run, by map order.
				if first, dup := headers[strings.ToLower(key)]; dup && first != key {
					d.fail(kv.Key, "%s: %q and %q name one header (header names are case-insensitive); keep one", path, first, key)
				}
				headers[strings.ToLower(key)] = key
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(kv.Value, elem, path+"."+key)
			out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
		}
		v.Set(out)
	default:
		d.decodeScalar(node, v, path)
	}
}

// isHeaderMap reports whether the map decoded at path is one of HTTP
// header names: a request's or a route's headers, expect.headers.equals
// or matches.
func isHeaderMap(path string) bool {
	for _, suffix := range []string{".headers", ".headers.equals", ".headers.matches"} {
		if strings.HasSuffix(path, suffix) {
			return true
		}
	}
	return false
}

func keyString(kv *ast.MappingValueNode) string {
	if s, ok := kv.Key.(ast.ScalarNode); ok {
		if s.GetValue() == nil && s.GetToken() != nil {
			return s.GetToken().Value // ~ or null, not <nil>
		}
		return fmt.Sprint(s.GetValue())
	}
	return kv.Key.String()
}

func (d *decoder) decodeStruct(node ast.Node, v reflect.Value, path string) {
	fields := structFields(v.Type())
	if path == "" {
		path = "suite file" // the top level, for messages
	}
	if isNull(node) {
		return
	}
	m, ok := node.(*ast.MappingNode)
	if !ok && len(fields) == 0 {
		d.fail(node, "%s: takes no parameters; expected {} or the name alone; got %s", path, describe(node))
		return
	}
	if !ok {
		d.fail(node, "%s: expected a mapping with fields %s; got %s", path, fieldList(fields), describe(node))
		return
	}
	if len(fields) == 0 && len(m.Values) > 0 {
		d.fail(m, "%s: takes no parameters; got %q", path, keyString(m.Values[0]))
		return
	}
	seen := map[string]bool{}
	for _, kv := range m.Values {
		key := keyString(kv)
		if seen[key] {
			d.fail(kv.Key, "%s: field %q appears twice", path, key)
			continue
		}
		seen[key] = true
		if path == "suite file" && strings.HasPrefix(key, extensionPrefix) {
			continue // a place for anchors, as in Compose files
		}
		idx, ok := fields[key]
		if !ok {
			d.fail(kv.Key, "%s: unknown field %q%s; expected one of %s", path, key, suggest(key, fields), generated(fieldList(fields)))
			continue
		}
		d.decode(kv.Value, v.Field(idx), join(path, key))
	}
}

// extensionPrefix starts the top-level fields a suite ignores, where
// values to alias elsewhere can be anchored (x-defaults: {request: &req …}).
const extensionPrefix = "x-"

func join(path, key string) string {
	if path == "suite file" {
		return key
	}
	return path + "." + key
}

// structFields maps yaml names to field indexes.
func structFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = i
	}
	return fields
}

func fieldList(fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return fields[names[i]] < fields[names[j]] })
	return strings.Join(names, ", ")
}

// suggest proposes the closest known name for a typo.
func suggest(got string, known map[string]int) string {
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	return didYouMean(got, names)
}

func didYouMean(got string, names []string) string {
	best, bestDist := "", 3
	sort.Strings(names)
	for _, n := range names {
		if dist := editDistance(strings.ToLower(got), n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) decodeScalar(node ast.Node, v reflect.Value, path string) {
	if isNull(node) {
		return
	}
	scalar, ok := node.(ast.ScalarNode)
	if !ok {
		d.fail(node, "%s: expected %s; got %s", path, kindName(v.Kind()), describe(node))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(textOf(scalar))
	case reflect.Bool:
		b, ok := scalar.GetValue().(bool)
		if !ok {
			d.fail(node, "%s: expected true or false; got %s", path, describe(node))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(fmt.Sprint(scalar.GetValue()), 10, 64)
		if _, isInt := node.(*ast.IntegerNode); !isInt || err != nil {
			d.fail(node, "%s: expected an integer; got %s", path, describe(node))
			return
		}
		v.SetInt(n)
	case reflect.Float64, reflect.Float32:
		f, err := strconv.ParseFloat(fmt.Sprint(scalar.GetValue()), 64)
		switch node.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
		default:
			err = fmt.Errorf("not a number")
		}
		if err != nil {
			d.fail(node, "%s: expected a number; got %s", path, describe(node))
			return
		}
		v.SetFloat(f)
	default:
		d.fail(node, "%s: cannot hold a value here", path)
	}
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	}
	return "a value"
}

// textOf is a scalar's value as text. A block scalar (| or >) is its
// content, line breaks folded and chomped as YAML says: goccy's GetValue
// gives its source, indicator and indentation included.
func textOf(scalar ast.ScalarNode) string {
	if lit, ok := scalar.(*ast.LiteralNode); ok && lit.Value != nil {
		return lit.Value.Value
	}
	return fmt.Sprint(scalar.GetValue())
}

// describe names what a node is, for "got ..." in messages.
func describe(node ast.Node) string {
	switch n := node.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return strconv.Quote(n.Value)
	case *ast.LiteralNode:
		return strconv.Quote(textOf(n))
	case ast.ScalarNode:
		return fmt.Sprint(n.GetValue())
	}
	return node.Type().String()
}
