package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/quotabot/quotabot/internal/slackid"
	"github.com/quotabot/quotabot/quota"
)

// settings are the top-level keys, in the order the docs give them.
var settings = []string{"timezone", "channel", "schedule", "default_tier", "admins", "notify_near_limit", "tiers"}

// document is the top of a config file. goccy/go-yaml decodes it with
// yaml.Strict(), which refuses unknown keys. The values stay ast.Nodes:
// the decoder coerces scalars (1.5 decoded into an int is 1, and 123 into a
// string is "123"), and a config should refuse those, with their line,
// rather than guess what was meant.
type document struct {
	Timezone        ast.Node     `yaml:"timezone"`
	Channel         ast.Node     `yaml:"channel"`
	Schedule        *scheduleDoc `yaml:"schedule"`
	DefaultTier     ast.Node     `yaml:"default_tier"`
	Admins          ast.Node     `yaml:"admins"`
	NotifyNearLimit ast.Node     `yaml:"notify_near_limit"`
	Tiers           ast.Node     `yaml:"tiers"`
}

// scheduleDoc is a struct rather than a node so that yaml.Strict() checks
// its keys too.
type scheduleDoc struct {
	Daily   ast.Node `yaml:"daily"`
	Monthly ast.Node `yaml:"monthly"`
}

var scheduleKeys = []string{"daily", "monthly"}

// Parse parses a YAML config. name is only used in error messages (it is
// normally the file's path). Every key is optional, and an empty file gives
// Default(). Anything Parse refuses comes back as an *Error with the line,
// the setting's path and the reason; when a file has several problems, the
// one reported is the first found, which is usually the first in the file.
func Parse(name string, data []byte) (Config, error) {
	d := &decoder{file: name}
	// Editors on Windows may start a UTF-8 file with a byte order mark,
	// which goccy/go-yaml would take as part of the first key.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	root, err := d.parse(data)
	if err != nil {
		return Config{}, err
	}
	cfg := Default()
	if root == nil {
		return cfg, nil
	}
	var doc document
	if err := yaml.NodeToValue(root, &doc, yaml.Strict()); err != nil {
		return Config{}, d.fromYAML(err)
	}

	// The settings are independent of one another (bar default_tier, which
	// needs the tiers), so each is checked, and the earliest problem in the
	// file is the one reported.
	var first *Error
	note := func(err *Error) {
		if err != nil && (first == nil || err.Line < first.Line) {
			first = err
		}
	}
	note(d.timezone(doc.Timezone, &cfg))
	note(d.channel(doc.Channel, &cfg))
	if doc.Schedule != nil {
		note(d.schedule(doc.Schedule.Daily, "schedule.daily", &cfg.Schedule.Daily))
		note(d.schedule(doc.Schedule.Monthly, "schedule.monthly", &cfg.Schedule.Monthly))
	}
	note(d.admins(doc.Admins, &cfg))
	note(d.notify(doc.NotifyNearLimit, &cfg))
	tiers, terr := d.tiers(doc.Tiers)
	note(terr)
	if terr == nil {
		note(d.defaultTier(doc.DefaultTier, tiers, &cfg))
	}
	if first != nil {
		return Config{}, first
	}
	plan, perr := quota.NewPlan(tiers, cfg.DefaultTier)
	if perr != nil {
		// The checks above are meant to leave nothing for NewPlan to
		// refuse; if they do, still say which file is at fault.
		return Config{}, &Error{File: name, Path: "tiers", Reason: perr.Error(), Err: perr}
	}
	cfg.Plan = plan
	return cfg, nil
}

func (d *decoder) timezone(n ast.Node, cfg *Config) *Error {
	const path = "timezone"
	name, node, err := d.str(n, path, "an IANA time zone name such as America/New_York")
	if err != nil || node == nil {
		return err
	}
	switch name {
	case "":
		return d.errAt(node, path, "empty; want an IANA time zone name such as America/New_York, Europe/Berlin or UTC, or leave timezone out for UTC")
	case "Local":
		// time.LoadLocation accepts it, but it means whatever zone the
		// machine happens to be in, so days would start at a different
		// hour after a move to another server.
		return d.errAt(node, path, `"Local" depends on the machine the bot runs on; name the zone, such as America/New_York or UTC`)
	}
	loc, lerr := time.LoadLocation(name)
	if lerr != nil {
		return d.errAt(node, path, "unknown time zone %q (want an IANA name such as America/New_York, Europe/Berlin or UTC)", name)
	}
	cfg.Timezone = loc
	return nil
}

func (d *decoder) channel(n ast.Node, cfg *Config) *Error {
	const path = "channel"
	id, node, err := d.str(n, path, "a Slack channel ID such as C0123ABCD")
	if err != nil || node == nil {
		return err
	}
	if !slackid.Channel(id) {
		hint := ""
		if strings.HasPrefix(id, "#") {
			hint = "that is the channel's name, and the name can change; "
		}
		return d.errAt(node, path, "%q is not a Slack channel ID: %swant an ID such as C0123ABCD (in Slack, open the channel's details: the ID is at the bottom)", id, hint)
	}
	cfg.Channel = id
	return nil
}

func (d *decoder) schedule(n ast.Node, path string, sched *Cron) *Error {
	s, node, err := d.str(n, path, `a cron spec such as "0 9 1 * *"`)
	if err != nil || node == nil {
		return err
	}
	c, serr := ParseSchedule(s)
	if serr != nil {
		return d.errAt(node, path, "%v", serr)
	}
	*sched = c
	return nil
}

func (d *decoder) admins(n ast.Node, cfg *Config) *Error {
	const path = "admins"
	const want = "a list of Slack user IDs such as [U0123ABCD]"
	n, err := d.resolve(n, path)
	if err != nil || isNull(n) {
		return err
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return d.errAt(n, path, "want %s, got %s", want, describe(n))
	}
	var ids []string
	for i, el := range seq.Values {
		p := fmt.Sprintf("%s[%d]", path, i)
		id, node, err := d.str(el, p, "a Slack user ID such as U0123ABCD")
		if err != nil {
			return err
		}
		if node == nil {
			return d.errAt(el, p, "want a Slack user ID such as U0123ABCD, got nothing; remove the empty item")
		}
		if reason := userIDProblem(id); reason != "" {
			return d.errAt(node, p, "%s", reason)
		}
		ids = append(ids, id)
	}
	cfg.Admins = ids
	return nil
}

// userIDProblem says what is wrong with id as a Slack user ID, or "".
func userIDProblem(id string) string {
	const want = "want an ID such as U0123ABCD (in Slack, open the member's profile, then ⋮, Copy member ID)"
	switch {
	case slackid.User(id):
		return ""
	case strings.HasPrefix(id, "<@"):
		inner := strings.TrimSuffix(strings.TrimPrefix(id, "<@"), ">")
		inner, _, _ = strings.Cut(inner, "|")
		return fmt.Sprintf("%q is a mention; write the bare ID, %q", id, inner)
	case slackid.User(strings.ToUpper(id)):
		return fmt.Sprintf("%q: Slack IDs are upper case; write %q", id, strings.ToUpper(id))
	}
	return fmt.Sprintf("%q is not a Slack user ID: %s", id, want)
}

func (d *decoder) notify(n ast.Node, cfg *Config) *Error {
	const path = "notify_near_limit"
	n, err := d.resolve(n, path)
	if err != nil || isNull(n) {
		return err
	}
	b, ok := n.(*ast.BoolNode)
	if !ok {
		return d.errAt(n, path, "want true or false, got %s", describe(n))
	}
	cfg.NotifyNearLimit = b.Value
	return nil
}

// tiers reads the tiers section and returns the built-in tiers with those
// it names replaced, and the others it adds.
func (d *decoder) tiers(n ast.Node) (map[string]quota.Tier, *Error) {
	const path = "tiers"
	tiers := quota.DefaultTiers()
	n, err := d.resolve(n, path)
	if err != nil || isNull(n) {
		return tiers, err
	}
	m, ok := asMapping(n)
	if !ok {
		return nil, d.errAt(n, path, "want a mapping of tier names to their limits, such as {premium: {inmail: {day: 20, month: 300}}}, got %s", describe(n))
	}
	entries, err := d.entries(m, path)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		t, err := d.tier(e, path+"."+e.key)
		if err != nil {
			return nil, err
		}
		tiers[e.key] = t
	}
	return tiers, nil
}

func (d *decoder) tier(e entry, path string) (quota.Tier, *Error) {
	if reason := nameProblem("tier", e.key); reason != "" {
		return quota.Tier{}, d.errAt(e.keyNode, path, "%s", reason)
	}
	n, err := d.resolve(e.value, path)
	if err != nil {
		return quota.Tier{}, err
	}
	const example = "message: {day: 100, month: 1500}"
	m, ok := asMapping(n)
	if !ok && !isNull(n) {
		return quota.Tier{}, d.errAt(n, path, "want a mapping of kinds to their limits, such as {%s}, got %s", example, describe(n))
	}
	var kinds []entry
	if ok {
		if kinds, err = d.entries(m, path); err != nil {
			return quota.Tier{}, err
		}
	}
	if len(kinds) == 0 {
		return quota.Tier{}, d.errAt(e.keyNode, path, "tier %s has no kinds: give it at least one, such as %s", e.key, example)
	}
	t := quota.Tier{Name: e.key, Limits: make(map[quota.Kind][]quota.Limit, len(kinds))}
	for _, k := range kinds {
		limits, err := d.kind(k, path+"."+k.key)
		if err != nil {
			return quota.Tier{}, err
		}
		t.Limits[quota.Kind(k.key)] = limits
	}
	return t, nil
}

func (d *decoder) kind(e entry, path string) ([]quota.Limit, *Error) {
	if reason := nameProblem("kind", e.key); reason != "" {
		return nil, d.errAt(e.keyNode, path, "%s", reason)
	}
	if e.key == "undo" {
		return nil, d.errAt(e.keyNode, path, `kind name "undo" would clash with /logsend undo; choose another name`)
	}
	n, err := d.resolve(e.value, path)
	if err != nil {
		return nil, err
	}
	example := e.key + ": {day: 100, month: 1500}"
	m, ok := asMapping(n)
	if !ok && !isNull(n) {
		return nil, d.errAt(n, path, "want a mapping of windows to limits, such as %s, got %s", example, describe(n))
	}
	var windows []entry
	if ok {
		if windows, err = d.entries(m, path); err != nil {
			return nil, err
		}
	}
	if len(windows) == 0 {
		return nil, d.errAt(e.keyNode, path, "kind %s has no limits: give at least one window (day, week or month), such as %s", e.key, example)
	}
	limits := make([]quota.Limit, 0, len(windows))
	for _, w := range windows {
		wpath := path + "." + w.key
		win, werr := quota.ParseWindow(w.key)
		if werr != nil {
			reason := fmt.Sprintf("unknown window %q (want day, week or month)", w.key)
			if s := suggest(w.key, []string{"day", "week", "month"}); s != "" {
				reason += fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, d.errAt(w.keyNode, wpath, "%s", reason)
		}
		max, err := d.limit(w.value, wpath)
		if err != nil {
			return nil, err
		}
		limits = append(limits, quota.Limit{Window: win, Max: max})
	}
	return limits, nil
}

// limit reads a limit: a whole number from 0 to MaxLimit, written as a
// number. A quoted "100" is refused rather than read, so that a type
// mistake elsewhere in the file is not quietly accepted here.
func (d *decoder) limit(n ast.Node, path string) (int, *Error) {
	want := fmt.Sprintf("want a whole number from 0 to %d", MaxLimit)
	n, err := d.resolve(n, path)
	if err != nil {
		return 0, err
	}
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			if x < 0 {
				return 0, d.errAt(n, path, "limit %d is negative (%s)", x, want)
			}
			if x > MaxLimit {
				return 0, d.errAt(n, path, "limit %d is too large (%s)", x, want)
			}
			return int(x), nil
		case uint64:
			if x > MaxLimit {
				return 0, d.errAt(n, path, "limit %d is too large (%s)", x, want)
			}
			return int(x), nil
		}
	case *ast.StringNode:
		if digits(v.Value) {
			if isQuoted(v) {
				return 0, d.errAt(n, path, "%s, got the string %q: remove the quotes", want, v.Value)
			}
			// The YAML parser leaves integers too big for 64 bits as
			// strings.
			if strings.HasPrefix(v.Value, "-") {
				return 0, d.errAt(n, path, "limit %s is negative (%s)", v.Value, want)
			}
			return 0, d.errAt(n, path, "limit %s is too large (%s)", v.Value, want)
		}
	}
	return 0, d.errAt(n, path, "%s, got %s", want, describe(n))
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

func (d *decoder) defaultTier(n ast.Node, tiers map[string]quota.Tier, cfg *Config) *Error {
	const path = "default_tier"
	name, node, err := d.str(n, path, "the name of a tier such as free")
	if err != nil || node == nil {
		return err
	}
	// The built-in free tier always exists, so this plan builds; it is
	// only here to look the name up the way /quota tier does.
	p, perr := quota.NewPlan(tiers, DefaultTierName)
	if perr != nil {
		return d.errAt(node, path, "%v", perr)
	}
	t, terr := p.ParseTier(name)
	if terr != nil {
		reason := fmt.Sprintf("no tier named %q (tiers: %s)", name, strings.Join(p.TierNames(), ", "))
		var ue *quota.UnknownError
		if errors.As(terr, &ue) && ue.Suggestion != "" {
			reason += fmt.Sprintf("; did you mean %q?", ue.Suggestion)
		}
		return d.errAt(node, path, "%s", reason)
	}
	cfg.DefaultTier = t.Name
	return nil
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

// suggest returns the name in names nearest to s, if it is close enough to
// be a typo of it.
func suggest(s string, names []string) string {
	best, bestD := "", 0
	for _, n := range names {
		if d := editDistance(s, n); best == "" || d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" || bestD > max(1, len(best)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes;
// config keys are ASCII.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
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
