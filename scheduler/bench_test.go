package scheduler_test

import (
	"testing"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/scheduler"
)

// The monthly summary of 10,000 members (docs/ARCHITECTURE.md §5 wants it built in
// under a second): reading the month's counters and building the post.
func BenchmarkMonthlySummary10k(b *testing.B) {
	ny := testutil.NewYork(b)
	e := newEnv(b, ny, date(ny, 2026, 11, 10, 12, 0), inMemory())
	populate(b, e, 10000, date(ny, 2026, 11, 10, 12, 0))
	month := quota.Month.Period(date(ny, 2026, 11, 10, 12, 0), ny)
	for b.Loop() {
		sum, err := e.ledger.Summary(ctx, month)
		if err != nil {
			b.Fatal(err)
		}
		text, blocks := scheduler.BuildMonthly(e.ledger.Plan(), sum)
		if len(sum.Members) != 10000 || text == "" || len(blocks) == 0 {
			b.Fatalf("%d members, %d blocks", len(sum.Members), len(blocks))
		}
	}
}
