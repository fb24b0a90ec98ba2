package quota

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// TestFailedCommit fails a batch's commit: its callers are told, nothing
// of it shows (not its counters, not its idempotency key), and the ledger
// goes on from what is on disk.
func TestFailedCommit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l, err := Open(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Log(ctx, LogRequest{Member: "U1", Kind: Message, Count: 2, Key: "before"}); err != nil {
		t.Fatal(err)
	}
	fail := true
	l.commitTxn = func(txn *badger.Txn) error {
		if fail {
			fail = false
			txn.Discard()
			return errors.New("disk on fire")
		}
		return txn.Commit()
	}
	res, err := l.Log(ctx, LogRequest{Member: "U1", Kind: Message, Count: 5, Key: "doomed"})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("log in a failed commit: got %+v, %v; want the store's failure", res, err)
	}

	u, err := l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if day, _ := u.Kinds[0].Window(Day); day.Used != 2 {
		t.Errorf("after the failure: %d used today, want the 2 on disk", day.Used)
	}
	res, err = l.Log(ctx, LogRequest{Member: "U1", Kind: Message, Count: 3, Key: "doomed"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicate {
		t.Error("the failed commit's idempotency key survived it")
	}
	if day, _ := res.Usage.Window(Day); day.Used != 5 {
		t.Errorf("next log: %d used today, want 2+3", day.Used)
	}
	h, err := l.History(ctx, "U1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Count != 3 || h[1].Count != 2 {
		t.Errorf("history: got %+v, want the 3 and the 2", h)
	}
}
