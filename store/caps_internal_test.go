package store

import (
	"context"
	"errors"
	"fmt"
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

// TestMemberChangeRefused: a change that would hold nothing back, undo
// nothing, or replace a standing pause is refused in the writer against
// the member as they stand, and leaves no trace: no member enrolled, no
// change logged, no idempotency key kept (the same key later acts).
func TestMemberChangeRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := openModelLedger(t, t.TempDir(), Options{})
	day := func(n int) quota.Limit { return quota.Limit{Window: quota.Day, Max: n} }
	week := func(n int) quota.Limit { return quota.Limit{Span: 7 * 24 * time.Hour, Max: n} }
	refusals := []struct {
		name string
		do   func(key string) error
		want error
	}{
		{"resume, not paused", func(key string) error {
			_, err := l.Pause(ctx, PauseRequest{Member: "U1", Resume: true, By: "UADMIN", Key: key})
			return err
		}, quota.ErrNotPaused},
		{"off, no cap", func(key string) error {
			_, err := l.RemoveCaps(ctx, RemoveCapsRequest{Member: "U1", Kind: quota.Invite, By: "UADMIN", Key: key})
			return err
		}, quota.ErrNoCap},
		{"cap at the tier's limit", func(key string) error {
			_, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: quota.Invite, Limit: week(100), By: "UADMIN", Key: key})
			return err
		}, quota.ErrHoldsNothing},
		{"cap above the tier's limit", func(key string) error {
			_, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: quota.Message, Limit: day(500), By: "UADMIN", Key: key})
			return err
		}, quota.ErrHoldsNothing},
		{"cap on a kind the tier lacks", func(key string) error {
			_, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: quota.InMail, Limit: day(5), By: "UADMIN", Key: key})
			return err
		}, quota.ErrHoldsNothing},
	}
	for i, tc := range refusals {
		if err := tc.do(fmt.Sprintf("r%d", i)); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := l.MemberCount(); n != 0 {
		t.Errorf("members after refusals: got %d, want 0", n)
	}
	if n := memberChanges(t, l, "U1"); n != 0 {
		t.Errorf("changes after refusals: got %d, want 0", n)
	}
	if n := countKeys(t, l, idemKey(tierKeyPrefix+changeKeyPrefix)); n != 0 {
		t.Errorf("idempotency keys after refusals: got %d, want 0", n)
	}

	// A pause stands: a second one is refused with the first, untouched.
	if _, err := l.Pause(ctx, PauseRequest{Member: "U1", Reason: "LinkedIn warning", By: "UADMIN"}); err != nil {
		t.Fatal(err)
	}
	_, err := l.Pause(ctx, PauseRequest{Member: "U1", Reason: "again", By: "UOTHER", Key: "p2"})
	var ce *quota.ChangeError
	if !errors.As(err, &ce) || !errors.Is(err, quota.ErrAlreadyPaused) || ce.Pause == nil || ce.Pause.By != "UADMIN" || ce.Pause.Reason != "LinkedIn warning" {
		t.Errorf("pause of a paused member: got %v, want ErrAlreadyPaused with the first pause", err)
	}
	if m, _ := l.Member(ctx, "U1"); m.Pause == nil || m.Pause.Reason != "LinkedIn warning" || m.Pause.By != "UADMIN" {
		t.Errorf("the pause after a second one: got %+v, want the first", m.Pause)
	}
	// The key of a refused resume was not kept: now that U1 is paused,
	// it resumes them.
	if m, err := l.Pause(ctx, PauseRequest{Member: "U1", Resume: true, By: "UADMIN", Key: "r0"}); err != nil || m.Pause != nil {
		t.Errorf("resume under a once-refused key: got %+v, %v; want resumed", m.Pause, err)
	}
	if n := memberChanges(t, l, "U1"); n != 2 {
		t.Errorf("changes: got %d, want 2 (the pause and the resume)", n)
	}
}

// TestCapAgainstTierNow: whether a cap holds is judged against the tier
// the member is on when the writer applies it. A cap on a window the tier
// does not limit holds, and so does one on a kind the tier pays for only
// in credits.
func TestCapAgainstTierNow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := openModelLedger(t, t.TempDir(), Options{})
	inmailDay := quota.Limit{Window: quota.Day, Max: 5}
	if _, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: quota.InMail, Limit: inmailDay, By: "UADMIN"}); !errors.Is(err, quota.ErrHoldsNothing) {
		t.Errorf("an InMail cap on free: got %v, want ErrHoldsNothing", err)
	}
	for _, tc := range []struct {
		tier string
		kind quota.Kind
		lim  quota.Limit
	}{
		{"premium", quota.InMail, inmailDay},                                      // below its 20 a day
		{"free", quota.Invite, quota.Limit{Window: quota.Day, Max: 20}},           // a window free does not limit
		{"sales_navigator", quota.InMail, quota.Limit{Window: quota.Day, Max: 5}}, // credits, no windows
	} {
		if _, err := l.SetTier(ctx, SetTierRequest{Member: "U1", Tier: tc.tier, By: "UADMIN"}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.SetCap(ctx, SetCapRequest{Member: "U1", Kind: tc.kind, Limit: tc.lim, By: "UADMIN"}); err != nil {
			t.Errorf("a %s cap on %s: got %v, want it kept", tc.kind, tc.tier, err)
		}
	}
	if m, _ := l.Member(ctx, "U1"); len(m.Caps) != 2 {
		t.Errorf("caps: got %+v, want the InMail cap and the daily invitation cap", m.Caps)
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
