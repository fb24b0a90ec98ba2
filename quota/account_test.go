package quota_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// TestAccount: a month's account of credits, worked by hand for Sales
// Navigator's 50 a month banked up to 150, renewing on the 1st in New
// York.
func TestAccount(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, ny) }
	nav := quota.DefaultPlan().Tier("sales_navigator")
	nov := quota.Month.Period(at(time.November, 15, 12), ny)
	for _, tc := range []struct {
		name  string
		start time.Time
		moves []quota.CreditMove
		want  quota.CreditAccount
	}{
		{
			// 50 on 10 Sep, 10 spent: 40; 90 on 1 Oct; 140 on 1 Nov; 30
			// spent and 5 back in November: 115. Moves before the tier
			// and after the month do not count.
			name:  "spent and given back",
			start: at(time.September, 10, 9),
			moves: []quota.CreditMove{
				{At: at(time.September, 1, 9), Count: 99},
				{At: at(time.September, 20, 9), Count: 10},
				{At: at(time.November, 3, 9), Count: 30},
				{At: at(time.November, 20, 9), Count: 5, Refund: true},
				{At: at(time.December, 2, 9), Count: 40},
			},
			want: quota.CreditAccount{Spent: 30, Refunded: 5, Banked: 115},
		},
		{
			// 50, 100, 150 by 1 Sep; the grants of 1 Oct and 1 Nov are
			// lost to the cap, and only November's counts.
			name:  "never spent",
			start: at(time.July, 15, 9),
			want:  quota.CreditAccount{Lost: 50, Banked: 150},
		},
		{
			name:  "spent past the balance",
			start: at(time.November, 10, 9),
			moves: []quota.CreditMove{{At: at(time.November, 11, 9), Count: 70}},
			want:  quota.CreditAccount{Spent: 70, Banked: -20},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := quota.Member{ID: "U1", Tier: "sales_navigator", Enrolled: tc.start}
			got, ok := nav.Account(m, quota.InMail, nov, tc.moves, ny)
			tc.want.Member, tc.want.Kind, tc.want.Credits = m, quota.InMail, nav.Credits[quota.InMail]
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v (%v), want %+v", got, ok, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		tier quota.Tier
		m    quota.Member
	}{
		{"a tier without credits", quota.DefaultPlan().Tier("premium"), quota.Member{ID: "U1", Tier: "premium", Enrolled: at(time.July, 1, 9)}},
		{"on the tier only after the month", nav, quota.Member{ID: "U1", Tier: "sales_navigator", Enrolled: at(time.December, 3, 9)}},
	} {
		if a, ok := tc.tier.Account(tc.m, quota.InMail, nov, nil, ny); ok {
			t.Errorf("%s: got %+v, want no account", tc.name, a)
		}
	}
}
