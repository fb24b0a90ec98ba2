package blockkit_test

import (
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

// TestTeamCredits: the team table gives a credit kind its balance, ranks
// a member past it as over and one spent out as at the limit, and leaves
// out a kind with nothing to show.
func TestTeamCredits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	nav := quota.Credits{Grant: 50, Cap: 150, RenewDay: 1}
	usage := func(id string, balance int) quota.Usage {
		return quota.Usage{Member: quota.Member{ID: id, Tier: "sales_navigator"}, At: now, Kinds: []quota.KindUsage{
			{Kind: quota.InMail, Credits: &quota.CreditBalance{Credits: nav, At: now, Balance: balance}},
			{Kind: "connect"}, // nothing to show
		}}
	}
	rows := blockkit.RankTeam([]quota.Usage{usage("U1", 48), usage("U2", -3), usage("U3", 0)})
	for i, want := range []struct {
		id, line string
		s        quota.Standing
	}{
		{"U2", ":red_circle: <@U2> · InMails *3 past the credits*", quota.Over},
		{"U3", ":large_orange_circle: <@U3> · InMails 0/150 credits banked", quota.Reached},
		{"U1", "<@U1> · InMails 48/150 credits banked", quota.Within},
	} {
		if r := rows[i]; r.Usage.Member.ID != want.id || r.Line() != want.line || r.Standing != want.s {
			t.Errorf("row %d: got %s %q (%v), want %s %q (%v)", i, r.Usage.Member.ID, r.Line(), r.Standing, want.id, want.line, want.s)
		}
	}
}

// TestBankedAboveCap: a refund can take a balance above the bank's cap
// (the cap bounds renewals); the line then says so rather than "160 of
// 150".
func TestBankedAboveCap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	nav := quota.Credits{Grant: 50, Cap: 150, RenewDay: 1}
	for _, c := range []struct {
		balance int
		want    string
	}{
		{160, "InMail credits: 160 banked, above the cap of 150; renews on Tue 1 Dec 00:00 UTC, none added: the bank is full; 50 would be lost to the cap of 150 then."},
		{48, "InMail credits: 48 of 150 banked; 50 more on Tue 1 Dec 00:00 UTC."},
	} {
		// One grant of 50, then a send or a refund that makes the balance.
		mv := quota.CreditMove{At: now.Add(-time.Minute), Count: 50 - c.balance}
		if mv.Count < 0 {
			mv.Count, mv.Refund = -mv.Count, true
		}
		b := quota.CreditsAt(nav, now.Add(-time.Hour), []quota.CreditMove{mv}, now, time.UTC)
		ku := quota.KindUsage{Kind: quota.InMail, Credits: &b}
		if got := blockkit.LeftText(ku); got != c.want {
			t.Errorf("balance %d: got %q, want %q", c.balance, got, c.want)
		}
	}
}
