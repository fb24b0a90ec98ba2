// Package membench measures quotabot's resident memory on a large store
// (docs/ARCHITECTURE.md §5: 32 MiB idle, 96 MiB under load, at any store size). It has
// no code of its own: the benchmark in membench_test.go seeds a store of a
// million entries in-process through quota's Ledger, then runs the real
// quotabot binary on it as a child process, with a fake Slack, and logs
// over signed HTTP while it samples the child's VmRSS:
//
//	go test ./internal/membench -run '^$' -bench Memory -benchtime 1x -timeout 30m
//
// Flags (after the package, as -membench.NAME) set the store's size, the
// phases' lengths and the clients; -membench.profiles keeps the child's heap
// profiles (heap.N at the end of each phase, heap.peak.N at the collection
// that found the most live heap in it); -membench.seeded reuses a seeded
// store (copied, never changed); -membench.bin runs a binary built
// beforehand, so that two builds can take turns in the same period. Each
// phase also prints where the resident memory was at its peak: anonymous,
// Badger's tables, memtable logs and value log, other files (the binary).
// A quick run:
//
//	go test ./internal/membench -run '^$' -bench Memory -benchtime 1x \
//	    -membench.entries 50000 -membench.idle 2s -membench.many 5s -membench.one 5s
package membench
