//go:build quotabench

package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"
)

// benchHooks, in a binary built for internal/membench only, writes a heap
// profile to $QUOTABENCH_HEAPPROFILE.N each time the process gets SIGUSR1,
// so that the benchmark can see where memory goes under load. Between two
// signals it also keeps $QUOTABENCH_HEAPPROFILE.peak.N, the profile of the
// collection that found the most live heap since signal N-1: what is live
// at the worst moment, which a profile taken at a given time misses.
// There is no endpoint for it: the shipped binary has none of this.
func benchHooks(getenv func(string) string, log *slog.Logger) (stop func()) {
	base := getenv("QUOTABENCH_HEAPPROFILE")
	if base == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		for n := 1; ; {
			select {
			case <-done:
				return
			case <-sig:
				if err := writeHeap(fmt.Sprintf("%s.%d", base, n), true); err != nil {
					log.Error("heap profile", "err", err)
				}
				n, peak = n+1, 0
			case <-tick.C:
				// The heap profile's in-use figures are those of the
				// last collection, as is the live heap read here.
				metrics.Read(live)
				if v := live[0].Value.Uint64(); v > peak+peak/20 {
					peak = v
					if err := writeHeap(fmt.Sprintf("%s.peak.%d", base, n), false); err != nil {
						log.Error("heap profile", "err", err)
					}
				}
			}
		}
	}()
	return func() { signal.Stop(sig); close(done) }
}

// writeHeap writes a heap profile to path, after a collection if gc.
func writeHeap(path string, gc bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if gc {
		// The in-use figures are as of the last collection: make it now.
		runtime.GC()
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
