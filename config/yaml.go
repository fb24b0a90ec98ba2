package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// decoder walks one parsed YAML document and turns what it finds wrong into
// *Errors that carry the line and the setting's path.
type decoder struct {
	file string
	// paths maps the token of every key and value in the document to the
	// setting path it sits at, so that an error goccy/go-yaml reports by
	// token can name the setting.
	paths map[*token.Token]string
	// nodes maps the same tokens to their value nodes, so that such an
	// error can say what was found.
	nodes map[*token.Token]ast.Node
	// keys holds, per path, the tokens of the keys written for it, in file
	// order; more than one means a duplicate.
	keys map[string][]*token.Token
	// anchors holds every anchor by name.
	anchors map[string][]*ast.AnchorNode
	// sizes holds how many values each anchor stands for, its own aliases
	// expanded.
	sizes map[*ast.AnchorNode]int
	// merged holds the tokens of the values of merge keys (<<).
	merged map[*token.Token]bool
	// open counts, by name, the anchors whose values index is inside.
	open map[string]int
	// expanded caches entries, so that a mapping merged into many others
	// is expanded once.
	expanded map[*ast.MappingNode][]entry
}

// maxNesting bounds how far aliases and merge keys are followed. No sane
// config comes near it; an alias that leads back to itself would otherwise
// never end.
const maxNesting = 32

// parse parses data and returns the body of its one document, with anchors
// and aliases at the top resolved, or nil for an empty file.
func (d *decoder) parse(data []byte) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, d.syntaxError(data, err)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if _, ok := doc.Body.(*ast.DirectiveNode); ok || isNull(doc.Body) {
			// goccy/go-yaml gives a %YAML directive a document of its own.
			continue
		}
		if body != nil {
			line := lineOf(doc.Body)
			if doc.Start != nil && doc.Start.Position != nil {
				line = doc.Start.Position.Line
			}
			return nil, &Error{File: d.file, Line: line, Reason: `a second YAML document: a config file holds one, so remove the "---" line and merge the two`}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil
	}
	if err := d.index(body); err != nil {
		return nil, err
	}
	root, rerr := d.resolve(body, "")
	if rerr != nil {
		return nil, rerr
	}
	if isNull(root) {
		return nil, nil
	}
	if _, ok := asMapping(root); !ok {
		return nil, d.errAt(root, "", "want a mapping of settings such as \"timezone: America/New_York\", got %s", describe(root))
	}
	return root, nil
}

// syntaxError turns an error of the YAML parser into an *Error.
func (d *decoder) syntaxError(data []byte, err error) *Error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: d.file, Reason: "YAML syntax: " + err.Error()}
	}
	e := &Error{File: d.file, Line: tokenLine(ye.GetToken()), Reason: "YAML syntax: " + ye.GetMessage()}
	msg := ye.GetMessage()
	switch {
	case strings.HasPrefix(msg, "mapping key ") && strings.Contains(msg, "already defined"):
		d.duplicate(data, e, ye.GetToken())
	case strings.Contains(msg, "reserved character"):
		e.Reason += `; put the value in quotes, as in daily: "@daily"`
	case strings.Contains(msg, "tab character") || strings.Contains(msg, "'\t'"):
		e.Reason += "; indent with spaces, not tabs"
	}
	return e
}

// duplicate rewrites e, the parser's report of a key given twice, to name
// the setting and the line it was first given on. The parser stops at the
// duplicate, so the file is parsed again, with duplicates allowed, to find
// out where the key sits.
func (d *decoder) duplicate(data []byte, e *Error, tok *token.Token) {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil || tok == nil || tok.Position == nil {
		return
	}
	again := &decoder{file: d.file}
	for _, doc := range f.Docs {
		if isNull(doc.Body) {
			continue
		}
		_ = again.index(doc.Body) // paths up to a problem still help
		for t, path := range again.paths {
			if t.Position == nil || t.Position.Offset != tok.Position.Offset {
				continue
			}
			if keys := again.keys[path]; len(keys) > 1 && keys[0].Position != nil {
				e.Path = path
				e.Reason = fmt.Sprintf("%s is given twice (first on line %d); keep one", lastElem(path), keys[0].Position.Line)
				return
			}
		}
	}
}

func lastElem(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// index records the path of every key and value token and every anchor,
// and refuses a key that is not a name: goccy/go-yaml's struct decoding
// drops a whole mapping without a word when one of its keys is a number.
// It also refuses a file whose aliases would expand it beyond maxExpanded
// values, before goccy/go-yaml expands them: its decoding of merge keys
// takes time exponential in how deeply they nest.
func (d *decoder) index(body ast.Node) *Error {
	d.paths = map[*token.Token]string{}
	d.nodes = map[*token.Token]ast.Node{}
	d.keys = map[string][]*token.Token{}
	d.anchors = map[string][]*ast.AnchorNode{}
	d.sizes = map[*ast.AnchorNode]int{}
	d.merged = map[*token.Token]bool{}
	d.open = map[string]int{}
	_, err := d.indexNode(body, "", 0)
	return err
}

// maxExpanded bounds the values a file may hold once its aliases are
// expanded. A config written out in full has a few dozen.
const maxExpanded = 10_000

// indexNode indexes n and returns how many values it holds with its
// aliases expanded.
func (d *decoder) indexNode(n ast.Node, path string, depth int) (int, *Error) {
	if n == nil {
		return 0, nil
	}
	// A null is indexed too: goccy/go-yaml reports a missing value at its
	// (implicit) token.
	if tok := n.GetToken(); tok != nil {
		if _, ok := d.paths[tok]; !ok {
			d.paths[tok] = path
			d.nodes[tok] = n
		}
	}
	if isNull(n) {
		return 1, nil
	}
	// The path would be hundreds of [0]s long.
	top, _, _ := strings.Cut(path, ".")
	top, _, _ = strings.Cut(top, "[")
	if depth > 10*maxNesting {
		return 0, d.errAt(n, top, "the YAML nests too deeply")
	}
	size := 1
	add := func(k int, at ast.Node) *Error {
		if size += k; size > maxExpanded {
			return d.errAt(at, top, "aliases and merge keys expand the file to more than %d values; write the settings out in full", maxExpanded)
		}
		return nil
	}
	switch n := n.(type) {
	case *ast.AnchorNode:
		name := anchorName(n.Name)
		d.open[name]++
		sz, err := d.indexNode(n.Value, path, depth+1)
		d.open[name]--
		if err != nil {
			return 0, err
		}
		if name != "" {
			d.anchors[name] = append(d.anchors[name], n)
			d.sizes[n] = sz
		}
		return sz, nil
	case *ast.AliasNode:
		// goccy/go-yaml reports these without a position, so they are
		// caught here first.
		name := anchorName(n.Value)
		if d.open[name] > 0 {
			return 0, d.errAt(n, path, "alias *%s is inside the anchor &%s it refers to, which would make it contain itself", name, name)
		}
		a := d.anchorFor(n)
		if a == nil {
			return 0, d.errAt(n, path, "alias *%s has no anchor &%s before it", name, name)
		}
		return d.sizes[a], nil
	case *ast.TagNode:
		return d.indexNode(n.Value, path, depth+1)
	case *ast.MappingNode:
		for _, mv := range n.Values {
			sz, err := d.indexPair(mv, path, depth)
			if err == nil {
				err = add(sz, mv.Value)
			}
			if err != nil {
				return 0, err
			}
		}
	case *ast.MappingValueNode:
		return d.indexPair(n, path, depth)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			sz, err := d.indexNode(v, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err == nil {
				err = add(sz, v)
			}
			if err != nil {
				return 0, err
			}
		}
	}
	return size, nil
}

func (d *decoder) indexPair(mv *ast.MappingValueNode, path string, depth int) (int, *Error) {
	if mv == nil || isNull(mv.Key) {
		return 0, d.errAt(mv, path, "a key is missing")
	}
	if mv.Key.IsMergeKey() {
		// What a merge brings in belongs to the mapping it is merged into.
		if mv.Value != nil && mv.Value.GetToken() != nil {
			d.merged[mv.Value.GetToken()] = true
		}
		return d.indexNode(mv.Value, path, depth+1)
	}
	name, ok := keyName(mv.Key)
	if !ok {
		return 0, d.errAt(mv.Key, path, "want a name as the key, got %s", describe(mv.Key))
	}
	p := join(path, name)
	if tok := mv.Key.GetToken(); tok != nil {
		d.paths[tok] = p
		d.keys[p] = append(d.keys[p], tok)
	}
	sz, err := d.indexNode(mv.Value, p, depth+1)
	return sz + 1, err
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// keyName returns the text of a key that is a plain or quoted string.
func keyName(k ast.Node) (string, bool) {
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	if s, ok := k.(*ast.StringNode); ok && s != nil {
		return s.Value, true
	}
	return "", false
}

func anchorName(n ast.Node) string {
	if isNull(n) || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

// resolve follows anchors and aliases to the node they stand for. YAML tags
// are refused: none is needed in a config, and goccy/go-yaml's handling of
// them (!!bool maybe, !!int "x") is looser than this package's checks.
func (d *decoder) resolve(n ast.Node, path string) (ast.Node, *Error) {
	for range maxNesting {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			a := d.anchorFor(v)
			if a == nil {
				return nil, d.errAt(v, path, "alias *%s has no anchor &%s before it", anchorName(v.Value), anchorName(v.Value))
			}
			n = a.Value
		case *ast.TagNode:
			tag := ""
			if v.Start != nil {
				tag = v.Start.Value
			}
			return nil, d.errAt(v, path, "YAML tags such as %s are not needed in a config: remove it", tag)
		default:
			return n, nil
		}
		if isNull(n) {
			return nil, nil
		}
	}
	return nil, d.errAt(n, path, "aliases nest too deeply")
}

// anchorFor returns the anchor an alias refers to: the nearest one of that
// name before it.
func (d *decoder) anchorFor(alias *ast.AliasNode) *ast.AnchorNode {
	at := alias.GetToken()
	if at == nil || at.Position == nil {
		return nil
	}
	var found *ast.AnchorNode
	for _, a := range d.anchors[anchorName(alias.Value)] {
		t := a.GetToken()
		if t == nil || t.Position == nil || t.Position.Offset >= at.Position.Offset {
			continue
		}
		if found == nil || t.Position.Offset > found.GetToken().Position.Offset {
			found = a
		}
	}
	return found
}

// entry is one key of a mapping with its value.
type entry struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

// entries returns the keys of m in file order, with merge keys (<<: *base)
// expanded: keys written in m win over merged ones, and an earlier merge
// wins over a later one, as YAML's merge key has it.
func (d *decoder) entries(m *ast.MappingNode, path string) ([]entry, *Error) {
	return d.mergedEntries(m, path, 0)
}

func (d *decoder) mergedEntries(m *ast.MappingNode, path string, depth int) ([]entry, *Error) {
	if es, ok := d.expanded[m]; ok {
		return es, nil
	}
	if depth > maxNesting {
		return nil, d.errAt(m, path, "merge keys (<<) nest too deeply, or lead back to the mapping they are in")
	}
	have := map[string]bool{}
	for _, mv := range m.Values {
		if !mv.Key.IsMergeKey() {
			name, _ := keyName(mv.Key) // index has checked every key
			have[name] = true
		}
	}
	var out []entry
	for _, mv := range m.Values {
		if !mv.Key.IsMergeKey() {
			name, _ := keyName(mv.Key)
			out = append(out, entry{key: name, keyNode: mv.Key, value: mv.Value})
			continue
		}
		src, err := d.resolve(mv.Value, path)
		if err != nil {
			return nil, err
		}
		var sources []ast.Node
		if seq, ok := src.(*ast.SequenceNode); ok {
			sources = seq.Values
		} else {
			sources = []ast.Node{src}
		}
		for _, s := range sources {
			s, err := d.resolve(s, path)
			if err != nil {
				return nil, err
			}
			sm, ok := asMapping(s)
			if !ok {
				return nil, d.errAt(mv.Key, path, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(s))
			}
			merged, err := d.mergedEntries(sm, path, depth+1)
			if err != nil {
				return nil, err
			}
			for _, e := range merged {
				if !have[e.key] {
					have[e.key] = true
					out = append(out, e)
				}
			}
		}
	}
	if d.expanded == nil {
		d.expanded = map[*ast.MappingNode][]entry{}
	}
	d.expanded[m] = out
	return out, nil
}

// str reads a string setting. It returns a nil node when the setting is
// absent or null, which leaves the default in place.
func (d *decoder) str(n ast.Node, path, want string) (string, ast.Node, *Error) {
	n, err := d.resolve(n, path)
	if err != nil || isNull(n) {
		return "", nil, err
	}
	s, ok := n.(*ast.StringNode)
	if !ok {
		return "", nil, d.errAt(n, path, "want %s, got %s", want, describe(n))
	}
	return s.Value, n, nil
}

// errAt makes an *Error at n's line.
func (d *decoder) errAt(n ast.Node, path, format string, args ...any) *Error {
	return &Error{File: d.file, Line: lineOf(n), Path: path, Reason: fmt.Sprintf(format, args...)}
}

// fromYAML turns an error from goccy/go-yaml's decoder into an *Error,
// finding the setting from the token it names.
func (d *decoder) fromYAML(err error) *Error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: d.file, Reason: "YAML: " + err.Error(), Err: err}
	}
	tok := ye.GetToken()
	path, node := d.lookup(tok)
	e := &Error{File: d.file, Line: tokenLine(tok), Path: path, Reason: ye.GetMessage()}
	var (
		unknown *yaml.UnknownFieldError
		unexp   *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		e.Reason = unknownSetting(path)
	case errors.As(err, &unexp) && d.merged[tok]:
		e.Reason = fmt.Sprintf("a merge key (<<) takes a mapping or a list of mappings, got %s", describe(node))
	case errors.As(err, &unexp) && path == "schedule":
		e.Reason = fmt.Sprintf(`want a mapping such as {daily: "%s", monthly: "%s"}, got %s`, DefaultDaily, DefaultMonthly, describe(node))
	case errors.As(err, &unexp):
		e.Reason = fmt.Sprintf("want a %s, got %s", nodeTypeName(unexp.Expected), describe(node))
	}
	return e
}

// lookup finds the setting at tok: the token itself if it was indexed,
// else the nearest indexed token before it on its line (an alias's name
// sits just after the alias's own token).
func (d *decoder) lookup(tok *token.Token) (string, ast.Node) {
	if tok == nil {
		return "", nil
	}
	if p, ok := d.paths[tok]; ok {
		return p, d.nodes[tok]
	}
	if tok.Position == nil {
		return "", nil
	}
	var best *token.Token
	for t := range d.paths {
		if t.Position == nil || t.Position.Line != tok.Position.Line || t.Position.Column > tok.Position.Column {
			continue
		}
		if best == nil || t.Position.Column > best.Position.Column {
			best = t
		}
	}
	if best == nil {
		return "", nil
	}
	return d.paths[best], d.nodes[best]
}

// unknownSetting explains an unknown key at path.
func unknownSetting(path string) string {
	parent, name := "", path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parent, name = path[:i], path[i+1:]
	}
	known, where := settings, "settings"
	if parent == "schedule" {
		known, where = scheduleKeys, "schedule settings"
	}
	reason := fmt.Sprintf("unknown setting (%s: %s)", where, strings.Join(known, ", "))
	if s := suggest(name, known); s != "" {
		reason += fmt.Sprintf("; did you mean %q?", s)
	}
	return reason
}

// describe says what a node is, for "want X, got Y".
func describe(n ast.Node) string {
	if isNull(n) {
		return "nothing"
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return fmt.Sprintf("%q", v.Value)
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + tokenText(n)
	case *ast.BoolNode:
		return tokenText(n)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an alias"
	case *ast.AnchorNode:
		return "an anchor"
	case *ast.TagNode:
		return "a tagged value"
	}
	return n.Type().String()
}

func nodeTypeName(t ast.NodeType) string {
	switch t {
	case ast.MappingType:
		return "mapping"
	case ast.SequenceType:
		return "list"
	}
	return strings.ToLower(t.String())
}

func tokenText(n ast.Node) string {
	if t := n.GetToken(); t != nil {
		return t.Value
	}
	return n.String()
}

// isNull reports whether n is absent or a YAML null (~, null, or nothing).
func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	switch v := n.(type) {
	case *ast.NullNode:
		return true
	case *ast.CommentGroupNode:
		return true
	case *ast.MappingNode:
		return v == nil
	case *ast.SequenceNode:
		return v == nil
	case *ast.StringNode:
		return v == nil
	}
	return false
}

// asMapping returns n as a mapping. goccy/go-yaml may give a lone
// key-value pair as a MappingValueNode.
func asMapping(n ast.Node) (*ast.MappingNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v, v != nil
	case *ast.MappingValueNode:
		if v == nil {
			return nil, false
		}
		return &ast.MappingNode{BaseNode: &ast.BaseNode{}, Start: v.Start, Values: []*ast.MappingValueNode{v}}, true
	}
	return nil, false
}

func isQuoted(s *ast.StringNode) bool {
	return s.Token != nil && (s.Token.Type == token.DoubleQuoteType || s.Token.Type == token.SingleQuoteType)
}

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if m, ok := n.(*ast.MappingNode); ok {
		if m == nil {
			return 0
		}
		// A block mapping's token is the first key's, but a mapping made
		// up from a lone pair has none.
		if len(m.Values) > 0 && m.Values[0] != nil && m.Values[0].Key != nil {
			if l := lineOf(m.Values[0].Key); l > 0 {
				return l
			}
		}
	}
	return tokenLine(n.GetToken())
}

func tokenLine(t *token.Token) int {
	if t == nil || t.Position == nil {
		return 0
	}
	return t.Position.Line
}
