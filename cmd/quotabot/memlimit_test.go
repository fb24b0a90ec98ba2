package main

import (
	"runtime/debug"
	"testing"
)

// TestSetMemoryLimit: without GOMEMLIMIT the default soft limit is set; an
// explicit GOMEMLIMIT (which the runtime applied at start) is left alone.
// Not parallel: the limit is the process's.
func TestSetMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	const before = 123 << 20
	for _, tc := range []struct {
		name string
		env  string
		want int64
	}{
		{"unset", "", defaultMemoryLimit},
		{"explicit wins", "1GiB", before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(before)
			setMemoryLimit(func(k string) string {
				if k == "GOMEMLIMIT" {
					return tc.env
				}
				return ""
			})
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Errorf("got limit %d, want %d", got, tc.want)
			}
		})
	}
}
