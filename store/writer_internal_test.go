package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// failingDisk puts a disk in front of the ledger's commits whose first
// commit fails: cleanly (nothing written) or after the writes landed, as
// Badger's commit can when the WAL sync fails.
func failingDisk(l *Ledger, landed bool) {
	fail := true
	l.commitTxn = func(txn *badger.Txn) error {
		if !fail {
			return txn.Commit()
		}
		fail = false
		if landed {
			if err := txn.Commit(); err != nil {
				return err
			}
		} else {
			txn.Discard()
		}
		return errors.New("disk on fire")
	}
}

// TestFailedCommit fails a batch's commit: its caller is told, the ledger
// refuses writes (and says so to health checks) but still reads, and once
// opened again it goes on from what is on disk.
func TestFailedCommit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		landed bool // the failed commit's entry is on disk after all
	}{
		{"nothing written", false},
		{"written anyway", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			dir := t.TempDir()
			opts := Options{Now: func() time.Time { return now }}
			l, err := Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { l.Close() }()
			if _, err := l.Log(ctx, LogRequest{Member: "U2", Kind: quota.Message, Count: 2, Key: "before"}); err != nil {
				t.Fatal(err)
			}
			failingDisk(l, tc.landed)
			res, err := l.Log(ctx, LogRequest{Member: "U1", Kind: quota.Message, Count: 5, Key: "doomed"})
			if err == nil || !strings.Contains(err.Error(), "disk on fire") {
				t.Fatalf("log in a failed commit: got %+v, %v; want the store's failure", res, err)
			}

			// No more writes: the next could build on what failed.
			if _, err := l.Log(ctx, LogRequest{Member: "U2", Kind: quota.Message, Count: 3}); !errors.Is(err, ErrStoreFailed) {
				t.Errorf("log after the failure: got %v, want ErrStoreFailed", err)
			}
			if _, err := l.Undo(ctx, "U2", ""); !errors.Is(err, ErrStoreFailed) {
				t.Errorf("undo after the failure: got %v, want ErrStoreFailed", err)
			}
			if err := l.Ping(); !errors.Is(err, ErrStoreFailed) {
				t.Errorf("health after the failure: got %v, want ErrStoreFailed", err)
			}
			if u, err := l.Usage(ctx, "U2"); err != nil || u.Kinds[0].Windows[0].Used != 2 {
				t.Errorf("U2's usage after the failure: %+v, %v; want 2 used, read as before", u, err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}

			l, err = Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Ping(); err != nil {
				t.Errorf("health after reopening: %v", err)
			}
			want := 0
			if tc.landed {
				want = 5
			}
			h, err := l.History(ctx, "U1", 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(h); got != want/5 || (got == 1 && h[0].Count != 5) {
				t.Errorf("U1's history after reopening: %+v, want %d entries of 5", h, want/5)
			}
			res, err = l.Log(ctx, LogRequest{Member: "U1", Kind: quota.Message, Count: 5, Key: "doomed"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Duplicate != tc.landed {
				t.Errorf("the retry with the failed commit's key: duplicate %v, want %v", res.Duplicate, tc.landed)
			}
			if day, _ := res.Usage.Window(quota.Day); day.Used != 5 {
				t.Errorf("U1 after the retry: %d used today, want 5", day.Used)
			}
			// U2 kept their acknowledged 2, and no entry of U1's.
			h, err = l.History(ctx, "U2", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != 1 || h[0].Count != 2 || h[0].Member != "U2" {
				t.Errorf("U2's history: %+v, want their 2 alone", h)
			}
			if e, err := l.Undo(ctx, "U2", ""); err != nil || e.Count != 2 {
				t.Errorf("U2's undo: %+v, %v; want their own 2", e, err)
			}
		})
	}
}
