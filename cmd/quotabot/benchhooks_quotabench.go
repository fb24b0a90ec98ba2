//go:build quotabench

package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// benchHooks, in a binary built for internal/membench only, writes a heap
// profile to $QUOTABENCH_HEAPPROFILE.N each time the process gets SIGUSR1,
// so that the benchmark can see where memory goes under load. There is no
// endpoint for it: the shipped binary has none of this.
func benchHooks(getenv func(string) string, log *slog.Logger) (stop func()) {
	base := getenv("QUOTABENCH_HEAPPROFILE")
	if base == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-sig:
			}
			if err := writeHeap(fmt.Sprintf("%s.%d", base, n)); err != nil {
				log.Error("heap profile", "err", err)
			}
		}
	}()
	return func() { signal.Stop(sig); close(done) }
}

func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	// The in-use figures are as of the last collection: make it now.
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
