package config

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/quotabot/quotabot/quota"
)

// The tiers section: tier names to kinds, kinds to windows, windows to
// limits. goccy/go-yaml decodes each level as a map, merge keys included;
// each level's type refuses what is not a mapping, each key's type a bad
// name, with the node at hand. A value left empty reaches no
// UnmarshalYAML (goccy/go-yaml decodes a null as the zero value without
// asking), so each level looks for those itself once decoded.

// tiers is the tiers section.
type tiers map[tierName]kinds

func (t *tiers) UnmarshalYAML(unmarshal func(any) error) error {
	n, err := mappingOf(unmarshal, "a mapping of tier names to their limits, such as {premium: {inmail: {day: 20, month: 300}}}")
	if err != nil {
		return err
	}
	if err := unmarshal((*map[tierName]kinds)(t)); err != nil {
		return err
	}
	if name, at := firstEmpty(n, *t, func(k tierName) string { return string(k) }, func(v kinds) bool { return len(v) == 0 }); at != nil {
		return errAt(at, "tier %s has no kinds: give it at least one, such as %s", name, kindExample)
	}
	return nil
}

// addTo puts the tiers into all, each replacing the one of its name.
func (t tiers) addTo(all map[string]quota.Tier) {
	for name, ks := range t {
		tier := quota.Tier{Name: string(name), Limits: make(map[quota.Kind][]quota.Limit, len(ks))}
		for k, ws := range ks {
			for w, max := range ws {
				if w.credit != "" {
					continue
				}
				tier.Limits[quota.Kind(k)] = append(tier.Limits[quota.Kind(k)], quota.Limit{Window: w.cal, Span: w.span, Max: int(*max)})
			}
			if c, ok := ws.credits(); ok {
				if tier.Credits == nil {
					tier.Credits = map[quota.Kind]quota.Credits{}
				}
				tier.Credits[quota.Kind(k)] = c
			}
		}
		all[string(name)] = tier
	}
}

const kindExample = "message: {day: 100, month: 1500}"

// kinds is one tier's kinds.
type kinds map[kindName]windows

func (k *kinds) UnmarshalYAML(unmarshal func(any) error) error {
	n, err := mappingOf(unmarshal, "a mapping of kinds to their limits, such as {"+kindExample+"}")
	if err != nil {
		return err
	}
	if err := unmarshal((*map[kindName]windows)(k)); err != nil {
		return err
	}
	if name, at := firstEmpty(n, *k, func(k kindName) string { return string(k) }, func(v windows) bool { return len(v) == 0 }); at != nil {
		return errAt(at, "kind %s has no limits: give at least one window (day, week or month), such as %s: {day: 100, month: 1500}, or a rolling span such as %s: {7d: 100}", name, name, name)
	}
	return nil
}

// windows is one kind's limits, by window. A limit left empty is nil.
type windows map[window]*limit

func (w *windows) UnmarshalYAML(unmarshal func(any) error) error {
	var n ast.Node
	if err := unmarshal(&n); err != nil {
		return err
	}
	// The kind is the last part of the path.
	path := settingPath(n)
	kind := path[strings.LastIndexByte(path, '.')+1:]
	if !isMapping(n) {
		return errAt(n, "want a mapping of windows to limits, such as %s: {day: 100, month: 1500}, got %s", kind, describe(n))
	}
	if err := unmarshal((*map[window]*limit)(w)); err != nil {
		return err
	}
	if _, at := firstEmpty(n, *w, func(k window) string { return k.name }, func(v *limit) bool { return v == nil }); at != nil {
		return errAt(at, "want a whole number from 0 to %d, got nothing", MaxLimit)
	}
	if err := w.sameSpan(n); err != nil {
		return err
	}
	return w.checkCredits(n)
}

// keyNodes returns where in map n each key is written, for an error to
// point at; a key not written there (merged in from elsewhere) is at n.
func keyNodes(n ast.Node) func(name string) ast.Node {
	keys := map[string]ast.Node{}
	for it := n.(ast.MapNode).MapRange(); it.Next(); {
		if s, ok := keyName(it.Key()); ok {
			keys[s] = it.Key()
		}
	}
	return func(name string) ast.Node {
		if k, ok := keys[name]; ok {
			return k
		}
		return n
	}
}

// sameSpan refuses one window written two ways, such as 7d and 168h: the
// parser sees two keys, but they are one window. It reports the later key
// in the file; one merged in from elsewhere is reported at n.
func (w windows) sameSpan(n ast.Node) error {
	at := keyNodes(n)
	// In file order, so that the second spelling is the one refused.
	ws := slices.Collect(maps.Keys(w))
	slices.SortFunc(ws, func(a, b window) int {
		return cmp.Or(cmp.Compare(lineOf(at(a.name)), lineOf(at(b.name))), cmp.Compare(columnOf(at(a.name)), columnOf(at(b.name))), cmp.Compare(a.name, b.name))
	})
	var first, second window
	for i, b := range ws {
		if j := slices.IndexFunc(ws[:i], b.sameAs); j >= 0 {
			first, second = ws[j], b
			break
		}
	}
	if second.name == "" {
		return nil
	}
	return errAt(at(second.name), "%s is the same window as %s (line %d), written another way; keep one", second.name, first.name, lineOf(at(first.name)))
}

// firstEmpty finds the value in m that empty says was left empty, and its
// key in mapping n: the first in the file when there are several. A key
// merged in from elsewhere is not in n itself, and is reported at n.
func firstEmpty[K comparable, V any](n ast.Node, m map[K]V, name func(K) string, empty func(V) bool) (string, ast.Node) {
	first, at := "", ast.Node(nil)
	for k, v := range m {
		if !empty(v) {
			continue
		}
		key := n
		for it := n.(ast.MapNode).MapRange(); it.Next(); {
			if s, ok := keyName(it.Key()); ok && s == name(k) {
				key = it.Key()
			}
		}
		if l := lineOf(key); at == nil || l < lineOf(at) || l == lineOf(at) && name(k) < first {
			first, at = name(k), key
		}
	}
	return first, at
}

// tierName is a key of tiers.
type tierName string

func (t *tierName) UnmarshalYAML(n ast.Node) error {
	s, _ := keyName(n) // the guard has seen that it is one
	if reason := nameProblem("tier", s); reason != "" {
		return errAt(n, "%s", reason)
	}
	*t = tierName(s)
	return nil
}

// kindName is a key of kinds.
type kindName string

func (k *kindName) UnmarshalYAML(n ast.Node) error {
	s, _ := keyName(n)
	if reason := nameProblem("kind", s); reason != "" {
		return errAt(n, "%s", reason)
	}
	if s == "undo" {
		return errAt(n, `kind name "undo" would clash with /logsend undo; choose another name`)
	}
	*k = kindName(s)
	return nil
}

// columnOf is the column n starts at, 0 when it has no token.
func columnOf(n ast.Node) int {
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Column
	}
	return 0
}

// window is a key of windows: a calendar window or a rolling span, and the
// name it is written with, or one of a credit kind's keys (credit, see
// credits.go). Keyed by that name, 7d and 168h stay two keys until
// sameSpan sees that they are one window.
type window struct {
	name   string
	cal    quota.Window
	span   time.Duration
	credit string
}

func (w window) sameAs(o window) bool {
	return w.cal == o.cal && w.span == o.span && w.credit == o.credit
}

func (w *window) UnmarshalYAML(n ast.Node) error {
	s, _ := keyName(n)
	if slices.Contains(creditKeys, s) {
		*w = window{name: s, credit: s}
		return nil
	}
	if win, err := quota.ParseWindow(s); err == nil {
		*w = window{name: s, cal: win}
		return nil
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		reason := fmt.Sprintf("unknown window %q (want day, week or month)", s)
		if c := quota.Closest(s, append([]string{"day", "week", "month"}, creditKeys...)); c != "" {
			reason += fmt.Sprintf("; did you mean %q?", c)
		}
		return errAt(n, "%s", reason)
	}
	span, err := quota.ParseSpan(s)
	if err != nil {
		return errAt(n, "%s", spanProblem(s))
	}
	*w = window{name: s, span: span}
	return nil
}

// spanProblem says what is wrong with s, a window that starts with a
// digit but that quota.ParseSpan refuses, and how to write it.
func spanProblem(s string) string {
	const want = "a rolling window is whole days or whole hours, from 1h to 366d, such as 7d or 36h"
	num, unit := strings.TrimRight(s, "dhDH"), strings.ToLower(s[len(strings.TrimRight(s, "dhDH")):])
	n, err := strconv.ParseFloat(num, 64)
	switch {
	case len(unit) != 1 || err != nil || strings.ContainsAny(num, "eExX_+-") || math.IsInf(n, 0) || math.IsNaN(n):
		return fmt.Sprintf("unknown window %q: %s", s, want)
	case unit != s[len(num):]:
		return fmt.Sprintf("span %s: write the unit in lower case, %s%s", s, num, unit)
	}
	hours := n
	if unit == "d" {
		hours = n * 24
	}
	switch {
	case hours < 1:
		return fmt.Sprintf("span %s is shorter than an hour: %s", s, want)
	case hours > float64(quota.MaxSpan/time.Hour):
		return fmt.Sprintf("span %s is longer than a year: %s", s, want)
	case hours != math.Trunc(hours):
		return fmt.Sprintf("span %s is not whole hours: %s", s, want)
	case n != math.Trunc(n):
		return fmt.Sprintf("span %s is not whole days: write it in hours, %dh", s, int(hours))
	}
	// A whole number ParseSpan still refused: a leading zero, or a
	// point with nothing after it but zeros.
	return fmt.Sprintf("span %s: write it as %d%s", s, int(n), unit)
}

// limit is a limit: a whole number from 0 to MaxLimit, written as a
// number. A quoted "100" is refused rather than read, so that a type
// mistake elsewhere in the file is not quietly accepted here.
type limit int

func (l *limit) UnmarshalYAML(n ast.Node) error {
	want := fmt.Sprintf("want a whole number from 0 to %d", MaxLimit)
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			if x < 0 {
				return errAt(n, "limit %d is negative (%s)", x, want)
			}
			if x > MaxLimit {
				return errAt(n, "limit %d is too large (%s)", x, want)
			}
			*l = limit(x)
			return nil
		case uint64:
			if x > MaxLimit {
				return errAt(n, "limit %d is too large (%s)", x, want)
			}
			*l = limit(x)
			return nil
		}
	case *ast.StringNode:
		if digits(v.Value) {
			if v.Token != nil && (v.Token.Type == token.DoubleQuoteType || v.Token.Type == token.SingleQuoteType) {
				return errAt(n, "%s, got the string %q: remove the quotes", want, v.Value)
			}
			// The YAML parser leaves integers too big for 64 bits as
			// strings.
			if strings.HasPrefix(v.Value, "-") {
				return errAt(n, "limit %s is negative (%s)", v.Value, want)
			}
			return errAt(n, "limit %s is too large (%s)", v.Value, want)
		}
	}
	return errAt(n, "%s, got %s", want, describe(n))
}

// digits reports whether s is an optionally signed run of decimal digits.
func digits(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// nameProblem says what is wrong with a tier or kind name, or "". Names are
// lower case because members type them (/quota tier premium, /logsend 3
// inmail) and both are matched case-insensitively; they start with a letter
// so that /logsend can tell a kind from a count.
func nameProblem(what, s string) string {
	valid := func(s string) bool {
		if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return false
			}
		}
		return true
	}
	switch {
	case valid(s):
		return ""
	case s == "":
		return fmt.Sprintf("a %s needs a name", what)
	case len(s) > 32:
		return fmt.Sprintf("%s name %q is longer than 32 characters", what, s)
	case valid(strings.ToLower(s)):
		return fmt.Sprintf("%s name %q must be lower case: write %q", what, s, strings.ToLower(s))
	}
	return fmt.Sprintf("%s name %q must start with a letter and use only a-z, 0-9, _ and -", what, s)
}
