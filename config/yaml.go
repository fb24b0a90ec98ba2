package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/quotabot/quotabot/quota"
)

// This file is the YAML side of Parse: goccy/go-yaml parses the file, the
// guard (guard.go) readies the document for its decoder, and its errors
// become *Errors. The decoding itself, into the types in parse.go and
// tiers.go, is goccy's.

// parse parses data and returns the body of its one document, guarded, or
// nil for an empty file.
func parse(data []byte) (ast.Node, *Error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, syntaxError(data, err)
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
			return nil, &Error{Line: line, Reason: `a second YAML document: a config file holds one, so remove the "---" line and merge the two`}
		}
		body = doc.Body
	}
	if body == nil {
		return nil, nil
	}
	g := guard{anchors: map[string]*ast.AnchorNode{}, sizes: map[*ast.AnchorNode]int{}, open: map[string]int{}}
	body, _, gerr := g.node(body, 0)
	switch {
	case gerr != nil:
		return nil, gerr
	case g.tag != nil:
		// None is needed in a config, and goccy/go-yaml's reading of them
		// (!!bool maybe, !!int "x") is looser than the settings' checks.
		return nil, errAt(g.tag, "YAML tags such as %s are not needed in a config: remove it", tokenValue(g.tag))
	case isNull(body):
		return nil, nil
	case !isMapping(body):
		return nil, errAt(body, "want a mapping of settings such as \"timezone: America/New_York\", got %s", describe(body))
	}
	return body, nil
}

// syntaxError turns an error of the YAML parser into an *Error.
func syntaxError(data []byte, err error) *Error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{Reason: "YAML syntax: " + err.Error()}
	}
	e := &Error{Line: tokenLine(ye.GetToken()), Reason: "YAML syntax: " + ye.GetMessage()}
	msg := ye.GetMessage()
	switch {
	case strings.HasPrefix(msg, "mapping key ") && strings.Contains(msg, "already defined"):
		duplicate(data, e, ye.GetToken())
	case strings.Contains(msg, "reserved character"):
		e.Reason += `; put the value in quotes, as in daily: "@daily"`
	case strings.Contains(msg, "tab character") || strings.Contains(msg, "'\t'"):
		e.Reason += "; indent with spaces, not tabs"
	}
	return e
}

// duplicate rewrites e, the parser's report of a key given twice, to name
// the setting and the line it was first given on. The parser stops at the
// second key, so the file is parsed again with duplicates allowed; the
// first key is the first pair with the second's path.
func duplicate(data []byte, e *Error, tok *token.Token) {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return
	}
	for _, doc := range f.Docs {
		pairs := pairsOf(doc.Body)
		i := slices.IndexFunc(pairs, keyAt(tok))
		if i < 0 {
			continue
		}
		first := pairs[slices.IndexFunc(pairs, func(mv *ast.MappingValueNode) bool { return mv.GetPath() == pairs[i].GetPath() })]
		name, _ := keyName(first.Key)
		e.Path = settingPath(pairs[i])
		e.Reason = fmt.Sprintf("%s is given twice (first on line %d); keep one", name, lineOf(first.Key))
		return
	}
}

// decodeError turns an error from goccy/go-yaml's decoder into an *Error:
// one a setting's UnmarshalYAML made, as it is; one of goccy's own, such as
// an unknown key, with the setting found by the token it names.
func decodeError(body ast.Node, err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{Reason: "YAML: " + err.Error(), Err: err}
	}
	e := &Error{Line: tokenLine(ye.GetToken()), Reason: ye.GetMessage()}
	pairs := pairsOf(body)
	i := slices.IndexFunc(pairs, pairAt(ye.GetToken()))
	if i < 0 {
		return e
	}
	mv := pairs[i]
	var (
		unknown *yaml.UnknownFieldError
		unexp   *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		mv = firstUnknown(body, mv)
		name, _ := keyName(mv.Key)
		e.Line, e.Reason = lineOf(mv.Key), unknownSetting(name, inSchedule(mv))
	case errors.As(err, &unexp) && mv.Key.IsMergeKey():
		// goccy/go-yaml merges a list of mappings into a map, not into
		// a struct such as the top of the file.
		e.Reason = "a merge key (<<) here takes one mapping, not a list: merge them into one"
	}
	e.Path = settingPath(mv)
	return e
}

// firstUnknown returns the first unknown key in the mapping that holds mv,
// an unknown key: goccy/go-yaml reports one of several at random.
func firstUnknown(body ast.Node, mv *ast.MappingValueNode) *ast.MappingValueNode {
	known := settings
	if inSchedule(mv) {
		known = scheduleKeys
	}
	if m, ok := ast.Parent(body, mv).(*ast.MappingNode); ok {
		for _, p := range m.Values {
			if name, ok := keyName(p.Key); ok && !slices.Contains(known, name) {
				return p
			}
		}
	}
	return mv
}

// inSchedule reports whether mv is in the schedule section. Only it and
// the top of the file are decoded as structs, which have unknown keys.
func inSchedule(mv *ast.MappingValueNode) bool {
	return strings.HasPrefix(settingPath(mv), "schedule.")
}

// pairsOf returns the key-value pairs under n, in file order.
func pairsOf(n ast.Node) []*ast.MappingValueNode {
	if n == nil {
		return nil
	}
	var out []*ast.MappingValueNode
	for _, p := range ast.Filter(ast.MappingValueType, n) {
		out = append(out, p.(*ast.MappingValueNode))
	}
	return out
}

// keyAt matches the pair whose key is at tok's place in the file.
func keyAt(tok *token.Token) func(*ast.MappingValueNode) bool {
	return func(mv *ast.MappingValueNode) bool { return sameToken(mv.Key, tok) }
}

// pairAt matches the pair whose key or value is at tok's place.
func pairAt(tok *token.Token) func(*ast.MappingValueNode) bool {
	return func(mv *ast.MappingValueNode) bool { return sameToken(mv.Key, tok) || sameToken(mv.Value, tok) }
}

func sameToken(n ast.Node, tok *token.Token) bool {
	if isNull(n) || tok == nil || tok.Position == nil {
		return false
	}
	t := n.GetToken()
	return t != nil && t.Position != nil && t.Position.Offset == tok.Position.Offset
}

// unknownSetting explains an unknown key, name, at the top of the file or
// in the schedule section.
func unknownSetting(name string, inSchedule bool) string {
	known, where := settings, "settings"
	if inSchedule {
		known, where = scheduleKeys, "schedule settings"
	}
	reason := fmt.Sprintf("unknown setting (%s: %s)", where, strings.Join(known, ", "))
	if s := quota.Closest(name, known); s != "" {
		reason += fmt.Sprintf("; did you mean %q?", s)
	}
	return reason
}

// errAt makes an *Error about the setting at n, on n's line.
func errAt(n ast.Node, format string, args ...any) *Error {
	return errIn(settingPath(n), n, format, args...)
}

// errIn makes an *Error about the setting at path, on n's line.
func errIn(path string, n ast.Node, format string, args ...any) *Error {
	return &Error{Line: lineOf(n), Path: path, Reason: fmt.Sprintf(format, args...)}
}

// settingPath is the setting n sits at: goccy/go-yaml's path of the node
// ("$.tiers.gold.<<.message"), less what a merge key brings in, which
// belongs to the mapping it is merged into ("tiers.gold.message").
func settingPath(n ast.Node) string {
	if n == nil {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(n.GetPath(), "$"), ".")
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" || s == "<<" || strings.HasPrefix(s, "<<[") })
	return strings.Join(parts, ".")
}

// topOf is the top-level setting n is in.
func topOf(n ast.Node) string {
	top, _, _ := strings.Cut(settingPath(n), ".")
	top, _, _ = strings.Cut(top, "[")
	return top
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
		return "the number " + tokenValue(n)
	case *ast.BoolNode:
		return tokenValue(n)
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

// isNull reports whether n is absent or a YAML null (~, null, or nothing).
func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	switch v := n.(type) {
	case *ast.NullNode, *ast.CommentGroupNode:
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

// isMapping reports whether n is a mapping; goccy/go-yaml may give a lone
// key-value pair as one.
func isMapping(n ast.Node) bool {
	_, ok := n.(ast.MapNode)
	return ok
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

func tokenValue(n ast.Node) string {
	if isNull(n) || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	return tokenLine(n.GetToken())
}

func tokenLine(t *token.Token) int {
	if t == nil || t.Position == nil {
		return 0
	}
	return t.Position.Line
}
