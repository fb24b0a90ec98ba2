package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/benchref"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// The write path is measured against a reference in the same run: plain
// Badger read-modify-write transactions with SyncWrites on, at the same
// concurrency, retrying on ErrConflict as a careful caller must. docs/ARCHITECTURE.md
// §5 asks for the ledger to reach at least the reference's rate, and for one
// hot member to keep at least half the many-member rate.
//
//	go test ./store -run '^$' -bench Compare -benchtime 1x

const (
	benchClients = 64
	benchMembers = 1000
)

func ledgerLog(b *testing.B, members int) func(*rand.Rand) error {
	l := mustOpen(b, "", store.Options{})
	var key atomic.Int64
	return func(r *rand.Rand) error {
		_, err := l.Log(context.Background(), store.LogRequest{
			Member: benchref.Member(r, members), Kind: quota.Message, Count: 1,
			Key: fmt.Sprint(key.Add(1)),
		})
		return err
	}
}

// badgerRMW is the reference (see internal/benchref): one counter per
// member, read, incremented and written back, retried on conflict.
func badgerRMW(b *testing.B, members int, retries *atomic.Int64) func(*rand.Rand) error {
	incr := benchref.BadgerRMW(b, retries)
	return func(r *rand.Rand) error { return incr([]byte(benchref.Member(r, members))) }
}

// BenchmarkCompare runs the ledger and the reference in one run and reports
// their rates, the ratios and the p99 latencies.
func BenchmarkCompare(b *testing.B) {
	const ops = 20000
	for b.Loop() {
		var retriesMany, retriesHot atomic.Int64
		refMany := load(b, ops, badgerRMW(b, benchMembers, &retriesMany))
		refHot := load(b, ops/4, badgerRMW(b, 1, &retriesHot))
		many := load(b, ops, ledgerLog(b, benchMembers))
		hot := load(b, ops, ledgerLog(b, 1))
		b.ReportMetric(refMany.Rate(), "badger-rmw/s")
		b.ReportMetric(refMany.P99(), "badger-rmw-p99-ms")
		b.ReportMetric(float64(retriesHot.Load())/float64(ops/4), "badger-hot-retries/op")
		b.ReportMetric(refHot.Rate(), "badger-rmw-hot/s")
		b.ReportMetric(many.Rate(), "ledger/s")
		b.ReportMetric(many.P99(), "ledger-p99-ms")
		b.ReportMetric(hot.Rate(), "ledger-hot/s")
		b.ReportMetric(hot.P99(), "ledger-hot-p99-ms")
		b.ReportMetric(many.Rate()/refMany.Rate(), "ledger/badger")
		b.ReportMetric(hot.Rate()/many.Rate(), "hot/many")
	}
}

// load runs ops operations at benchClients concurrency.
func load(b *testing.B, ops int, op func(r *rand.Rand) error) benchref.Result {
	b.Helper()
	r, err := benchref.Load(ops, benchClients, op)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkLog is the ledger's write path alone, for benchstat.
func BenchmarkLog(b *testing.B) {
	for _, members := range []int{benchMembers, 1} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			op := ledgerLog(b, members)
			b.SetParallelism(benchClients / max(1, runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 1))
				for pb.Next() {
					if err := op(r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkMonthlySummary builds the summary of a month for 10,000 members
// who each logged on every working day. docs/ARCHITECTURE.md §5: under a second.
func BenchmarkMonthlySummary(b *testing.B) {
	loc := time.UTC
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, loc)
	var now atomic.Int64
	now.Store(start.UnixNano())
	l := mustOpen(b, "", store.Options{InMemory: true, Now: func() time.Time { return time.Unix(0, now.Load()) }})
	const members = 10000
	ctx := context.Background()
	entries := 0
	for day := range 31 {
		d := start.AddDate(0, 0, day)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		now.Store(d.UnixNano())
		var wg sync.WaitGroup
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := w; m < members; m += 64 {
					if _, err := l.Log(ctx, store.LogRequest{Member: fmt.Sprintf("U%05d", m), Kind: quota.Message, Count: 1 + m%120}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		entries += members
	}
	p := quota.Month.Period(start, loc)
	b.ResetTimer()
	for b.Loop() {
		s, err := l.Summary(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Members) != members {
			b.Fatalf("got %d members, want %d", len(s.Members), members)
		}
	}
	b.ReportMetric(float64(entries), "entries")
}

// BenchmarkLogFrozenClock logs with a clock that reads one instant
// throughout, as a stalled or coarse clock does: each entry takes the
// next free nanosecond, and finding it must not mean probing every entry
// already at that instant (which made this quadratic). Compare ns/op with
// BenchmarkLog's members=1.
func BenchmarkLogFrozenClock(b *testing.B) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := mustOpen(b, "", store.Options{Now: func() time.Time { return at }})
	ctx := context.Background()
	b.SetParallelism(benchClients / max(1, runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
