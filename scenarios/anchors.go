package scenarios

import "github.com/goccy/go-yaml/ast"

// maxAliasExpansion bounds how many nodes aliases may add to a suite, so
// that nested aliases (a "billion laughs") cannot make a small file take
// the loader's time and memory.
const maxAliasExpansion = 100_000

// aliasResolver replaces, in a suite's syntax tree, each alias (*name) with
// the node its anchor (&name) marks, and each merge key (<<: *name, or a
// list of them) with the fields it brings in, as YAML merge keys do: the
// mapping's own fields win, then the merged mappings in their order. The
// decoder then reads the tree as if it had been written out. An alias
// shares its anchor's node, so a problem in it is reported where the
// anchor's value is written.
type aliasResolver struct {
	d        *decoder
	anchors  map[string]ast.Node
	sizes    map[ast.Node]int // the node count under each anchored node
	expanded int
	tooLarge bool
}

func resolveAliases(d *decoder, node ast.Node) ast.Node {
	r := &aliasResolver{d: d, anchors: map[string]ast.Node{}, sizes: map[ast.Node]int{}}
	node, _ = r.resolve(node)
	return node
}

// resolve returns node with its aliases and merge keys resolved, and the
// number of nodes under it.
func (r *aliasResolver) resolve(node ast.Node) (ast.Node, int) {
	switch n := node.(type) {
	case *ast.AnchorNode:
		value, size := r.resolve(n.Value)
		n.Value = value
		if value != nil && n.Name != nil && n.Name.GetToken() != nil {
			r.anchors[n.Name.GetToken().Value] = value
			r.sizes[value] = size
		}
		return n, size
	case *ast.AliasNode:
		if n.Value == nil || n.Value.GetToken() == nil {
			r.d.fail(n, "alias: expected the name of an anchor, such as *defaults")
			return n, 1
		}
		name := n.Value.GetToken().Value
		target, ok := r.anchors[name]
		if !ok {
			r.d.fail(n, "alias *%s: expected an anchor &%s earlier in the file", name, name)
			return n, 1
		}
		r.expanded += r.sizes[target]
		if r.expanded > maxAliasExpansion {
			if !r.tooLarge {
				r.d.fail(n, "alias *%s: the aliases expand to more than %d values; write a smaller suite", name, maxAliasExpansion)
				r.tooLarge = true
			}
			return n, 1
		}
		return target, r.sizes[target]
	case *ast.TagNode:
		value, size := r.resolve(n.Value)
		n.Value = value
		// In `!!binary &name ...` the tag is the anchored node's too: its
		// aliases must carry it.
		if a, ok := value.(*ast.AnchorNode); ok && a.Name != nil && a.Name.GetToken() != nil {
			r.anchors[a.Name.GetToken().Value] = n
			r.sizes[n] = size
		}
		return n, size
	case *ast.SequenceNode:
		total := 1
		for i, v := range n.Values {
			var size int
			n.Values[i], size = r.resolve(v)
			total += size
		}
		return n, total
	case *ast.MappingNode:
		return r.mapping(n)
	}
	return node, 1
}

// mapping resolves a mapping's values and merges in what its merge keys
// name.
func (r *aliasResolver) mapping(m *ast.MappingNode) (ast.Node, int) {
	total := 1
	var own, merges []*ast.MappingValueNode
	for _, kv := range m.Values {
		var size int
		kv.Value, size = r.resolve(kv.Value)
		total += size
		if _, isMerge := kv.Key.(*ast.MergeKeyNode); isMerge {
			merges = append(merges, kv)
		} else {
			own = append(own, kv)
		}
	}
	if len(merges) == 0 {
		return m, total
	}
	have := map[string]bool{}
	for _, kv := range own {
		have[keyString(kv)] = true
	}
	values := own
	add := func(src ast.Node, at ast.Node) {
		from, ok := unwrap(src).(*ast.MappingNode)
		if !ok {
			if _, unresolved := src.(*ast.AliasNode); !unresolved {
				r.d.fail(at, "<<: expected a mapping to merge, or a list of them, such as <<: *defaults; got %s", describe(unwrap(src)))
			}
			return
		}
		for _, kv := range from.Values {
			if key := keyString(kv); !have[key] {
				have[key] = true
				values = append(values, kv)
			}
		}
	}
	for _, kv := range merges {
		if seq, ok := unwrap(kv.Value).(*ast.SequenceNode); ok {
			for _, item := range seq.Values {
				add(item, item)
			}
			continue
		}
		add(kv.Value, kv.Value)
	}
	m.Values = values
	return m, total
}
