package commands_test

import (
	"context"
	"flag"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// balance is member's InMail credit balance now; it fails the test when
// their tier has none.
func (e *env) balance(member string) quota.CreditBalance {
	e.t.Helper()
	u, err := e.ledger.Usage(context.Background(), member)
	if err != nil {
		e.t.Fatalf("Usage(%s): %v", member, err)
	}
	ku, ok := u.Kind(quota.InMail)
	if !ok || ku.Credits == nil {
		e.t.Fatalf("%s has no InMail credits: %+v", member, ku)
	}
	return *ku.Credits
}

// mustSay fails the test unless the reply's fallback and blocks both say
// every one of want.
func mustSay(t *testing.T, r commands.Reply, want ...string) {
	t.Helper()
	blocks := blocksJSON(t, r)
	for _, w := range want {
		if !strings.Contains(r.Text, w) {
			t.Errorf("fallback %q does not say %q", r.Text, w)
		}
		if !strings.Contains(blocks, w) {
			t.Errorf("blocks do not say %q:\n%s", w, blocks)
		}
	}
}

// TestRefund: a refund gives credits back, acts once for one trigger_id,
// is refused above what was spent in the last 90 days (saying how much
// may be), and is taken back by /logsend undo like any entry.
func TestRefund(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/quota tier sales_navigator", "")
	e.do("U1", "/logsend 3 inmail", "T1")
	if b := e.balance("U1"); b.Balance != 47 || b.Refundable != 3 {
		t.Fatalf("after 3 sent: balance %d, refundable %d; want 47 and 3", b.Balance, b.Refundable)
	}

	r := e.do("U1", "/logsend refund 2 inmail", "T2")
	mustSay(t, r, "Gave back ", "2 InMail credits", "49 of 150", "50 more")
	again := e.do("U1", "/logsend refund 2 inmail", "T2")
	if again.Text != r.Text {
		t.Errorf("a replayed refund reads otherwise:\n got %q\nwant %q", again.Text, r.Text)
	}
	if b := e.balance("U1"); b.Balance != 49 || b.Refundable != 1 {
		t.Fatalf("after a refund of 2, replayed: balance %d, refundable %d; want 49 and 1", b.Balance, b.Refundable)
	}

	r = e.do("U1", "/logsend refund 2 inmail", "T3")
	mustSay(t, r, "at most 1 InMail credit", "not 2", "Nothing was recorded.")
	if b := e.balance("U1"); b.Balance != 49 {
		t.Errorf("a refused refund changed the balance to %d", b.Balance)
	}

	h := e.do("U1", "/quota history", "")
	mustSay(t, h, "2 InMail credits given back", "3 InMails")

	u := e.do("U1", "/logsend undo", "T4")
	mustSay(t, u, "Took back", "2 InMail credits given back", "47 of 150")
	// One event, the refund, when it was made: not "given back logged".
	if !regexp.MustCompile(`^Took back the 2 InMail credits given back \w{3} \d+ \w{3} \d\d:\d\d \w+\. `).MatchString(u.Text) || strings.Contains(u.Text, "logged") {
		t.Errorf("undo of a refund: got %q, want \"Took back the 2 InMail credits given back <when>.\"", u.Text)
	}
	if j := blocksJSON(t, u); !strings.Contains(j, "Took back *the 2 InMail credits given back* ") || strings.Contains(j, "logged") {
		t.Errorf("undo of a refund, blocks: got %s", j)
	}
	if b := e.balance("U1"); b.Balance != 47 || b.Refundable != 3 {
		t.Errorf("after the refund was taken back: balance %d, refundable %d; want 47 and 3", b.Balance, b.Refundable)
	}
	if es, _ := e.ledger.History(context.Background(), "U1", 10); len(es) != 2 || !es[0].Refund || es[0].Stands() {
		t.Errorf("history after undo: %+v, want the refund taken back and the send", es)
	}
}

// TestRefundRefused: a refund of a kind the tier does not pay for in
// credits, or without a kind, or with nothing spent, records nothing.
func TestRefundRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	for _, tc := range []struct {
		user, line string
		want       []string
	}{
		{"U1", "/logsend refund 1 inmail", []string{"your tier, free, has no InMail credits", "Nothing was recorded."}},
		{"U2", "/logsend refund 1 message", []string{"your tier, sales_navigator, has no message credits", "Nothing was recorded."}},
		{"U2", "/logsend refund 1 inmail", []string{"No InMail credits can be given back", "Nothing was recorded."}},
		{"U2", "/logsend refund 2", []string{"Say which credits come back, for example `/logsend refund 2 inmail`.", "Nothing was recorded."}},
		{"U2", "/logsend refund 0 inmail", []string{"is not a count I can take", "Nothing was recorded."}},
		{"U2", "/logsend refund 1001 inmail", []string{"is not a count I can take"}},
		{"U2", "/logsend refund 2 inmail thanks", []string{"I can't make sense of", "/logsend refund 2 inmail"}},
	} {
		if tc.user == "U2" {
			e.do("U2", "/quota tier sales_navigator", "")
		}
		r := e.do(tc.user, tc.line, "")
		mustSay(t, r, tc.want...)
		e.mustNothingRecorded(tc.user)
	}
}

// TestSpendPastCredits: InMails sent past the balance are recorded (they
// happened) and the reply says loudly by how much.
func TestSpendPastCredits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	e.do("U1", "/quota tier sales_navigator", "")
	r := e.do("U1", "/logsend 53 inmail", "")
	mustSay(t, r, "Logged ", "53 InMails", "Past your InMail credits by 3")
	if !strings.Contains(blocksJSON(t, r), ":rotating_light:") {
		t.Errorf("the warning is not loud:\n%s", blocksJSON(t, r))
	}
	if b := e.balance("U1"); b.Balance != -3 {
		t.Errorf("balance %d, want -3", b.Balance)
	}
	r = e.do("U1", "/quota", "")
	mustSay(t, r, "0 of 150", "Past your InMail credits by 3")
	if !strings.Contains(r.Text, "InMails: 0 left now") {
		t.Errorf("fallback %q does not say none are left", r.Text)
	}
}

// TestQuotaCreditsGolden holds /quota of a Sales Navigator member with
// messages, invitations and a full bank of InMail credits to
// testdata/quota_credits.json.
func TestQuotaCreditsGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	now := e.clock.Now()
	e.clock.Set(time.Date(2026, 9, 10, 9, 0, 0, 0, now.Location()))
	e.do("U1", "/quota tier sales_navigator", "")
	e.clock.Set(now.AddDate(0, 0, -6))
	e.do("U1", "/logsend 3 inmail", "")
	e.do("U1", "/logsend 60 invite", "")
	e.clock.Set(now.AddDate(0, 0, -1))
	e.do("U1", "/logsend refund 1 inmail", "")
	e.do("U1", "/logsend 25 invite", "")
	e.clock.Set(now.Add(-time.Hour))
	e.do("U1", "/logsend 40", "")
	e.clock.Set(now)
	r := e.do("U1", "/quota", "")
	mustSay(t, r, "148 of 150", "2 more", "48 would be lost to the cap of 150 then")
	replyGolden(t, "quota_credits", r)
}

// replyGolden compares r, as indented JSON, with testdata/name.json, or
// rewrites the file with -update.
func replyGolden(t *testing.T, name string, r commands.Reply) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".json"), testutil.JSON(t, r.Msg()), *update)
}
