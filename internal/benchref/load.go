package benchref

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a load did: its operations, the time they took in all,
// and each one's latency. Results of several rounds add up.
type Result struct {
	Ops       int
	Elapsed   time.Duration
	Latencies []time.Duration
}

// Add adds another round's result to r.
func (r *Result) Add(o Result) {
	r.Ops += o.Ops
	r.Elapsed += o.Elapsed
	r.Latencies = append(r.Latencies, o.Latencies...)
}

// Rate is operations per second.
func (r Result) Rate() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// P99 is the 99th percentile latency, in milliseconds for ReportMetric.
func (r Result) P99() float64 {
	lat := slices.Sorted(slices.Values(r.Latencies))
	return float64(lat[len(lat)*99/100].Microseconds()) / 1000
}

// loads varies the random sources from one load to the next, so that the
// rounds of a benchmark do not replay the same members.
var loads atomic.Uint64

// Load performs ops operations from `clients` goroutines, each with a
// random source of its own, and returns what they did. The first error
// stops its goroutine and is returned once all are done.
func Load(ops, clients int, op func(r *rand.Rand) error) (Result, error) {
	seq := loads.Add(1)
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), seq))
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
	if err, ok := firstErr.Load().(error); ok {
		return Result{}, err
	}
	return Result{Ops: ops, Elapsed: elapsed, Latencies: slices.Concat(lat...)}, nil
}

// Member picks one of n member IDs, as the benchmarks name them.
func Member(r *rand.Rand, n int) string { return fmt.Sprintf("U%05d", r.IntN(n)) }
