package quota_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/benchref"
	"github.com/quotabot/quotabot/quota"
)

// The write path is measured against a reference in the same run: plain
// Badger read-modify-write transactions with SyncWrites on, at the same
// concurrency, retrying on ErrConflict as a careful caller must. DESIGN.md
// §5 asks for the ledger to reach at least the reference's rate, and for one
// hot member to keep at least half the many-member rate.
//
//	go test ./quota -run '^$' -bench Compare -benchtime 1x

const (
	benchClients = 64
	benchMembers = 1000
)

// run performs ops operations from `clients` goroutines and returns the rate
// and the 99th percentile latency.
func run(ops, clients int, op func(r *rand.Rand) error) (perSec float64, p99 time.Duration, err error) {
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			for next.Add(1) <= int64(ops) {
				t0 := time.Now()
				if err := op(r); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e, ok := firstErr.Load().(error); ok {
		return 0, 0, e
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return float64(ops) / elapsed.Seconds(), all[len(all)*99/100], nil
}

func member(r *rand.Rand, n int) string { return fmt.Sprintf("U%05d", r.IntN(n)) }

func ledgerLog(b *testing.B, members int) func(*rand.Rand) error {
	l := mustOpen(b, "", quota.Options{})
	var key atomic.Int64
	return func(r *rand.Rand) error {
		_, err := l.Log(context.Background(), quota.LogRequest{
			Member: member(r, members), Kind: quota.Message, Count: 1,
			Key: fmt.Sprint(key.Add(1)),
		})
		return err
	}
}

// badgerRMW is the reference (see internal/benchref): one counter per
// member, read, incremented and written back, retried on conflict.
func badgerRMW(b *testing.B, members int, retries *atomic.Int64) func(*rand.Rand) error {
	incr := benchref.BadgerRMW(b, retries)
	return func(r *rand.Rand) error { return incr([]byte(member(r, members))) }
}

// BenchmarkCompare runs the ledger and the reference in one run and reports
// their rates, the ratios and the p99 latencies.
func BenchmarkCompare(b *testing.B) {
	const ops = 20000
	for b.Loop() {
		var retriesMany, retriesHot atomic.Int64
		refMany, refP99, err := run(ops, benchClients, badgerRMW(b, benchMembers, &retriesMany))
		if err != nil {
			b.Fatal(err)
		}
		refHot, _, err := run(ops/4, benchClients, badgerRMW(b, 1, &retriesHot))
		if err != nil {
			b.Fatal(err)
		}
		many, manyP99, err := run(ops, benchClients, ledgerLog(b, benchMembers))
		if err != nil {
			b.Fatal(err)
		}
		hot, hotP99, err := run(ops, benchClients, ledgerLog(b, 1))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(refMany, "badger-rmw/s")
		b.ReportMetric(float64(refP99.Microseconds())/1000, "badger-rmw-p99-ms")
		b.ReportMetric(float64(retriesHot.Load())/float64(ops/4), "badger-hot-retries/op")
		b.ReportMetric(refHot, "badger-rmw-hot/s")
		b.ReportMetric(many, "ledger/s")
		b.ReportMetric(float64(manyP99.Microseconds())/1000, "ledger-p99-ms")
		b.ReportMetric(hot, "ledger-hot/s")
		b.ReportMetric(float64(hotP99.Microseconds())/1000, "ledger-hot-p99-ms")
		b.ReportMetric(many/refMany, "ledger/badger")
		b.ReportMetric(hot/many, "hot/many")
	}
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
// who each logged on every working day. DESIGN.md §5: under a second.
func BenchmarkMonthlySummary(b *testing.B) {
	loc := time.UTC
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, loc)
	var now atomic.Int64
	now.Store(start.UnixNano())
	l := mustOpen(b, "", quota.Options{InMemory: true, Now: func() time.Time { return time.Unix(0, now.Load()) }})
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
					if _, err := l.Log(ctx, quota.LogRequest{Member: fmt.Sprintf("U%05d", m), Kind: quota.Message, Count: 1 + m%120}); err != nil {
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
