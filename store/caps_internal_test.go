package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// TestCapsAndPause: an admin's cap lowers the member's limits in every
// usage read and in a log's answer, a pause is kept with who and when, a
// repeated delivery acts once, and a restart keeps them all.
func TestCapsAndPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clk := testutil.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	open := func() *Ledger { return openModelLedger(t, dir, Options{Now: clk.Now}) }
	l := open()
	week := quota.Limit{Span: 7 * 24 * time.Hour, Max: 30}
	req := SetCapRequest{Member: "U1", Kind: "invite", Limit: week, By: "UADMIN", Key: "slash:1"}
	first, err := l.SetCap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Caps) != 1 || first.Caps[0].Limit != week || first.Caps[0].By != "UADMIN" || !first.Caps[0].At.Equal(clk.Now()) {
		t.Fatalf("caps after SetCap: got %+v", first.Caps)
	}
	clk.Add(time.Minute)
	if again, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: "invite", Limit: quota.Limit{Span: week.Span, Max: 5}, By: "UADMIN", Key: "slash:1"}); err != nil || again.Caps[0].Limit.Max != 30 {
		t.Errorf("the same key again: got %+v, %v; want the first answer", again, err)
	}
	if n := memberChanges(t, l, "U1"); n != 1 {
		t.Errorf("changes after the same key twice: got %d, want 1", n)
	}

	res, err := l.Log(ctx, LogRequest{Member: "U1", Kind: "invite", Count: 31})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Usage.Rolling) != 1 || res.Usage.Rolling[0].Max != 30 || res.Usage.Rolling[0].Over() != 1 || !res.Usage.Capped() {
		t.Errorf("a log over the cap: got %+v, want 1 over a limit of 30, capped", res.Usage)
	}
	if h := res.Usage.Caps; len(h) != 1 || h[0].Tier.Max != 100 || !h[0].TierHas {
		t.Errorf("the log's caps: got %+v, want the tier's 100 beside the cap", h)
	}

	clk.Add(time.Minute)
	if _, err := l.Pause(ctx, PauseRequest{Member: "U1", Reason: "LinkedIn warning", By: "UADMIN", Key: "slash:2"}); err != nil {
		t.Fatal(err)
	}
	pausedAt := clk.Now()
	if _, err := l.Pause(ctx, PauseRequest{Member: "U1", Reason: "LinkedIn warning", By: "UADMIN", Key: "slash:2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Pause(ctx, PauseRequest{Member: "U1", Reason: string(make([]rune, quota.MaxNote+1)), By: "UADMIN"}); !errors.Is(err, quota.ErrNoteTooLong) {
		t.Errorf("a reason too long: got %v, want ErrNoteTooLong", err)
	}

	// A restart keeps the cap and the pause, and the keys.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	l = open()
	u, err := l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if p := u.Member.Pause; p == nil || p.Reason != "LinkedIn warning" || p.By != "UADMIN" || !p.At.Equal(pausedAt) {
		t.Errorf("the pause after a restart: got %+v", p)
	}
	ku, _ := u.Kind("invite")
	if len(ku.Rolling) != 1 || ku.Rolling[0].Max != 30 || ku.Rolling[0].Used != 31 || !ku.Capped() {
		t.Errorf("invites after a restart: got %+v, want 31 of a capped 30", ku)
	}
	if n := memberChanges(t, l, "U1"); n != 2 {
		t.Errorf("changes: got %d, want 2 (a cap and a pause)", n)
	}

	// Resume and lift the cap: the tier's limits hold again.
	if _, err := l.Pause(ctx, PauseRequest{Member: "U1", Resume: true, By: "UADMIN", Key: "slash:3"}); err != nil {
		t.Fatal(err)
	}
	// In the same instant as the resume: both are logged.
	m, err := l.RemoveCaps(ctx, RemoveCapsRequest{Member: "U1", Kind: "invite", By: "UADMIN", Key: "slash:4"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Pause != nil || m.Caps != nil {
		t.Errorf("after resume and off: got %+v, want no pause and no caps", m)
	}
	u, err = l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if ku, _ := u.Kind("invite"); ku.Rolling[0].Max != 100 || ku.Capped() {
		t.Errorf("invites after off: got %+v, want the tier's 100", ku)
	}
	if n := memberChanges(t, l, "U1"); n != 4 {
		t.Errorf("changes: got %d, want 4", n)
	}
}

// TestCapRefused: a cap on a kind the plan does not know, or below zero,
// changes nothing.
func TestCapRefused(t *testing.T) {
	t.Parallel()
	l, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if _, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: "fax", Limit: quota.Limit{Window: quota.Day, Max: 3}, By: "UADMIN"}); !errors.Is(err, quota.ErrUnknownKind) {
		t.Errorf("an unknown kind: got %v, want ErrUnknownKind", err)
	}
	if _, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: "invite", Limit: quota.Limit{Window: quota.Day, Max: -1}, By: "UADMIN"}); !errors.Is(err, quota.ErrBadCount) {
		t.Errorf("a negative cap: got %v, want ErrBadCount", err)
	}
	if n := l.MemberCount(); n != 0 {
		t.Errorf("members after refusals: got %d, want 0", n)
	}
}

// memberChanges counts the member's cap and pause records.
func memberChanges(t *testing.T, l *Ledger, member string) int {
	t.Helper()
	return countKeys(t, l, append(append([]byte{pChange}, member...), 0))
}

// countKeys counts the keys under prefix.
func countKeys(t *testing.T, l *Ledger, prefix []byte) int {
	t.Helper()
	n := 0
	err := l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
