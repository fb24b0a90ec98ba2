package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/quota"
)

// mustRead returns the contents of a file under testdata.
func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantLimit checks one limit of a parsed plan; max < 0 means the tier must
// not have that window for the kind at all.
func wantLimit(t *testing.T, c config.Config, tier string, k quota.Kind, w quota.Window, max int) {
	t.Helper()
	tr, ok := c.Plan.Tiers[tier]
	if !ok {
		t.Errorf("tier %s: missing (tiers: %v)", tier, c.Plan.TierNames())
		return
	}
	l, ok := tr.Limit(k, w)
	switch {
	case max < 0 && ok:
		t.Errorf("%s %s per %s: got %d, want no limit", tier, k, w, l.Max)
	case max >= 0 && !ok:
		t.Errorf("%s %s per %s: got no limit, want %d", tier, k, w, max)
	case ok && l.Max != max:
		t.Errorf("%s %s per %s: got %d, want %d", tier, k, w, l.Max, max)
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	c := config.Default()
	if c.Timezone != time.UTC {
		t.Errorf("timezone: got %v, want UTC", c.Timezone)
	}
	if c.Schedule.Daily.Spec != "0 0 * * *" || c.Schedule.Monthly.Spec != "0 9 1 * *" {
		t.Errorf("schedule: got %v, want daily 0 0 * * *, monthly 0 9 1 * *", c.Schedule)
	}
	if c.DefaultTier != "free" || c.Plan.DefaultTier != "free" {
		t.Errorf("default tier: got %q (plan %q), want free", c.DefaultTier, c.Plan.DefaultTier)
	}
	if c.Channel != "" || len(c.Admins) != 0 || c.NotifyNearLimit {
		t.Errorf("got channel %q, admins %v, notify %v, want none of them", c.Channel, c.Admins, c.NotifyNearLimit)
	}
	if got, want := c.Plan.Tiers, quota.DefaultPlan().Tiers; !reflect.DeepEqual(got, want) {
		t.Errorf("tiers: got %v, want %v", got, want)
	}
	for _, s := range []config.Cron{c.Schedule.Daily, c.Schedule.Monthly} {
		if _, err := config.ParseSchedule(s.Spec); err != nil || s.Schedule == nil {
			t.Errorf("default schedule %q: %v, parsed %v", s.Spec, err, s.Schedule)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	// The design's example names free with its messages only: a tier named
	// replaces the built-in one, invitations and all.
	exampleFree := quota.DefaultTiers()["free"]
	delete(exampleFree.Limits, quota.Invite)
	for _, tc := range []struct {
		name  string
		src   string
		check func(t *testing.T, c config.Config)
	}{
		{
			name: "the design's example config",
			src:  mustRead(t, "design.yml"),
			check: func(t *testing.T, c config.Config) {
				if c.Timezone.String() != "America/New_York" {
					t.Errorf("timezone: got %v, want America/New_York", c.Timezone)
				}
				if c.Channel != "C0123ABCD" {
					t.Errorf("channel: got %q, want C0123ABCD", c.Channel)
				}
				if c.Schedule.Daily.Spec != "0 0 * * *" || c.Schedule.Monthly.Spec != "0 9 1 * *" {
					t.Errorf("schedule: got %v, want the defaults", c.Schedule)
				}
				if c.DefaultTier != "free" || c.Plan.DefaultTier != "free" {
					t.Errorf("default tier: got %q (plan %q), want free", c.DefaultTier, c.Plan.DefaultTier)
				}
				if !slices.Equal(c.Admins, []string{"U0123ABCD"}) || !slices.Contains(c.Admins, "U0123ABCD") || slices.Contains(c.Admins, "U999") {
					t.Errorf("admins: got %v, want [U0123ABCD]", c.Admins)
				}
				if got, want := c.Plan.TierNames(), []string{"business", "career", "free", "premium", "recruiter_lite", "sales_navigator"}; !slices.Equal(got, want) {
					t.Errorf("tiers: got %v, want %v", got, want)
				}
				if got := c.Plan.Tiers["free"]; !reflect.DeepEqual(got, exampleFree) {
					t.Errorf("free: got %v, want the built-in's messages only %v", got, exampleFree)
				}
				if got := c.Plan.Tiers["career"]; !reflect.DeepEqual(got, quota.DefaultTiers()["career"]) {
					t.Errorf("career, not named: got %v, want the built-in", got)
				}
				wantLimit(t, c, "premium", quota.InMail, quota.Day, 20)
				wantLimit(t, c, "premium", quota.InMail, quota.Month, 300)
				wantLimit(t, c, "premium", quota.Message, quota.Day, 100)
				wantLimit(t, c, "sales_navigator", quota.Message, quota.Day, 150)
				wantLimit(t, c, "sales_navigator", quota.Message, quota.Month, 2500)
				wantLimit(t, c, "sales_navigator", quota.InMail, quota.Day, 25)
				wantLimit(t, c, "sales_navigator", quota.InMail, quota.Month, 50)
				wantLimit(t, c, "sales_navigator", "invite", quota.Week, 100)
				wantLimit(t, c, "sales_navigator", "invite", quota.Day, -1)
				wantLimit(t, c, "premium", "invite", quota.Week, -1)
				if got, want := c.Plan.Kinds(), []quota.Kind{quota.Message, quota.InMail, "invite"}; !slices.Equal(got, want) {
					t.Errorf("kinds: got %v, want %v", got, want)
				}
			},
		},
		{
			name:  "empty file",
			src:   "",
			check: isDefault,
		},
		{
			name:  "only comments and a document marker",
			src:   "# quotabot\n---\n# nothing set\n",
			check: isDefault,
		},
		{
			name:  "keys without values keep their defaults",
			src:   "timezone:\nchannel: ~\nschedule:\ndefault_tier: null\nadmins:\nnotify_near_limit:\ntiers:\n",
			check: isDefault,
		},
		{
			name: "a tier named here replaces the built-in one entirely",
			src:  "tiers:\n  premium:\n    message: {day: 200}\n",
			check: func(t *testing.T, c config.Config) {
				wantLimit(t, c, "premium", quota.Message, quota.Day, 200)
				wantLimit(t, c, "premium", quota.Message, quota.Month, -1)
				if c.Plan.Tiers["premium"].Has(quota.InMail) {
					t.Errorf("premium: got InMail limits %v, want none", c.Plan.Tiers["premium"].Limits[quota.InMail])
				}
				wantLimit(t, c, "free", quota.Message, quota.Month, 1500)
			},
		},
		{
			name: "block style, zero, hex and a new default tier",
			src: "default_tier: recruiter\ntiers:\n  recruiter:\n    inmail:\n      day: 0\n      month: 0x10\n" +
				"    message:\n      week: 700\n",
			check: func(t *testing.T, c config.Config) {
				if c.DefaultTier != "recruiter" || c.Plan.DefaultTier != "recruiter" {
					t.Errorf("default tier: got %q (plan %q), want recruiter", c.DefaultTier, c.Plan.DefaultTier)
				}
				wantLimit(t, c, "recruiter", quota.InMail, quota.Day, 0)
				wantLimit(t, c, "recruiter", quota.InMail, quota.Month, 16)
				wantLimit(t, c, "recruiter", quota.Message, quota.Week, 700)
			},
		},
		{
			name: "the largest limit",
			src:  fmt.Sprintf("tiers: {free: {message: {month: %d}}}\n", config.MaxLimit),
			check: func(t *testing.T, c config.Config) {
				wantLimit(t, c, "free", quota.Message, quota.Month, config.MaxLimit)
			},
		},
		{
			name: "default tier is matched as /quota tier matches it",
			src:  "default_tier: Premium\n",
			check: func(t *testing.T, c config.Config) {
				if c.DefaultTier != "premium" {
					t.Errorf("default tier: got %q, want premium", c.DefaultTier)
				}
			},
		},
		{
			name: "anchors, aliases and merge keys",
			src: "tiers:\n  premium: &premium\n    message: &msg {day: 100, month: 1500}\n    inmail: {day: 20, month: 300}\n" +
				"  recruiter:\n    <<: *premium\n    inmail: {day: 50, month: 1000}\n  team:\n    message: *msg\n",
			check: func(t *testing.T, c config.Config) {
				wantLimit(t, c, "recruiter", quota.Message, quota.Month, 1500)
				wantLimit(t, c, "recruiter", quota.InMail, quota.Day, 50)
				wantLimit(t, c, "recruiter", quota.InMail, quota.Month, 1000)
				wantLimit(t, c, "team", quota.Message, quota.Day, 100)
				wantLimit(t, c, "premium", quota.InMail, quota.Day, 20)
			},
		},
		{
			name: "a key written out wins over a merged one, wherever the merge key is",
			src: "tiers:\n  a: {<<: {message: {day: 1}, inmail: {day: 2}}, inmail: {day: 3}}\n" +
				"  b: {inmail: {day: 3}, <<: {message: {day: 1}, inmail: {day: 2}}}\n" +
				"<<: {timezone: Asia/Tokyo, channel: C0123ABCD}\ntimezone: Europe/Berlin\n",
			check: func(t *testing.T, c config.Config) {
				for _, tier := range []string{"a", "b"} {
					wantLimit(t, c, tier, quota.InMail, quota.Day, 3)
					wantLimit(t, c, tier, quota.Message, quota.Day, 1)
				}
				if c.Timezone.String() != "Europe/Berlin" || c.Channel != "C0123ABCD" {
					t.Errorf("got timezone %v, channel %q, want Europe/Berlin, C0123ABCD", c.Timezone, c.Channel)
				}
			},
		},
		{
			name: "an earlier merge wins over a later one",
			src:  "tiers:\n  a: &a {message: {day: 1}}\n  b: &b {message: {day: 2}, inmail: {day: 2}}\n  c: {<<: [*a, *b]}\n",
			check: func(t *testing.T, c config.Config) {
				wantLimit(t, c, "c", quota.Message, quota.Day, 1)
				wantLimit(t, c, "c", quota.InMail, quota.Day, 2)
			},
		},
		{
			name: "an alias is to the nearest anchor of its name before it",
			src: "tiers:\n  a: &x {message: {day: 1}}\n  b: *x\n  c: {<<: *x}\n" +
				"  d: &x {message: {day: 2}}\n  e: *x\n  f: {<<: *x}\n",
			check: func(t *testing.T, c config.Config) {
				for tier, want := range map[string]int{"b": 1, "c": 1, "e": 2, "f": 2} {
					wantLimit(t, c, tier, quota.Message, quota.Day, want)
				}
			},
		},
		{
			name: "descriptors, quoted",
			src:  "schedule:\n  daily: '@daily'\n  monthly: \"@every 720h\"\n",
			check: func(t *testing.T, c config.Config) {
				if c.Schedule.Daily.Spec != "@daily" || c.Schedule.Monthly.Spec != "@every 720h" {
					t.Errorf("schedule: got %v, want @daily and @every 720h", c.Schedule)
				}
			},
		},
		{
			name: "one schedule set, the other left at its default",
			src:  "schedule:\n  daily: 30 17 * * 1-5\n",
			check: func(t *testing.T, c config.Config) {
				if c.Schedule.Daily.Spec != "30 17 * * 1-5" || c.Schedule.Monthly.Spec != "0 9 1 * *" {
					t.Errorf("schedule: got %v, want daily 30 17 * * 1-5 and the default monthly", c.Schedule)
				}
			},
		},
		{
			name: "admins in block style, W IDs, notify on",
			src:  "admins:\n  - U0123ABCD\n  - W0123ABCD\nnotify_near_limit: true\n",
			check: func(t *testing.T, c config.Config) {
				if !slices.Equal(c.Admins, []string{"U0123ABCD", "W0123ABCD"}) {
					t.Errorf("admins: got %v, want [U0123ABCD W0123ABCD]", c.Admins)
				}
				if !c.NotifyNearLimit {
					t.Error("notify_near_limit: got false, want true")
				}
			},
		},
		{
			name: "a byte order mark and a %YAML directive",
			src:  "\ufeff%YAML 1.2\n---\ntimezone: Asia/Kolkata\n",
			check: func(t *testing.T, c config.Config) {
				if c.Timezone.String() != "Asia/Kolkata" {
					t.Errorf("timezone: got %v, want Asia/Kolkata", c.Timezone)
				}
			},
		},
		{
			name: "Windows line endings",
			src:  "timezone: Europe/Berlin\r\nchannel: G0123ABCD\r\n",
			check: func(t *testing.T, c config.Config) {
				if c.Timezone.String() != "Europe/Berlin" || c.Channel != "G0123ABCD" {
					t.Errorf("got timezone %v, channel %q, want Europe/Berlin, G0123ABCD", c.Timezone, c.Channel)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Parse("quotabot.yml", []byte(tc.src))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			tc.check(t, c)
		})
	}
}

func isDefault(t *testing.T, c config.Config) {
	t.Helper()
	if d := config.Default(); !reflect.DeepEqual(c, d) {
		t.Errorf("got %+v, want the defaults %+v", c, d)
	}
}

// TestParseRolling holds that rolling windows reach the plan beside the
// calendar ones, in the plan's order, whichever way a span is written.
func TestParseRolling(t *testing.T) {
	t.Parallel()
	src := `tiers:
  gold:
    message: {day: 100, month: 1500}
    invite: {7d: 100, day: 30, 36h: 50}
  silver:
    invite: {168h: 80}
  recruiter:
    <<: {invite: {1d: 20}}
    message: {24h: 40}
`
	c, err := config.Parse("quotabot.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	const h = time.Hour
	for _, tc := range []struct {
		tier string
		kind quota.Kind
		want []quota.Limit
	}{
		{"gold", quota.Message, []quota.Limit{{Window: quota.Day, Max: 100}, {Window: quota.Month, Max: 1500}}},
		{"gold", "invite", []quota.Limit{{Window: quota.Day, Max: 30}, {Span: 36 * h, Max: 50}, {Span: 168 * h, Max: 100}}},
		{"silver", "invite", []quota.Limit{{Span: 168 * h, Max: 80}}},
		{"recruiter", "invite", []quota.Limit{{Span: 24 * h, Max: 20}}},
		{"recruiter", quota.Message, []quota.Limit{{Span: 24 * h, Max: 40}}},
	} {
		if got := c.Plan.Tiers[tc.tier].Limits[tc.kind]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s: got %+v, want %+v", tc.tier, tc.kind, got, tc.want)
		}
	}
	if l := c.Plan.Tiers["gold"].Limits["invite"][2]; !l.Rolling() || l.WindowName() != "7d" {
		t.Errorf("gold invite 7d: got rolling %v, name %q", l.Rolling(), l.WindowName())
	}
	if got, want := c.Plan.Kinds(), []quota.Kind{quota.Message, quota.InMail, "invite"}; !slices.Equal(got, want) {
		t.Errorf("kinds: got %v, want %v", got, want)
	}
	checkValid(t, c)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		src    string
		line   int
		path   string
		reason string // a part of the reason
	}{
		// Unknown keys.
		{"unknown setting", "timezone: UTC\ntimezon: UTC\n", 2, "timezon", `unknown setting (settings: timezone, channel, schedule, default_tier, admins, notify_near_limit, tiers); did you mean "timezone"?`},
		{"several unknown settings", "timezone: UTC\ntimezon: UTC\nchanel: C0123ABCD\ntierz:\nadmin:\n", 2, "timezon", `did you mean "timezone"?`},
		{"unknown schedule setting", "schedule:\n  daily: \"0 0 * * *\"\n  weekly: \"0 0 * * 1\"\n", 3, "schedule.weekly", "unknown setting (schedule settings: daily, monthly)"},
		{"key that is not a name", "timezone: UTC\n1: 2\n", 2, "", "want a name as the key, got the number 1"},
		{"key that is not a name, deep", "tiers:\n  free:\n    message: {true: 3}\n", 3, "tiers.free.message", "want a name as the key, got true"},

		// Limits.
		{"negative limit", "tiers:\n  free:\n    message: {day: -5}\n", 3, "tiers.free.message.day", "limit -5 is negative (want a whole number from 0 to 1000000)"},
		{"fractional limit", "tiers:\n  free:\n    message:\n      day: 1.5\n", 4, "tiers.free.message.day", "want a whole number from 0 to 1000000, got the number 1.5"},
		{"limit in words", "tiers:\n  free:\n    message: {month: ten}\n", 3, "tiers.free.message.month", `got "ten"`},
		{"quoted limit", "tiers:\n  free:\n    message: {month: \"1500\"}\n", 3, "tiers.free.message.month", `got the string "1500": remove the quotes`},
		{"limit too large for 64 bits", "tiers:\n  free:\n    message: {month: 99999999999999999999}\n", 3, "tiers.free.message.month", "limit 99999999999999999999 is too large"},
		{"limit too negative for 64 bits", "tiers:\n  free:\n    message: {month: -99999999999999999999}\n", 3, "tiers.free.message.month", "is negative"},
		{"limit above MaxLimit", "tiers:\n  free:\n    message: {month: 1000001}\n", 3, "tiers.free.message.month", "limit 1000001 is too large"},
		{"limit in exponent form", "tiers:\n  free:\n    message: {month: 1e3}\n", 3, "tiers.free.message.month", `got "1e3"`},
		{"limit not a number at all", "tiers:\n  free:\n    message: {month: .inf}\n", 3, "tiers.free.message.month", "got the number .inf"},
		{"limit missing", "tiers:\n  free:\n    message:\n      day:\n", 4, "tiers.free.message.day", "got nothing"},
		{"limit a list", "tiers:\n  free:\n    message: {day: [1, 2]}\n", 3, "tiers.free.message.day", "got a list"},

		// Windows, kinds and tiers.
		{"unknown window", "tiers:\n  premium:\n    inmail: {day: 20, year: 300}\n", 3, "tiers.premium.inmail.year", `unknown window "year" (want day, week or month)`},
		{"window in the plural", "tiers:\n  premium:\n    inmail:\n      days: 20\n", 4, "tiers.premium.inmail.days", `did you mean "day"?`},
		{"span in weeks", "tiers:\n  gold:\n    invite: {7w: 100}\n", 3, "tiers.gold.invite.7w", `unknown window "7w": a rolling window is whole days or whole hours, from 1h to 366d, such as 7d or 36h`},
		{"span of nothing", "tiers:\n  gold:\n    invite: {0d: 100}\n", 3, "tiers.gold.invite.0d", "span 0d is shorter than an hour"},
		{"span under an hour", "tiers:\n  gold:\n    invite: {0.5h: 100}\n", 3, "tiers.gold.invite.'0.5h'", "span 0.5h is shorter than an hour"},
		{"span of part days", "tiers:\n  gold:\n    invite: {7.5d: 100}\n", 3, "tiers.gold.invite.'7.5d'", "span 7.5d is not whole days: write it in hours, 180h"},
		{"span of part hours", "tiers:\n  gold:\n    invite: {1.5h: 100}\n", 3, "tiers.gold.invite.'1.5h'", "span 1.5h is not whole hours"},
		{"span with trailing text", "tiers:\n  gold:\n    invite: {8760h1: 100}\n", 3, "tiers.gold.invite.8760h1", `unknown window "8760h1"`},
		{"span over a year", "tiers:\n  gold:\n    invite: {367d: 100}\n", 3, "tiers.gold.invite.367d", "span 367d is longer than a year"},
		{"span over a year in hours", "tiers:\n  gold:\n    invite: {8785h: 100}\n", 3, "tiers.gold.invite.8785h", "span 8785h is longer than a year"},
		{"span with a leading zero", "tiers:\n  gold:\n    invite: {07d: 100}\n", 3, "tiers.gold.invite.07d", "span 07d: write it as 7d"},
		{"span with a point", "tiers:\n  gold:\n    invite: {7.0d: 100}\n", 3, "tiers.gold.invite.'7.0d'", "span 7.0d: write it as 7d"},
		{"span in capitals", "tiers:\n  gold:\n    invite: {7D: 100}\n", 3, "tiers.gold.invite.7D", "write the unit in lower case, 7d"},
		{"span in exponent form", "tiers:\n  gold:\n    invite: {1e3h: 100}\n", 3, "tiers.gold.invite.1e3h", `unknown window "1e3h"`},
		{"span with a limit in words", "tiers:\n  gold:\n    invite: {7d: many}\n", 3, "tiers.gold.invite.7d", `got "many"`},
		{"span with a negative limit", "tiers:\n  gold:\n    invite: {7d: -1}\n", 3, "tiers.gold.invite.7d", "limit -1 is negative"},
		{"span with no limit", "tiers:\n  gold:\n    invite:\n      7d:\n", 4, "tiers.gold.invite.7d", "got nothing"},
		{"kind with no windows", "tiers:\n  sales_navigator:\n    message: {day: 150}\n    invite:\n", 4, "tiers.sales_navigator.invite", "kind invite has no limits: give at least one window (day, week or month), such as invite: {day: 100, month: 1500}"},
		{"kind with an empty mapping", "tiers:\n  sales_navigator:\n    invite: {}\n", 3, "tiers.sales_navigator.invite", "kind invite has no limits"},
		{"kind given a number", "tiers:\n  free:\n    message: 100\n", 3, "tiers.free.message", "want a mapping of windows to limits, such as message: {day: 100, month: 1500}, got the number 100"},
		{"tier with no kinds", "tiers:\n  premium:\n  free:\n    message: {day: 1}\n", 2, "tiers.premium", "tier premium has no kinds"},
		{"tier given a list", "tiers:\n  premium: [message]\n", 2, "tiers.premium", "want a mapping of kinds to their limits"},
		{"tiers given a list", "tiers:\n  - premium\n", 2, "tiers", "want a mapping of tier names to their limits"},
		{"tier name in capitals", "tiers:\n  Gold:\n    message: {day: 1}\n", 2, "tiers.Gold", `tier name "Gold" must be lower case: write "gold"`},
		{"tier name with a space", "tiers:\n  'gold plan':\n    message: {day: 1}\n", 2, "tiers.gold plan", "must start with a letter and use only a-z, 0-9, _ and -"},
		{"kind name starting with a digit", "tiers:\n  gold:\n    2fa: {day: 1}\n", 3, "tiers.gold.2fa", `kind name "2fa" must start with a letter`},
		{"kind named undo", "tiers:\n  gold:\n    undo: {day: 1}\n", 3, "tiers.gold.undo", "would clash with /logsend undo"},

		// Time zone, channel, admins, notify_near_limit.
		{"unknown time zone", "channel: C0123ABCD\ntimezone: Mars/Olympus_Mons\n", 2, "timezone", `unknown time zone "Mars/Olympus_Mons" (want an IANA name such as America/New_York, Europe/Berlin or UTC)`},
		{"time zone in lower case", "timezone: utc\n", 1, "timezone", `unknown time zone "utc"`},
		{"the machine's time zone", "timezone: Local\n", 1, "timezone", `"Local" depends on the machine`},
		{"empty time zone", "timezone: ''\n", 1, "timezone", "empty"},
		{"time zone as a number", "timezone: 5\n", 1, "timezone", "want an IANA time zone name such as America/New_York, got the number 5"},
		{"channel name instead of ID", "channel: '#sales'\n", 1, "channel", `"#sales" is not a Slack channel ID: that is the channel's name`},
		{"channel as a list", "channel: [C0123ABCD]\n", 1, "channel", "want a Slack channel ID such as C0123ABCD, got a list"},
		{"admin as a name", "admins: [U0123ABCD, alice]\n", 1, "admins[1]", `"alice" is not a Slack user ID`},
		{"admin as a mention", "admins:\n  - <@U0123ABCD|alice>\n", 2, "admins[0]", `is a mention; write the bare ID, "U0123ABCD"`},
		{"admin in lower case", "admins: [u0123abcd]\n", 1, "admins[0]", `Slack IDs are upper case; write "U0123ABCD"`},
		{"admin as a number", "admins: [12345]\n", 1, "admins[0]", "got the number 12345"},
		{"empty admin", "admins:\n  -\n", 2, "admins[0]", "got nothing"},
		{"admins as one string", "admins: U0123ABCD\n", 1, "admins", `want a list of Slack user IDs such as [U0123ABCD], got "U0123ABCD"`},
		{"notify as yes", "notify_near_limit: yes\n", 1, "notify_near_limit", `want true or false, got "yes"`},
		{"notify as a number", "notify_near_limit: 1\n", 1, "notify_near_limit", "want true or false, got the number 1"},

		// default_tier.
		{"default tier names no tier", "tiers:\n  gold:\n    message: {day: 1}\ndefault_tier: golds\n", 4, "default_tier", `no tier named "golds" (tiers: business, career, free, gold, premium, recruiter_lite, sales_navigator); did you mean "gold"?`},
		{"default tier not a string", "default_tier: {name: free}\n", 1, "default_tier", "got a mapping"},

		// Schedules.
		{"cron spec with four fields", "schedule:\n  daily: \"0 0 * *\"\n", 2, "schedule.daily", `"0 0 * *" is not a valid schedule: expected exactly 5 fields, found 4`},
		{"cron spec with seconds", "schedule:\n  monthly: \"0 0 9 1 * *\"\n", 2, "schedule.monthly", "expected exactly 5 fields, found 6"},
		{"cron spec out of range", "schedule:\n  daily: \"0 24 * * *\"\n", 2, "schedule.daily", "not a valid schedule"},
		{"cron spec that never fires", "schedule:\n  monthly: \"0 9 30 2 *\"\n", 2, "schedule.monthly", "never fires"},
		{"TZ prefix", "schedule:\n  daily: \"TZ=Europe/Berlin 0 0 * * *\"\n", 2, "schedule.daily", "schedules run in the time zone set by `timezone`"},
		{"CRON_TZ prefix that would panic", "schedule:\n  daily: CRON_TZ=UTC\n", 2, "schedule.daily", "TZ= or CRON_TZ= prefix is not allowed"},
		{"unknown descriptor", "schedule:\n  daily: '@fortnightly'\n", 2, "schedule.daily", "not a valid schedule"},
		{"every second", "schedule:\n  daily: '@every 1s'\n", 2, "schedule.daily", "@every needs a duration of at least 1m"},
		{"empty schedule", "schedule:\n  daily: ''\n", 2, "schedule.daily", "empty schedule"},
		{"schedule as a string", "schedule: \"0 0 * * *\"\n", 1, "schedule", `want a mapping such as {daily: "0 0 * * *", monthly: "0 9 1 * *"}, got "0 0 * * *"`},
		{"unquoted descriptor", "schedule:\n  daily: @daily\n", 2, "", `'@' is a reserved character; put the value in quotes`},

		// Duplicates.
		{"duplicate setting", "timezone: UTC\nchannel: C0123ABCD\ntimezone: Europe/Berlin\n", 3, "timezone", "timezone is given twice (first on line 1); keep one"},
		{"duplicate tier", "tiers:\n  gold:\n    message: {day: 1}\n  gold:\n    message: {day: 2}\n", 4, "tiers.gold", "gold is given twice (first on line 2)"},
		{"duplicate span", "tiers:\n  gold:\n    invite: {7d: 1, 7d: 2}\n", 3, "tiers.gold.invite.7d", "7d is given twice"},
		{"span in days and in hours", "tiers:\n  gold:\n    invite:\n      7d: 100\n      day: 30\n      168h: 90\n", 6, "tiers.gold.invite.168h", "168h is the same window as 7d (line 4), written another way; keep one"},
		{"span in hours and in days on one line", "tiers:\n  gold:\n    invite: {24h: 1, 1d: 2}\n", 3, "tiers.gold.invite.1d", "1d is the same window as 24h (line 3)"},
		{"duplicate window", "tiers:\n  gold:\n    message: {day: 1, day: 2}\n", 3, "tiers.gold.message.day", "day is given twice"},

		// The shape of the file.
		{"a list at the top", "- timezone: UTC\n", 1, "", "want a mapping of settings"},
		{"a bare word", "UTC\n", 1, "", `want a mapping of settings such as "timezone: America/New_York", got "UTC"`},
		{"two documents", "timezone: UTC\n---\nchannel: C0123ABCD\n", 2, "", "a second YAML document"},
		{"tab indentation", "tiers:\n\tfree:\n", 2, "", "indent with spaces, not tabs"},
		{"unclosed bracket", "admins: [U0123ABCD\n", 1, "", "YAML syntax"},
		{"tag", "timezone: !!str UTC\n", 1, "timezone", "YAML tags such as !!str are not needed"},
		{"unknown alias", "timezone: UTC\nchannel: *chan\n", 2, "channel", "alias *chan has no anchor &chan before it"},
		{"alias of another setting's value", "admins: [&a U0123ABCD]\nchannel: *a\n", 1, "channel", `"U0123ABCD" is not a Slack channel ID`},
		{"alias used before its anchor", "channel: *c\ntiers: {x: &c 1}\n", 1, "channel", "alias *c has no anchor &c before it"},
		{"alias inside its own anchor", "tiers:\n  gold: &g\n    message: {<<: *g}\n", 3, "tiers.gold.message", "alias *g is inside the anchor &g it refers to"},
		{"merge inside its own anchor", "<<: &a {<<: *a}\n", 1, "", "alias *a is inside the anchor &a"},
		{"merge keys that double at every level", mergeBomb(30), 12, "tiers", "aliases and merge keys expand the file to more than 10000 values"},
		{"nesting without end", "tiers: " + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + "\n", 1, "tiers", "the YAML nests too deeply"},
		{"merge of a list into the top", "<<: [{timezone: UTC}]\n", 1, "", "a merge key (<<) here takes one mapping, not a list"},
		{"merge of a scalar", "tiers:\n  gold:\n    <<: 5\n", 3, "tiers.gold", "a merge key (<<) takes a mapping or a list of mappings, got the number 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Parse("quotabot.yml", []byte(tc.src))
			if err == nil {
				t.Fatalf("got %+v, want an error", c)
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v, want a *config.Error", err, err)
			}
			if ce.File != "quotabot.yml" || ce.Line != tc.line || ce.Path != tc.path {
				t.Errorf("got file %q, line %d, path %q; want quotabot.yml, line %d, path %q (%v)", ce.File, ce.Line, ce.Path, tc.line, tc.path, err)
			}
			prefix := fmt.Sprintf("quotabot.yml:%d: ", tc.line)
			if tc.path != "" {
				prefix += tc.path + ": "
			}
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.reason) {
				t.Errorf("got %q, want it to start with %q and contain %q", msg, prefix, tc.reason)
			}
		})
	}
}

// mergeBomb returns tiers that each merge the one before twice: written
// out in full, the last would be 2^levels times the first.
func mergeBomb(levels int) string {
	var b strings.Builder
	b.WriteString("tiers:\n  t0: &t0 {message: {day: 1}}\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "  t%d: &t%d {<<: [*t%d, *t%d]}\n", i, i, i-1, i-1)
	}
	return b.String()
}

// TestErrorMessage holds the message format the design promises, whole.
func TestErrorMessage(t *testing.T) {
	t.Parallel()
	src := mustRead(t, "design.yml")
	// Lines 12 and 13 are premium's message and inmail: swap them and give
	// inmail a year.
	lines := strings.Split(src, "\n")
	if !strings.HasPrefix(lines[12], "    inmail:") {
		t.Fatalf("line 13 of design.yml is %q, want premium's inmail", lines[12])
	}
	lines[11], lines[12] = "    inmail: {day: 20, month: 300, year: 3000}", lines[11]
	_, err := config.Parse("quotabot.yml", []byte(strings.Join(lines, "\n")))
	want := `quotabot.yml:12: tiers.premium.inmail.year: unknown window "year" (want day, week or month)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}

	for _, tc := range []struct {
		err  config.Error
		want string
	}{
		{config.Error{File: "a.yml", Line: 3, Path: "channel", Reason: "bad"}, "a.yml:3: channel: bad"},
		{config.Error{File: "a.yml", Line: 3, Reason: "bad"}, "a.yml:3: bad"},
		{config.Error{File: "a.yml", Reason: "bad"}, "a.yml: bad"},
		{config.Error{Reason: "bad"}, "config: bad"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	c, err := config.Load(filepath.Join("testdata", "design.yml"))
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	wantLimit(t, c, "sales_navigator", "invite", quota.Week, 100)

	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yml")
	_, err = config.Load(missing)
	var ce *config.Error
	if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want a *config.Error wrapping fs.ErrNotExist", err)
	}
	if want := missing + ": cannot read the config file: no such file or directory"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want it to start with %q", err, want)
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("# quotabot\ntimezone: Nowhere/Special\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = config.Load(bad)
	if want := bad + `:2: timezone: unknown time zone "Nowhere/Special"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want it to start with %q", err, want)
	}

	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, []byte(strings.Repeat("# padding\n", 110_000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = config.Load(big); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("got %v, want a refusal of a file over 1 MiB", err)
	}
}
