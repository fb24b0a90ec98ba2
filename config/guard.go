package config

import (
	"reflect"
	"slices"

	"github.com/goccy/go-yaml/ast"
)

// guard readies a parsed document for goccy/go-yaml's decoder, which is
// trusted with types, strictness and merging but not with the document as
// written. Its decoder expands merge keys anew at every use, in time
// exponential in their nesting; drops without a word a mapping one of
// whose keys is not a string; reads an alias inside its own anchor as
// null; resolves an alias by the anchor of its name decoded last, not the
// one before it in the file; and lets the last value of a key win, a
// merged one over one written out. So the guard walks the document once,
// in file order, and
//   - refuses a document nesting deeper than maxDepth or that its aliases
//     expand beyond maxExpanded values, a key that is not a name, an alias
//     with no anchor before it or inside its own, a merge key given
//     anything but mappings, and then a YAML tag;
//   - puts the anchor's value in place of each alias and of each anchor,
//     leaving goccy/go-yaml a tree with neither;
//   - moves each merge key to the front of its mapping and reverses its
//     list of mappings, so that with the last value winning a key written
//     out wins over a merged one, and an earlier merge over a later one, as
//     YAML's merge key has it.
type guard struct {
	anchors map[string]*ast.AnchorNode // the last anchor of each name so far
	sizes   map[*ast.AnchorNode]int    // how many values it stands for
	open    map[string]int             // anchors, by name, being walked
	tag     *ast.TagNode               // the first YAML tag
}

// maxDepth bounds how deeply the document nests; no config comes near it.
const maxDepth = 320

// maxExpanded bounds the values a file may hold once its aliases are
// expanded. A config written out in full has a few dozen.
const maxExpanded = 10_000

// node guards n and returns what goes in its place, and how many values it
// holds with its aliases expanded.
func (g *guard) node(n ast.Node, depth int) (ast.Node, int, *Error) {
	if isNull(n) {
		return n, 1, nil
	}
	if depth > maxDepth {
		// The path would be hundreds of [0]s long.
		return nil, 0, errIn(topOf(n), n, "the YAML nests too deeply")
	}
	switch n := n.(type) {
	case *ast.AnchorNode:
		name := tokenValue(n.Name)
		g.open[name]++
		v, size, err := g.node(n.Value, depth+1)
		g.open[name]--
		if err != nil {
			return nil, 0, err
		}
		n.Value = v
		g.anchors[name], g.sizes[n] = n, size
		return v, size, nil
	case *ast.AliasNode:
		name := tokenValue(n.Value)
		if g.open[name] > 0 {
			return nil, 0, errAt(n, "alias *%s is inside the anchor &%s it refers to, which would make it contain itself", name, name)
		}
		a := g.anchors[name]
		if a == nil {
			return nil, 0, errAt(n, "alias *%s has no anchor &%s before it", name, name)
		}
		return relocate(a.Value, n.GetPath()), g.sizes[a], nil
	case *ast.TagNode:
		// Refused once the walk is done (see parse).
		if g.tag == nil {
			g.tag = n
		}
		v, size, err := g.node(n.Value, depth+1)
		n.Value = v
		return n, size, err
	case *ast.MappingNode:
		size, err := g.pairs(n, n.Values, depth)
		n.Values = mergeFirst(n.Values)
		return n, size, err
	case *ast.MappingValueNode:
		size, err := g.pairs(n, []*ast.MappingValueNode{n}, depth)
		return n, size, err
	case *ast.SequenceNode:
		size := 1
		for i, v := range n.Values {
			guarded, sz, err := g.node(v, depth+1)
			if err == nil {
				err = grow(&size, sz, v)
			}
			if err != nil {
				return nil, 0, err
			}
			n.Values[i] = guarded
		}
		return n, size, nil
	}
	return n, 1, nil
}

// pairs guards the pairs of mapping m.
func (g *guard) pairs(m ast.Node, pairs []*ast.MappingValueNode, depth int) (int, *Error) {
	size := 1
	for _, mv := range pairs {
		if isNull(mv.Key) {
			return 0, errIn(settingPath(m), mv, "a key is missing")
		}
		if _, ok := keyName(mv.Key); !ok && !mv.Key.IsMergeKey() {
			return 0, errIn(settingPath(m), mv.Key, "want a name as the key, got %s", describe(mv.Key))
		}
		v, sz, err := g.node(mv.Value, depth+1)
		if err == nil && mv.Key.IsMergeKey() {
			v, err = merged(mv, v)
		} else {
			sz++ // the key
		}
		if err == nil {
			err = grow(&size, sz, mv.Value)
		}
		if err != nil {
			return 0, err
		}
		mv.Value = v
	}
	return size, nil
}

// merged checks v, the value of merge key mv: a mapping, or a list of them,
// which it returns reversed (see guard).
func merged(mv *ast.MappingValueNode, v ast.Node) (ast.Node, *Error) {
	sources := []ast.Node{v}
	seq, isSeq := v.(*ast.SequenceNode)
	if isSeq {
		rev := *seq
		rev.Values = slices.Clone(seq.Values)
		slices.Reverse(rev.Values)
		v, sources = &rev, rev.Values
	}
	for _, s := range sources {
		if isNull(s) || !isMapping(s) {
			return nil, errAt(mv.Key, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(s))
		}
	}
	return v, nil
}

// relocate returns a copy of n, an anchor's value, that goccy/go-yaml's
// path places at path, the alias's: an error in the value then names the
// setting the alias stands in ("channel: *c" names channel). What the value
// holds keeps the paths where it is written. Every goccy/go-yaml node
// embeds a *BaseNode with the path; were one not to, n is returned as is.
func relocate(n ast.Node, path string) ast.Node {
	v := reflect.ValueOf(n)
	if isNull(n) || v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return n
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	f := c.Elem().FieldByName("BaseNode")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*ast.BaseNode]() || f.IsNil() {
		return n
	}
	moved := *f.Interface().(*ast.BaseNode)
	moved.Path = path
	f.Set(reflect.ValueOf(&moved))
	return c.Interface().(ast.Node)
}

// mergeFirst returns a mapping's pairs with its merge keys first, the last
// of them first of all (see guard).
func mergeFirst(pairs []*ast.MappingValueNode) []*ast.MappingValueNode {
	var merges, rest []*ast.MappingValueNode
	for _, mv := range pairs {
		if mv.Key.IsMergeKey() {
			merges = append([]*ast.MappingValueNode{mv}, merges...)
		} else {
			rest = append(rest, mv)
		}
	}
	if len(merges) == 0 {
		return pairs
	}
	return append(merges, rest...)
}

// grow adds k values to *size, refusing a file that grows past maxExpanded
// at node at. goccy/go-yaml would expand it all, merge by merge.
func grow(size *int, k int, at ast.Node) *Error {
	if *size += k; *size > maxExpanded {
		return errIn(topOf(at), at, "aliases and merge keys expand the file to more than %d values; write the settings out in full", maxExpanded)
	}
	return nil
}
