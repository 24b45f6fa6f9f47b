package scenarios

import (
	"embed"
	"encoding"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatecrash/gatecrash/faults"
)

// SchemaID is the $id of the suite format's JSON Schema.
const SchemaID = "https://gatecrash.dev/schema/suite.json"

// SchemaDraft is the JSON Schema draft the suite schema is written in.
const SchemaDraft = "http://json-schema.org/draft-07/schema#"

// The sources whose doc comments describe the suite's fields in the schema.
//
//go:embed suite.go expect.go
var docSources embed.FS

// durationPattern matches what time.ParseDuration accepts, not negative.
const durationPattern = `^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`

// statusPattern matches a status code or class written as a string.
const statusPattern = `^([1-9][0-9][0-9]|[1-5][xX][xX])$`

// Schema is the JSON Schema (draft-07) of the suite format, made by
// reflection over the suite's Go types: their yaml names, the doc comments
// of their fields, and the fault catalog (a fault is a catalog name, or a
// mapping of one name to its parameters and the common options it takes).
// It is what `gatecrash schema` prints, for editors and CI linters; the
// loader stays the judge of what the schema cannot say (unique names,
// ranges between fields). Draft-07 because it is the draft the YAML
// language server (VS Code's YAML extension among its clients) validates
// with; 2019-09 and 2020-12 get only a warning there.
func Schema() map[string]any {
	g := &schemaGen{defs: map[string]any{}, docs: fieldDocs()}
	root := g.object(reflect.TypeFor[Suite]())
	root["$schema"] = SchemaDraft
	root["$id"] = SchemaID
	root["title"] = "gatecrash suite"
	root["required"] = []string{"scenarios"}
	// Extension fields, a place to anchor values to alias elsewhere.
	root["patternProperties"] = map[string]any{"^" + extensionPrefix: map[string]any{}}
	g.defs["Scenario"].(map[string]any)["required"] = []string{"name", "fault"}
	root["definitions"] = g.defs
	return root
}

type schemaGen struct {
	defs map[string]any
	docs map[string]string
}

var (
	docsOnce sync.Once
	docsMap  map[string]string
)

// fieldDocs maps "Type" and "Type.Field" to their doc comments, from the
// embedded sources.
func fieldDocs() map[string]string {
	docsOnce.Do(func() {
		docsMap = map[string]string{}
		entries, _ := docSources.ReadDir(".")
		fset := token.NewFileSet()
		for _, e := range entries {
			src, err := docSources.ReadFile(e.Name())
			if err != nil {
				continue
			}
			f, err := parser.ParseFile(fset, e.Name(), src, parser.ParseComments)
			if err != nil {
				continue
			}
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.TYPE {
					continue
				}
				for _, spec := range gd.Specs {
					ts := spec.(*ast.TypeSpec)
					doc := ts.Doc
					if doc == nil && len(gd.Specs) == 1 {
						doc = gd.Doc
					}
					if doc != nil {
						docsMap[ts.Name.Name] = cleanDoc(doc.Text())
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, field := range st.Fields.List {
						if field.Doc == nil {
							continue
						}
						for _, n := range field.Names {
							docsMap[ts.Name.Name+"."+n.Name] = cleanDoc(field.Doc.Text())
						}
					}
				}
			}
		}
	})
	return docsMap
}

// cleanDoc joins a doc comment's lines into one paragraph.
func cleanDoc(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	faultsAttempts  = reflect.TypeFor[faults.Attempts]()
)

// schemaOf is the schema of a value of type t, as the decoder reads it.
func (g *schemaGen) schemaOf(t reflect.Type) map[string]any {
	switch t {
	case reflect.TypeFor[Duration](), reflect.TypeFor[time.Duration]():
		return map[string]any{"type": "string", "pattern": durationPattern,
			"description": "a duration with a unit, such as 500ms, 2s or 1m30s"}
	case reflect.TypeFor[StatusSet]():
		one := map[string]any{"anyOf": []any{
			map[string]any{"type": "integer", "minimum": 100, "maximum": 999},
			map[string]any{"type": "string", "pattern": statusPattern},
		}}
		return map[string]any{
			"description": "a status code, a class such as 5xx, or a list of them",
			"anyOf":       []any{one, map[string]any{"type": "array", "items": one, "minItems": 1}},
		}
	case reflect.TypeFor[GRPCStatusSet]():
		return grpcStatusSchema()
	case reflect.TypeFor[CrossWiredExpect]():
		return crossWiredSchema()
	case reflect.TypeFor[Strings]():
		return map[string]any{"anyOf": []any{
			scalarText(),
			map[string]any{"type": "array", "items": scalarText()},
		}}
	case reflect.TypeFor[AttemptsExpect]():
		return map[string]any{
			"description": "a number of attempts such as 3, or {min: 1, max: 3}",
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 0},
				map[string]any{"type": "object", "minProperties": 1, "additionalProperties": false,
					"properties": map[string]any{"min": map[string]any{"type": "integer"}, "max": map[string]any{"type": "integer"}}},
			},
		}
	case reflect.TypeFor[CountExpect]():
		return map[string]any{
			"description": "a count such as 3, or {min: 1, max: 3}",
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 0},
				map[string]any{"type": "object", "minProperties": 1, "additionalProperties": false,
					"properties": map[string]any{"min": map[string]any{"type": "integer"}, "max": map[string]any{"type": "integer"}}},
			},
		}
	case reflect.TypeFor[StatusRatios]():
		return map[string]any{
			"description":   "a mapping of a status or class to the bounds of its share, such as {502: [0.2, 0.8]}",
			"type":          "object",
			"propertyNames": map[string]any{"pattern": statusPattern},
			"additionalProperties": map[string]any{"type": "array", "minItems": 2, "maxItems": 2,
				"items": map[string]any{"type": "number", "minimum": 0, "maximum": 1}},
		}
	case reflect.TypeFor[faults.Bytes]():
		s := scalarText()
		s["description"] = "bytes sent on the wire as they are: text (YAML escapes such as \\r\\n included), or any bytes as base64 under YAML's binary tag, such as !!binary U1NILTIuMA0K//4="
		return s
	case reflect.TypeFor[FaultRef]():
		return map[string]any{"$ref": "#/definitions/" + g.faultRef()}
	case faultsAttempts:
		return map[string]any{
			"description": "an attempt number or range counted from 1, such as 2, 1..2 or 3..",
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 1},
				map[string]any{"type": "string", "pattern": `^[0-9]+(\.\.([0-9]+)?)?$`},
			},
		}
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return map[string]any{"type": []string{"string", "number", "boolean"}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaOf(t.Elem())
	case reflect.Struct:
		if t.PkgPath() == reflect.TypeFor[Suite]().PkgPath() {
			if _, done := g.defs[t.Name()]; !done {
				g.defs[t.Name()] = nil // guard against recursion
				g.defs[t.Name()] = g.object(t)
			}
			return map[string]any{"$ref": "#/definitions/" + t.Name()}
		}
		return g.object(t)
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": nullable(g.schemaOf(t.Elem()))}
	case reflect.String:
		return scalarText()
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

// scalarText is the schema of a text field: the loader takes any scalar as
// its text (name: 404, a header X-Retries: 3).
func scalarText() map[string]any {
	return map[string]any{"type": []string{"string", "number", "boolean"}}
}

// nullable lets s be null too, as the loader takes an empty field for its
// default (request: with nothing after it).
func nullable(s map[string]any) map[string]any {
	switch t := s["type"].(type) {
	case string:
		if _, other := s["anyOf"]; !other {
			out := maps.Clone(s)
			out["type"] = []string{t, "null"}
			return out
		}
	case []string:
		out := maps.Clone(s)
		out["type"] = append(slices.Clone(t), "null")
		return out
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// object is the schema of a struct: its yaml fields, nothing else.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		s := nullable(g.schemaOf(f.Type))
		if doc := g.docs[t.Name()+"."+f.Name]; doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}}
			}
			s["description"] = doc
		}
		props[name] = s
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if doc := g.docs[t.Name()]; doc != "" {
		out["description"] = doc
	}
	return out
}

// faultRef defines the fault: a catalog name, or a mapping of one name to
// its parameters (each fault's own, plus the common options it takes).
func (g *schemaGen) faultRef() string {
	const def = "Fault"
	if _, done := g.defs[def]; done {
		return def
	}
	var names []any
	var withParams []any
	optionFields := g.object(reflect.TypeFor[faults.Options]())["properties"].(map[string]any)
	for _, d := range faults.All() {
		names = append(names, d.Name)
		params := g.object(reflect.TypeOf(d.New()).Elem())
		props := params["properties"].(map[string]any)
		for _, o := range d.Options.Names() {
			props[o] = optionFields[o]
		}
		delete(params, "description")
		params["description"] = d.Summary + " Example: fault: " + d.Example
		withParams = append(withParams, map[string]any{
			"type": "object", "required": []string{d.Name}, "additionalProperties": false,
			"properties": map[string]any{d.Name: map[string]any{"anyOf": []any{map[string]any{"type": "null"}, params}}},
		})
	}
	names = append(names, NoFault)
	g.defs[def] = map[string]any{
		"description": "a fault of the catalog (gatecrash faults): its name, such as refused, or a mapping of one name to its parameters, such as {garbage: {bytes: \"x\"}}; none for a control scenario that injects nothing",
		"oneOf": []any{
			map[string]any{"type": "string", "enum": names},
			map[string]any{"type": "object", "minProperties": 1, "maxProperties": 1, "oneOf": withParams},
		},
	}
	return def
}
