package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
)

// TestIdempotentSetTier: a SetTier repeated with its key changes the tier
// once and answers as the first time did, even after a later change and a
// restart; a repeat never undoes what came after it.
func TestIdempotentSetTier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clk := testutil.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	open := func() *Ledger {
		l, err := Open(dir, Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
				t.Error(err)
			}
		})
		return l
	}
	l := open()
	req := SetTierRequest{Member: "U2", Tier: "premium", By: "UADMIN", Key: "action:t1/1.1"}
	first, err := l.SetTier(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	again, err := l.SetTier(ctx, req)
	if err != nil || !reflect.DeepEqual(again, first) {
		t.Errorf("the same key again: got %+v, %v; want the first answer %+v", again, err, first)
	}
	if n := tierChanges(t, l, "U2"); n != 1 {
		t.Errorf("tier changes after the same key twice: got %d, want 1", n)
	}

	// A later change, then the first delivered again: the tier stays as
	// the later change set it, and the repeat still reads as the first.
	clk.Add(time.Minute)
	later, err := l.SetTier(ctx, SetTierRequest{Member: "U2", Tier: "free", By: "UADMIN", Key: "action:t2/2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	l = open()
	again, err = l.SetTier(ctx, req)
	if err != nil || !again.TierSetAt.Equal(first.TierSetAt) || again.Tier != "premium" || again.ID != "U2" || !again.Enrolled.Equal(first.Enrolled) {
		t.Errorf("the first key after a restart: got %+v, %v; want the first answer %+v", again, err, first)
	}
	if m, _ := l.Member(ctx, "U2"); m.Tier != "free" || !m.TierSetAt.Equal(later.TierSetAt) {
		t.Errorf("U2 after the first key was repeated: got %+v, want the later change's %+v", m, later)
	}
	if n := tierChanges(t, l, "U2"); n != 2 {
		t.Errorf("tier changes: got %d, want 2", n)
	}

	// Without a key every request is a change of its own, but setting the
	// tier a member is on changes nothing: it would restart their credits.
	for _, tier := range []string{"premium", "free", "free"} {
		if _, err := l.SetTier(ctx, SetTierRequest{Member: "U3", Tier: tier, By: "U3"}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	if n := tierChanges(t, l, "U3"); n != 2 {
		t.Errorf("tier changes of premium, free and free again without a key: got %d, want 2", n)
	}
}

// tierChanges counts the member's tier-change records.
func tierChanges(t *testing.T, l *Ledger, member string) int {
	t.Helper()
	return countKeys(t, l, append(append([]byte{pTier}, member...), 0))
}
