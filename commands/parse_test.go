package commands_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/quota"
)

func TestParseLogsend(t *testing.T) {
	t.Parallel()
	plan := quota.DefaultPlan()
	for _, tc := range []struct {
		name string
		text string
		want commands.Command
	}{
		{"nothing is one message", "", commands.Log{Count: 1, Kind: quota.Message}},
		{"blank is one message", "   ", commands.Log{Count: 1, Kind: quota.Message}},
		{"count", "5", commands.Log{Count: 5, Kind: quota.Message}},
		{"lowest", "1", commands.Log{Count: 1, Kind: quota.Message}},
		{"highest", "1000", commands.Log{Count: 1000, Kind: quota.Message}},
		{"leading zeros", "0005", commands.Log{Count: 5, Kind: quota.Message}},
		{"count and kind", "3 inmail", commands.Log{Count: 3, Kind: quota.InMail}},
		{"plural kind", "7 messages", commands.Log{Count: 7, Kind: quota.Message}},
		{"kind in capitals", "2 InMails", commands.Log{Count: 2, Kind: quota.InMail}},
		{"kind alone", "inmail", commands.Log{Count: 1, Kind: quota.InMail}},
		{"kind first", "inmail 3", commands.Log{Count: 3, Kind: quota.InMail}},
		{"kind first with note", "inmail 3 follow-ups to Acme", commands.Log{Count: 3, Kind: quota.InMail, Note: "follow-ups to Acme"}},
		{"note after count and kind", "5 message intro to Acme", commands.Log{Count: 5, Kind: quota.Message, Note: "intro to Acme"}},
		{"note after kind alone", "inmail follow-up to Acme", commands.Log{Count: 1, Kind: quota.InMail, Note: "follow-up to Acme"}},
		{"note keeps its spacing", "5 message two  spaces\nand a line", commands.Log{Count: 5, Kind: quota.Message, Note: "two  spaces\nand a line"}},
		{"note as Slack escapes it", "5 message Q&amp;A &lt;draft&gt; &amp;lt;", commands.Log{Count: 5, Kind: quota.Message, Note: "Q&A <draft> &lt;"}},
		{"note with a mention", "5 message <@U1|ann> intro", commands.Log{Count: 5, Kind: quota.Message, Note: "<@U1|ann> intro"}},
		{"surrounding space", "  7   messages  ", commands.Log{Count: 7, Kind: quota.Message}},
		{"tab between words", "4\tinmail", commands.Log{Count: 4, Kind: quota.InMail}},
		{"note of 500 bytes", "5 message " + strings.Repeat("n", 500), commands.Log{Count: 5, Kind: quota.Message, Note: strings.Repeat("n", 500)}},
		{"note of 200 emoji", "5 message " + strings.Repeat("😀", 200), commands.Log{Count: 5, Kind: quota.Message, Note: strings.Repeat("😀", 200)}},
		{"note of 500 emoji", "5 message " + strings.Repeat("😀", 500), commands.Log{Count: 5, Kind: quota.Message, Note: strings.Repeat("😀", 500)}},
		// Slack sends & as &amp;: 2,500 bytes for the 500 characters typed.
		{"note of 500 ampersands", "5 message " + strings.Repeat("&amp;", 500), commands.Log{Count: 5, Kind: quota.Message, Note: strings.Repeat("&", 500)}},
		{"undo", "undo", commands.Undo{}},
		{"undo in capitals", "UNDO", commands.Undo{}},
		{"help", "help", commands.Help{Command: "/logsend"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := commands.ParseLogsend(plan, tc.text)
			if err != nil {
				t.Fatalf("ParseLogsend(%q): got error %v, want %#v", tc.text, err, tc.want)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseLogsend(%q): got %#v, want %#v", tc.text, got, tc.want)
			}
		})
	}
}

// oddLogsend is input a member might type, paste or a client might mangle.
// Each must be refused with the usage line, and nothing recorded.
var oddLogsend = []struct {
	name       string
	text       string
	want       error
	suggestion string // for an unknown kind: the "did you mean"
}{
	{"zero", "0", quota.ErrBadCount, ""},
	{"zeros", "000", quota.ErrBadCount, ""},
	{"negative", "-5", quota.ErrBadCount, ""},
	{"unicode minus", "−5", quota.ErrBadCount, ""},
	{"plus sign", "+5", quota.ErrBadCount, ""},
	{"fraction", "1.5", quota.ErrBadCount, ""},
	{"whole fraction", "2.0", quota.ErrBadCount, ""},
	{"leading point", ".5", quota.ErrBadCount, ""},
	{"exponent", "1e3", quota.ErrBadCount, ""},
	{"thousands comma", "1,000", quota.ErrBadCount, ""},
	{"hex", "0x10", quota.ErrBadCount, ""},
	{"one too many", "1001", quota.ErrBadCount, ""},
	{"huge", "99999999999999999999999999999999", quota.ErrBadCount, ""},
	{"int64 overflow", "9223372036854775808", quota.ErrBadCount, ""},
	{"fullwidth digits", "１０", quota.ErrBadCount, ""},
	{"arabic-indic digit", "٥", quota.ErrBadCount, ""},
	{"vulgar fraction", "½", quota.ErrBadCount, ""},
	{"spelt out", "five", quota.ErrBadCount, ""},
	{"digits then letters", "5x", quota.ErrBadCount, ""},
	{"kind then zero", "inmail 0", quota.ErrBadCount, ""},
	{"kind then negative and note", "inmail -3 notes", quota.ErrBadCount, ""},
	{"kind then exponent", "message 1e3", quota.ErrBadCount, ""},
	{"kind then too many", "message 5000", quota.ErrBadCount, ""},
	{"typo of inmail", "5 inmial", quota.ErrUnknownKind, "inmail"},
	{"typo of message", "5 mesage", quota.ErrUnknownKind, "message"},
	{"typo first", "inmial 5", quota.ErrUnknownKind, "inmail"},
	{"note without its kind", "5 intro to Acme", quota.ErrUnknownKind, ""},
	{"unknown word", "connections", quota.ErrUnknownKind, ""},
	{"two counts", "5 5", quota.ErrUnknownKind, ""},
	{"NUL alone", "\x00", commands.ErrUnreadable, ""},
	{"NUL after count", "5\x00", commands.ErrUnreadable, ""},
	{"NUL in note", "5 message intro\x00to Acme", commands.ErrUnreadable, ""},
	{"escape sequence", "5 message \x1b[31mred", commands.ErrUnreadable, ""},
	{"broken UTF-8", "5 \xff\xfe", commands.ErrUnreadable, ""},
	{"10,000 characters", "5 message " + strings.Repeat("a", 10_000), commands.ErrTooLong, ""},
	{"10,000 digits", strings.Repeat("9", 10_000), commands.ErrTooLong, ""},
	{"note too long", "5 message " + strings.Repeat("n", 501), quota.ErrNoteTooLong, ""},
	{"note of 501 emoji", "5 message " + strings.Repeat("😀", 501), quota.ErrNoteTooLong, ""},
	{"note of 501 ampersands", "5 message " + strings.Repeat("&amp;", 501), quota.ErrNoteTooLong, ""},
	{"1,001 characters of emoji", "5 message " + strings.Repeat("😀", 991), commands.ErrTooLong, ""},
	{"undo with words", "undo 5", commands.ErrUsage, ""},
}

func TestParseLogsendRefuses(t *testing.T) {
	t.Parallel()
	plan := quota.DefaultPlan()
	for _, tc := range oddLogsend {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := commands.ParseLogsend(plan, tc.text)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseLogsend(%q): got %#v, %v; want error %v", clipped(tc.text), got, err, tc.want)
			}
			if got != nil {
				t.Errorf("ParseLogsend(%q): got command %#v with the error, want nil", clipped(tc.text), got)
			}
			var pe *commands.ParseError
			if !errors.As(err, &pe) || pe.Command != "/logsend" {
				t.Errorf("got error %v, want a *ParseError for /logsend", err)
			}
			var ue *quota.UnknownError
			if errors.As(err, &ue) && ue.Suggestion != tc.suggestion {
				t.Errorf("got suggestion %q, want %q", ue.Suggestion, tc.suggestion)
			}
			if words, expected := commands.Explain(err); !expected || words == "" {
				t.Errorf("Explain(%v): got %q, %v; want words for an expected refusal", err, words, expected)
			}
		})
	}
}

// TestOddInputRecordsNothing sends every odd input through the handler and
// a real ledger: each gets a refusal with the usage line and leaves the
// ledger untouched.
func TestOddInputRecordsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range oddLogsend {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{})
			r := e.do("U1", "/logsend "+tc.text, "trig-1")
			for _, want := range []string{"Usage: `/logsend [count] [kind] [note]`", "Nothing was recorded."} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("reply %q: want it to contain %q", r.Text, want)
				}
			}
			if strings.HasPrefix(r.Text, "Logged") {
				t.Errorf("reply %q: got a confirmation, want a refusal", r.Text)
			}
			if tc.suggestion != "" && !strings.Contains(r.Text, "Did you mean *"+tc.suggestion+"*?") {
				t.Errorf("reply %q: want a did-you-mean for %q", r.Text, tc.suggestion)
			}
			if errors.Is(tc.want, quota.ErrUnknownKind) && !strings.Contains(r.Text, "Kinds: message, inmail, invite.") {
				t.Errorf("reply %q: want the list of kinds", r.Text)
			}
			e.mustNothingRecorded("U1")
			if day, month := e.mustUsed("U1", quota.Message); day != 0 || month != 0 {
				t.Errorf("got %d used today and %d this month, want 0 and 0", day, month)
			}
			if strings.Contains(e.logs.String(), "level=ERROR") {
				t.Errorf("a refusal was logged as an error: %s", e.logs.String())
			}
		})
	}
}

func TestParseQuota(t *testing.T) {
	t.Parallel()
	plan := quota.DefaultPlan()
	for _, tc := range []struct {
		name string
		text string
		want commands.Command
	}{
		{"own", "", commands.Show{}},
		{"mention with name", "<@U123ABC|ann>", commands.Show{Member: "U123ABC"}},
		{"mention without name", "<@U123ABC>", commands.Show{Member: "U123ABC"}},
		{"mention of an enterprise user", "<@W0123|Ann Lee>", commands.Show{Member: "W0123"}},
		{"team", "team", commands.Team{}},
		{"team in capitals", "TEAM", commands.Team{}},
		{"history", "history", commands.History{}},
		{"help", "help", commands.Help{Command: "/quota"}},
		{"the tiers, a line each", "tier", commands.Tiers{}},
		{"own tier", "tier premium", commands.SetTier{Tier: "premium"}},
		{"tier in capitals", "tier Premium", commands.SetTier{Tier: "premium"}},
		{"someone's tier", "tier <@U2|bob> premium", commands.SetTier{Member: "U2", Tier: "premium"}},
		{"someone's tier, tier first", "tier free <@U2>", commands.SetTier{Member: "U2", Tier: "free"}},
		{"typo of team", "tema", commands.Help{Command: "/quota", Unknown: "tema", Suggestion: "team"}},
		{"unknown subcommand", "frobnicate", commands.Help{Command: "/quota", Unknown: "frobnicate"}},
		{"team with more", "team now", commands.Help{Command: "/quota", Unknown: "team now"}},
		{"mention with more", "<@U2> today", commands.Help{Command: "/quota", Unknown: "today"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := commands.ParseQuota(plan, tc.text)
			if err != nil {
				t.Fatalf("ParseQuota(%q): got error %v, want %#v", tc.text, err, tc.want)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseQuota(%q): got %#v, want %#v", tc.text, got, tc.want)
			}
		})
	}
}

func TestParseQuotaRefuses(t *testing.T) {
	t.Parallel()
	plan := quota.DefaultPlan()
	for _, tc := range []struct {
		name string
		text string
		want error
	}{
		{"unescaped mention", "@bob", commands.ErrBadMention},
		{"mention of a name", "<@bob>", commands.ErrBadMention},
		{"mention of a channel", "<#C123|general>", nil}, // help, not an error
		{"unclosed mention", "<@U123", commands.ErrBadMention},
		{"empty mention", "<@>", commands.ErrBadMention},
		{"tier with only a mention", "tier <@U2>", quota.ErrUnknownTier},
		{"unknown tier", "tier premum", quota.ErrUnknownTier},
		{"tier for a name", "tier bob premium", commands.ErrBadMention},
		{"tier with an extra word", "tier premium extra", commands.ErrUsage},
		{"tier of two words", "tier sales navigator", quota.ErrUnknownTier},
		{"tier with too much", "tier <@U2> premium now", commands.ErrUsage},
		{"NUL", "team\x00", commands.ErrUnreadable},
		{"10,000 characters", strings.Repeat("x", 10_000), commands.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := commands.ParseQuota(plan, tc.text)
			if tc.want == nil {
				if _, ok := got.(commands.Help); !ok || err != nil {
					t.Errorf("ParseQuota(%q): got %#v, %v; want help", tc.text, got, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseQuota(%q): got %#v, %v; want error %v", clipped(tc.text), got, err, tc.want)
			}
			if words, expected := commands.Explain(err); !expected || words == "" {
				t.Errorf("Explain(%v): got %q, %v; want words for an expected refusal", err, words, expected)
			}
		})
	}
}

// TestParseTierBlamesTheWrongWord: of two words after `/quota tier`
// with no mention, the reply quotes the word that is wrong.
func TestParseTierBlamesTheWrongWord(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"tier premium extra":   "I can't make sense of “extra” there.",
		"tier bob premium":     "I can't tell who “bob” is.",
		"tier sales navigator": "There is no tier “sales”.",
	} {
		_, err := commands.ParseQuota(quota.DefaultPlan(), text)
		if words, _ := commands.Explain(err); !strings.HasPrefix(words, want) {
			t.Errorf("%s: got %q, want it to start %q", text, words, want)
		}
	}
}

func TestParseSuggestsTier(t *testing.T) {
	t.Parallel()
	_, err := commands.ParseQuota(quota.DefaultPlan(), "tier premum")
	words, _ := commands.Explain(err)
	if want := "There is no tier “premum”. Did you mean *premium*? Tiers: business, career, free, premium, recruiter_lite, sales_navigator."; words != want {
		t.Errorf("got %q, want %q", words, want)
	}
}

func TestParseUnknownCommand(t *testing.T) {
	t.Parallel()
	_, err := commands.Parse(quota.DefaultPlan(), "/quotas", "")
	if !errors.Is(err, commands.ErrUnknownCommand) {
		t.Errorf("got %v, want ErrUnknownCommand", err)
	}
}

func clipped(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
