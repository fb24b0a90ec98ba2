package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/quotabot/quotabot/internal/slackid"
	"github.com/quotabot/quotabot/quota"
)

// settings are the top-level keys, in the order the docs give them.
var settings = []string{"timezone", "channel", "schedule", "default_tier", "admins", "notify_near_limit", "tiers"}

var scheduleKeys = []string{"daily", "monthly"}

// document is the top of a config file, as goccy/go-yaml decodes it with
// yaml.Strict(), which refuses a key no field names. Each setting's type
// checks its value where the decoder hands it the node (UnmarshalYAML), so
// that what it refuses has the line and the setting's path, and rather
// than take what goccy would coerce (1.5 into an int as 1, 123 into a
// string as "123"). A setting left out or given no value stays nil.
type document struct {
	Timezone        *zone     `yaml:"timezone"`
	Channel         *channel  `yaml:"channel"`
	Schedule        *schedule `yaml:"schedule"`
	DefaultTier     *tierRef  `yaml:"default_tier"`
	Admins          *admins   `yaml:"admins"`
	NotifyNearLimit *flag     `yaml:"notify_near_limit"`
	Tiers           *tiers    `yaml:"tiers"`
}

// Parse parses a YAML config. name is only used in error messages (it is
// normally the file's path). Every key is optional, and an empty file gives
// Default(). Anything Parse refuses comes back as an *Error with the line,
// the setting's path and the reason. When a file has several problems, the
// one reported is the first found: one with the YAML as such (syntax,
// anchors and aliases, keys that are not names, tags), then the settings'
// in the order the docs list them, each in file order, then an unknown key.
func Parse(name string, data []byte) (Config, error) {
	// Editors on Windows may start a UTF-8 file with a byte order mark,
	// which goccy/go-yaml would take as part of the first key.
	cfg, err := parseDocument(bytes.TrimPrefix(data, []byte("\ufeff")))
	if err != nil {
		err.File = name
		return Config{}, err
	}
	return cfg, nil
}

func parseDocument(data []byte) (Config, *Error) {
	body, err := parse(data)
	if err != nil || body == nil {
		return Default(), err
	}
	var doc document
	if err := yaml.NodeToValue(body, &doc, yaml.Strict(), yaml.AllowDuplicateMapKey()); err != nil {
		// AllowDuplicateMapKey lets a key written out replace a merged
		// one; the parser has already refused keys written twice.
		return Config{}, decodeError(body, err)
	}
	return doc.config()
}

// config lays doc over the defaults.
func (doc *document) config() (Config, *Error) {
	cfg := Default()
	if doc.Timezone != nil {
		cfg.Timezone = doc.Timezone.loc
	}
	if doc.Channel != nil {
		cfg.Channel = string(*doc.Channel)
	}
	if s := doc.Schedule; s != nil && s.Daily != nil {
		cfg.Schedule.Daily = Cron(*s.Daily)
	}
	if s := doc.Schedule; s != nil && s.Monthly != nil {
		cfg.Schedule.Monthly = Cron(*s.Monthly)
	}
	if doc.Admins != nil {
		for _, id := range *doc.Admins {
			cfg.Admins = append(cfg.Admins, string(*id))
		}
	}
	if doc.NotifyNearLimit != nil {
		cfg.NotifyNearLimit = bool(*doc.NotifyNearLimit)
	}
	all := quota.DefaultTiers()
	if doc.Tiers != nil {
		doc.Tiers.addTo(all)
	}
	if doc.DefaultTier != nil {
		name, err := doc.DefaultTier.in(all)
		if err != nil {
			return Config{}, err
		}
		cfg.DefaultTier = name
	}
	plan, err := quota.NewPlan(all, cfg.DefaultTier)
	if err != nil {
		// The checks are meant to leave nothing for NewPlan to refuse; if
		// they do, still say which file is at fault.
		return Config{}, &Error{Path: "tiers", Reason: err.Error(), Err: err}
	}
	cfg.Plan = plan
	return cfg, nil
}

// text returns the string n holds, refusing anything else, saying what is
// wanted instead.
func text(n ast.Node, want string) (string, error) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		return "", errAt(n, "want %s, got %s", want, describe(n))
	}
	return s.Value, nil
}

// mappingOf returns the node that unmarshal decodes from (decoding into an
// ast.Node hands it over as it is), refusing it, saying what is wanted
// instead, if it is not a mapping.
func mappingOf(unmarshal func(any) error, want string) (ast.Node, error) {
	var n ast.Node
	if err := unmarshal(&n); err != nil {
		return nil, err
	}
	if !isMapping(n) {
		return nil, errAt(n, "want %s, got %s", want, describe(n))
	}
	return n, nil
}

// zone is the timezone setting.
type zone struct{ loc *time.Location }

func (z *zone) UnmarshalYAML(n ast.Node) error {
	name, err := text(n, "an IANA time zone name such as America/New_York")
	if err != nil {
		return err
	}
	switch name {
	case "":
		return errAt(n, "empty; want an IANA time zone name such as America/New_York, Europe/Berlin or UTC, or leave timezone out for UTC")
	case "Local":
		// time.LoadLocation accepts it, but it means whatever zone the
		// machine happens to be in, so days would start at a different
		// hour after a move to another server.
		return errAt(n, `"Local" depends on the machine the bot runs on; name the zone, such as America/New_York or UTC`)
	}
	loc, lerr := time.LoadLocation(name)
	if lerr != nil {
		return errAt(n, "unknown time zone %q (want an IANA name such as America/New_York, Europe/Berlin or UTC)", name)
	}
	z.loc = loc
	return nil
}

// channel is the channel setting.
type channel string

func (c *channel) UnmarshalYAML(n ast.Node) error {
	id, err := text(n, "a Slack channel ID such as C0123ABCD")
	if err != nil {
		return err
	}
	if !slackid.Channel(id) {
		hint := ""
		if strings.HasPrefix(id, "#") {
			hint = "that is the channel's name, and the name can change; "
		}
		return errAt(n, "%q is not a Slack channel ID: %swant an ID such as C0123ABCD (in Slack, open the channel's details: the ID is at the bottom)", id, hint)
	}
	*c = channel(id)
	return nil
}

// schedule is the schedule section.
type schedule struct {
	Daily   *cronSpec `yaml:"daily"`
	Monthly *cronSpec `yaml:"monthly"`
}

func (s *schedule) UnmarshalYAML(unmarshal func(any) error) error {
	if _, err := mappingOf(unmarshal, fmt.Sprintf(`a mapping such as {daily: "%s", monthly: "%s"}`, DefaultDaily, DefaultMonthly)); err != nil {
		return err
	}
	type plain schedule // without this method, for goccy/go-yaml to decode
	return unmarshal((*plain)(s))
}

// cronSpec is schedule.daily or schedule.monthly, parsed.
type cronSpec Cron

func (c *cronSpec) UnmarshalYAML(n ast.Node) error {
	spec, err := text(n, `a cron spec such as "0 9 1 * *"`)
	if err != nil {
		return err
	}
	sched, perr := ParseSchedule(spec)
	if perr != nil {
		return errAt(n, "%v", perr)
	}
	*c = cronSpec(sched)
	return nil
}

// admins is the admins setting. An empty item decodes as nil.
type admins []*userID

func (a *admins) UnmarshalYAML(unmarshal func(any) error) error {
	var n ast.Node
	if err := unmarshal(&n); err != nil {
		return err
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return errAt(n, "want a list of Slack user IDs such as [U0123ABCD], got %s", describe(n))
	}
	var ids []*userID
	if err := unmarshal(&ids); err != nil {
		return err
	}
	// goccy/go-yaml decodes a null item as nil without asking userID.
	if i := slices.Index(ids, nil); i >= 0 {
		return errAt(seq.Values[i], "want a Slack user ID such as U0123ABCD, got nothing; remove the empty item")
	}
	*a = ids
	return nil
}

// userID is an item of admins.
type userID string

func (u *userID) UnmarshalYAML(n ast.Node) error {
	id, err := text(n, "a Slack user ID such as U0123ABCD")
	if err != nil {
		return err
	}
	if reason := userIDProblem(id); reason != "" {
		return errAt(n, "%s", reason)
	}
	*u = userID(id)
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

// flag is notify_near_limit.
type flag bool

func (f *flag) UnmarshalYAML(n ast.Node) error {
	b, ok := n.(*ast.BoolNode)
	if !ok {
		return errAt(n, "want true or false, got %s", describe(n))
	}
	*f = flag(b.Value)
	return nil
}

// tierRef is default_tier, looked up once the tiers are known.
type tierRef struct {
	name string
	node ast.Node
}

func (r *tierRef) UnmarshalYAML(n ast.Node) error {
	name, err := text(n, "the name of a tier such as free")
	r.name, r.node = name, n
	return err
}

// in returns the name of the tier r names among all, matched as /quota
// tier matches it.
func (r *tierRef) in(all map[string]quota.Tier) (string, *Error) {
	// The built-in free tier always exists, so this plan builds.
	p, err := quota.NewPlan(all, DefaultTierName)
	if err != nil {
		return "", errAt(r.node, "%v", err)
	}
	t, err := p.ParseTier(r.name)
	if err != nil {
		reason := fmt.Sprintf("no tier named %q (tiers: %s)", r.name, strings.Join(p.TierNames(), ", "))
		var ue *quota.UnknownError
		if errors.As(err, &ue) && ue.Suggestion != "" {
			reason += fmt.Sprintf("; did you mean %q?", ue.Suggestion)
		}
		return "", errAt(r.node, "%s", reason)
	}
	return t.Name, nil
}
