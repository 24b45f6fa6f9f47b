package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// TopLevel is the YAML text of the named top-level fields of a suite and
// of its extension fields (x-…), as written, in the file's order.
func TopLevel(source []byte, names ...string) (string, error) {
	file, err := parser.ParseBytes(source, 0)
	if err != nil {
		return "", err
	}
	if len(file.Docs) == 0 {
		return "", fmt.Errorf("empty suite")
	}
	m, ok := unwrap(file.Docs[0].Body).(*ast.MappingNode)
	if !ok {
		return "", fmt.Errorf("expected a suite mapping")
	}
	// In the file's order, with the extension fields, so that an alias
	// still comes after its anchor.
	var parts []string
	for _, kv := range m.Values {
		if key := keyString(kv); slices.Contains(names, key) || strings.HasPrefix(key, extensionPrefix) {
			parts = append(parts, kv.String())
		}
	}
	return strings.Join(parts, "\n"), nil
}

// ReadSource is the text of a suite file, read within the bounds a suite
// file must keep (a regular file of at most MaxSuiteBytes); its
// error names the file.
func ReadSource(path string) ([]byte, error) {
	data, err := readSuite(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}
