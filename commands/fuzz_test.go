package commands_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// fuzzPlan adds a tier with a weekly kind to the built-in plan, so the
// fuzzer meets more than two kinds and three windows.
func fuzzPlan(tb testing.TB) quota.Plan {
	tb.Helper()
	tiers := quota.DefaultTiers()
	tiers["sales_navigator"] = quota.Tier{Limits: map[quota.Kind][]quota.Limit{
		quota.Message: {{Window: quota.Day, Max: 150}, {Window: quota.Month, Max: 2500}},
		quota.InMail:  {{Window: quota.Day, Max: 25}, {Window: quota.Month, Max: 50}},
		"invite":      {{Window: quota.Week, Max: 100}},
	}}
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

var slackID = regexp.MustCompile(`^[UW][A-Z0-9]+$`)

// FuzzParse holds the parser to its promises whatever it is given: it
// never panics, never builds a count outside 1..1000 or one the text did not
// contain, never lets a control character into a note, and every refusal
// reads as help. The same text then goes through a handler on a real
// ledger, whose replies must stay within Block Kit's limits and whose
// entries must hold only counts in range.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "5", "3 inmail", "inmail 3 follow-ups to Acme", "5 message intro to Acme", "undo", "help",
		"0", "-5", "1.5", "1e3", "1,000", "１０", "99999999999999999999", "5 inmial", "5 intro", "\x00",
		"<@U123ABC|ann>", "<@U123ABC>", "team", "tier premium", "tier <@U2|bob> premium", "history", "tema",
	} {
		f.Add(s)
	}
	plan := fuzzPlan(f)
	l, err := store.Open(f.TempDir(), store.Options{InMemory: true, Plan: plan})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	h := commands.New(l, commands.Options{})

	f.Fuzz(func(t *testing.T, text string) {
		for _, command := range []string{"/logsend", "/quota"} {
			cmd, err := commands.Parse(plan, command, text)
			if err != nil {
				checkRefusal(t, command, text, cmd, err)
			} else {
				checkCommand(t, plan, text, cmd)
			}
		}

		ctx := context.Background()
		for _, command := range []string{"/logsend", "/quota"} {
			r := h.Handle(ctx, commands.Request{Command: command, Text: text, UserID: "UFUZZ"}).Reply
			if r.Text == "" {
				t.Fatalf("%s %q: empty reply text", command, text)
			}
			if err := slackfake.CheckBlocks(r.Blocks, blockkit.MaxBlocks); err != nil {
				t.Fatalf("%s %q: %v", command, text, err)
			}
			if strings.HasPrefix(r.Text, "Sorry") {
				t.Fatalf("%s %q: got an apology, want an answer or a refusal", command, text)
			}
		}
		es, err := l.History(ctx, "UFUZZ", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 1 && (es[0].Count < 1 || es[0].Count > 1000) {
			t.Fatalf("%q: the ledger holds an entry of %d", text, es[0].Count)
		}
	})
}

func checkRefusal(t *testing.T, command, text string, cmd commands.Command, err error) {
	t.Helper()
	if cmd != nil {
		t.Fatalf("%s %q: got %#v with error %v", command, text, cmd, err)
	}
	var pe *commands.ParseError
	if !errors.As(err, &pe) || pe.Command != command {
		t.Fatalf("%s %q: got %v, want a *ParseError for %s", command, text, err, command)
	}
	words, expected := commands.Explain(err)
	if !expected || words == "" || strings.HasPrefix(words, "Sorry") {
		t.Fatalf("%s %q: Explain(%v) = %q, %v; want words of help", command, text, err, words, expected)
	}
}

func checkCommand(t *testing.T, plan quota.Plan, text string, cmd commands.Command) {
	t.Helper()
	switch c := cmd.(type) {
	case commands.Log:
		if c.Count < quota.MinCount || c.Count > quota.MaxCount {
			t.Fatalf("%q: got count %d", text, c.Count)
		}
		if c.Count != 1 && !hasCountWord(text, c.Count) {
			t.Fatalf("%q: got count %d, which the text does not say", text, c.Count)
		}
		if !slices.Contains(plan.Kinds(), c.Kind) {
			t.Fatalf("%q: got kind %q, not in the plan", text, c.Kind)
		}
		if utf8.RuneCountInString(c.Note) > quota.MaxNote || !utf8.ValidString(c.Note) || c.Note != strings.TrimSpace(c.Note) {
			t.Fatalf("%q: got note %q", text, c.Note)
		}
		for _, r := range c.Note {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
				t.Fatalf("%q: got a control character %U in the note", text, r)
			}
		}
	case commands.Show:
		if c.Member != "" && !slackID.MatchString(c.Member) {
			t.Fatalf("%q: got member %q", text, c.Member)
		}
	case commands.SetTier:
		if c.Member != "" && !slackID.MatchString(c.Member) {
			t.Fatalf("%q: got member %q", text, c.Member)
		}
		if _, ok := plan.Tiers[c.Tier]; !ok {
			t.Fatalf("%q: got tier %q, not in the plan", text, c.Tier)
		}
	case commands.Undo, commands.Team, commands.History, commands.Help:
	default:
		t.Fatalf("%q: got %#v", text, cmd)
	}
}

// hasCountWord reports whether one of the first two words of text is n in
// ASCII digits, leading zeros allowed.
func hasCountWord(text string, n int) bool {
	words := strings.Fields(text)
	for _, w := range words[:min(2, len(words))] {
		if strings.Trim(w, "0123456789") != "" {
			continue
		}
		if v, err := strconv.Atoi(strings.TrimLeft(w, "0")); err == nil && v == n {
			return true
		}
	}
	return false
}
