package quota_test

import (
	"testing"

	"github.com/quotabot/quotabot/quota"
)

// TestStandingOf holds the one rule to its edges, with no store.
func TestStandingOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		used, limit int
		want        quota.Standing
	}{
		{0, 100, quota.Within},
		{79, 100, quota.Within},
		{80, 100, quota.Near},
		{99, 100, quota.Near},
		{100, 100, quota.Reached},
		{101, 100, quota.Over},
		{11, 15, quota.Within},
		{12, 15, quota.Near}, // exactly 80%
		{3, 4, quota.Within},
		{4, 5, quota.Near},
		{0, 1, quota.Within},
		{1, 1, quota.Reached},
		{0, 0, quota.Reached}, // a limit of 0 leaves nothing to send
		{1, 0, quota.Over},
		{1200, 1500, quota.Near},
		{1199, 1500, quota.Within},
	} {
		if got := quota.StandingOf(tc.used, tc.limit); got != tc.want {
			t.Errorf("StandingOf(%d, %d) = %d, want %d", tc.used, tc.limit, got, tc.want)
		}
	}
	ks := quota.KindSummary{Used: 5}
	if got := ks.Standing(); got != quota.Within {
		t.Errorf("a kind with no limit for the window: got %d, want Within", got)
	}
}
