package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// benchMonth opens a ledger under plan whose member U1 logged n of kind k
// on each of the last 30 days, and returns it with the clock at the end.
func benchMonth(b *testing.B, plan quota.Plan, k quota.Kind, n int) *store.Ledger {
	start := time.Date(2026, 10, 31, 9, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.UnixNano())
	l := mustOpen(b, "", store.Options{Plan: plan, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	for day := range 30 {
		now.Store(start.AddDate(0, 0, day).UnixNano())
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := l.Log(context.Background(), store.LogRequest{Member: "U1", Kind: k, Count: 1}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	now.Store(start.AddDate(0, 0, 30).UnixNano())
	return l
}

// benchUsage reads U1's usage in a loop.
func benchUsage(b *testing.B, l *store.Ledger) {
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.Usage(context.Background(), "U1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUsage reads the standing of a member who logged 50 messages a
// day for a month, under the article's calendar limits alone: the
// counter cache answers.
func BenchmarkUsage(b *testing.B) {
	builtin := quota.DefaultTiers()
	plan, err := quota.NewPlan(map[string]quota.Tier{"free": {Limits: map[quota.Kind][]quota.Limit{quota.Message: builtin["free"].Limits[quota.Message]}}}, "free")
	if err != nil {
		b.Fatal(err)
	}
	benchUsage(b, benchMonth(b, plan, quota.Message, 50))
}

// BenchmarkUsageBuiltin is BenchmarkUsage under the built-in plan, whose
// invitations over the last 7 days (none sent) take a read of the
// rolling index.
func BenchmarkUsageBuiltin(b *testing.B) {
	benchUsage(b, benchMonth(b, quota.DefaultPlan(), quota.Message, 50))
}

// BenchmarkUsageRolling is BenchmarkUsage with invitations limited to 100
// over the last 7 days besides a day's 30: the week's 350 entries are
// read from the rolling index.
func BenchmarkUsageRolling(b *testing.B) {
	tiers := quota.DefaultTiers()
	tiers["free"].Limits["invite"] = []quota.Limit{{Span: 7 * 24 * time.Hour, Max: 100}, {Window: quota.Day, Max: 30}}
	plan, err := quota.NewPlan(tiers, "free")
	if err != nil {
		b.Fatal(err)
	}
	benchUsage(b, benchMonth(b, plan, "invite", 50))
}
