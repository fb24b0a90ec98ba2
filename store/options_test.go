package store_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestOpensTablesOfOtherOptions: compression, table and block sizes are
// recorded in each table, so a store whose tables were written with other
// options (Badger's defaults: Snappy, 2 MB tables doubling per level, as a
// store made before the tuning holds) opens with today's and reads back
// the same counts.
func TestOpensTablesOfOtherOptions(t *testing.T) {
	const entries = 2000
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	l, err := store.Open(dir, store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// From many goroutines, so that the writer batches them and the test
	// does not wait for a sync per entry.
	var wg sync.WaitGroup
	for i := range entries {
		wg.Go(func() {
			req := store.LogRequest{Member: fmt.Sprintf("U%03d", i%50), Kind: quota.Message, Count: 1 + i%3}
			if _, err := l.Log(ctx, req); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want, err := l.TeamUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	rewritten := filepath.Join(t.TempDir(), "rewritten")
	rewrite(t, dir, badger.DefaultOptions(rewritten).WithLogger(nil))

	l, err = store.Open(rewritten, store.Options{Now: now})
	if err != nil {
		t.Fatalf("open the rewritten store: %v", err)
	}
	defer l.Close()
	got, err := l.TeamUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("usage after the rewrite:\n%+v\nwant\n%+v", got, want)
	}
	r, err := l.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Entries != entries {
		t.Errorf("check: %d entries, problems %v", r.Entries, r.Problems)
	}
}

// rewrite copies the store in dir, every key at its version, into a new
// store opened with o, whose tables are then all written with o's
// compression and sizes.
func rewrite(t *testing.T, dir string, o badger.Options) {
	t.Helper()
	src, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = src.Backup(&buf, 0)
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	dst, err := badger.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.Load(&buf, 16); err != nil {
		t.Fatal(err)
	}
	// Closing flushes the memtable into a table written with o.
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if tables, _ := filepath.Glob(filepath.Join(o.Dir, "*.sst")); len(tables) == 0 {
		t.Fatal("the rewritten store has no table")
	}
}
