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
