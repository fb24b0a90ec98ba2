package store

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// The creation stamp: written at the first open, kept across reopens with
// the clock moved, and derived for a store made before the stamp existed
// from what it holds.
func TestCreated(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		// setup runs on a store opened at t0 and returns whether to
		// remove the stamp before the reopen, as an older quotabot left it.
		setup    func(t *testing.T, l *Ledger, clock *testutil.Clock)
		legacy   bool
		readOnly bool // the reopen is read-only
		want     time.Time
	}{
		{
			name:  "a new store is stamped at its first open and keeps it",
			setup: func(*testing.T, *Ledger, *testutil.Clock) {},
			want:  t0,
		},
		{
			name: "an old store without a stamp: its earliest entry",
			setup: func(t *testing.T, l *Ledger, clock *testutil.Clock) {
				clock.Set(t0.Add(48 * time.Hour))
				logAt(t, l, "U2")
				clock.Set(t0.Add(24 * time.Hour))
				logAt(t, l, "U1")
			},
			legacy: true,
			want:   t0.Add(24 * time.Hour),
		},
		{
			name: "an old store without a stamp or records: taken as new at the reopen",
			setup: func(*testing.T, *Ledger, *testutil.Clock) {
			},
			legacy: true,
			want:   t0.Add(30 * 24 * time.Hour),
		},
		{
			name: "read-only, an old store: derived, not written",
			setup: func(t *testing.T, l *Ledger, clock *testutil.Clock) {
				clock.Set(t0.Add(24 * time.Hour))
				logAt(t, l, "U1")
			},
			legacy: true, readOnly: true,
			want: t0.Add(24 * time.Hour),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			clock := testutil.NewClock(t0)
			l, err := Open(dir, Options{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Created(); !got.Equal(t0) {
				t.Errorf("Created at the first open: got %v, want %v", got, t0)
			}
			tc.setup(t, l, clock)
			if tc.legacy {
				if err := l.db.Update(func(txn *badger.Txn) error { return txn.Delete(metaCreated) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			clock.Set(t0.Add(30 * 24 * time.Hour))
			l, err = Open(dir, Options{Now: clock.Now, ReadOnly: tc.readOnly})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got := l.Created(); !got.Equal(tc.want) {
				t.Errorf("Created after the reopen: got %v, want %v", got, tc.want)
			}
			if !tc.readOnly {
				return
			}
			// Read-only wrote nothing: the stamp is still missing.
			err = l.db.View(func(txn *badger.Txn) error {
				_, err := txn.Get(metaCreated)
				return err
			})
			if err != badger.ErrKeyNotFound {
				t.Errorf("read-only open: the stamp's lookup gave %v, want it still missing", err)
			}
		})
	}
}

func logAt(t *testing.T, l *Ledger, member string) {
	t.Helper()
	if _, err := l.Log(context.Background(), LogRequest{Member: member, Kind: quota.Message, Count: 1}); err != nil {
		t.Fatal(err)
	}
}
