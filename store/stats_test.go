package store_test

import (
	"context"
	"testing"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestLevels: the store reports its levels, level 0 first, with the bytes
// its tables hold once a memtable has been flushed; a closed ledger none.
func TestLevels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := mustOpen(t, dir, store.Options{})
	if _, err := l.Log(context.Background(), store.LogRequest{Member: "U1", Kind: quota.Message, Count: 3}); err != nil {
		t.Fatal(err)
	}
	levels := l.Levels()
	if len(levels) == 0 || levels[0].Level != 0 {
		t.Fatalf("got levels %+v, want level 0 first", levels)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := l.Levels(); got != nil {
		t.Errorf("closed: got levels %+v, want none", got)
	}

	// Reopened, the memtable flushed at close is a table on disk.
	l = mustOpen(t, dir, store.Options{})
	var tables int
	var bytes int64
	for _, lv := range l.Levels() {
		tables += lv.Tables
		bytes += lv.Bytes
	}
	if tables == 0 || bytes == 0 {
		t.Errorf("reopened: got %d tables, %d bytes, want some", tables, bytes)
	}
}
