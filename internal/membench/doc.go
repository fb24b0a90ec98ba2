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
// profiles. A quick run:
//
//	go test ./internal/membench -run '^$' -bench Memory -benchtime 1x \
//	    -membench.entries 50000 -membench.idle 2s -membench.many 5s -membench.one 5s
package membench
