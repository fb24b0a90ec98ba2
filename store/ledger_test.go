package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// mustOpen opens a ledger on a temporary directory that is closed at the
// end of the test.
func mustOpen(tb testing.TB, dir string, opts store.Options) *store.Ledger {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	l, err := store.Open(dir, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Close: %v", err)
		}
	})
	return l
}

func mustLog(tb testing.TB, l *store.Ledger, member string, kind quota.Kind, n int) store.LogResult {
	tb.Helper()
	res, err := l.Log(context.Background(), store.LogRequest{Member: member, Kind: kind, Count: n})
	if err != nil {
		tb.Fatalf("Log(%s, %s, %d): %v", member, kind, n, err)
	}
	return res
}

func TestLogAndUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC))
	l := mustOpen(t, "", store.Options{Now: clk.Now})

	res := mustLog(t, l, "U1", quota.Message, 5)
	day, _ := res.Usage.Window(quota.Day)
	month, _ := res.Usage.Window(quota.Month)
	if day.Used != 5 || day.Left() != 95 || month.Left() != 1495 {
		t.Errorf("after 5: day used %d left %d, month left %d; want 5, 95, 1495", day.Used, day.Left(), month.Left())
	}
	if got, want := day.ResetsAt(), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("day resets at %v, want %v", got, want)
	}

	// Over the daily limit: recorded, and the result says by how much.
	res = mustLog(t, l, "U1", quota.Message, 100)
	if got := res.Usage.Left(); got != 0 {
		t.Errorf("left after 105: got %d, want 0", got)
	}
	if over := res.Usage.Over(); len(over) != 1 || over[0].Over() != 5 || over[0].Limit.Window != quota.Day {
		t.Errorf("over after 105: got %+v, want day over by 5", over)
	}

	u, err := l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Kinds) != 2 || u.Kinds[0].Kind != quota.Message || u.Kinds[1].Kind != quota.Invite {
		t.Fatalf("free tier kinds: got %+v, want message and invite", u.Kinds)
	}

	// The next day the daily window is fresh, the month is not.
	clk.Add(24 * time.Hour)
	u, _ = l.Usage(ctx, "U1")
	ku, _ := u.Kind(quota.Message)
	if ku.Left() != 100 {
		t.Errorf("next day left: got %d, want 100", ku.Left())
	}
	if m, _ := ku.Window(quota.Month); m.Used != 105 {
		t.Errorf("month used next day: got %d, want 105", m.Used)
	}
}

func TestLogRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", store.Options{InMemory: true})
	for _, tc := range []struct {
		name string
		req  store.LogRequest
		want error
	}{
		{"zero", store.LogRequest{Member: "U1", Kind: quota.Message, Count: 0}, quota.ErrBadCount},
		{"negative", store.LogRequest{Member: "U1", Kind: quota.Message, Count: -3}, quota.ErrBadCount},
		{"too many", store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1001}, quota.ErrBadCount},
		{"unknown kind", store.LogRequest{Member: "U1", Kind: "fax", Count: 1}, quota.ErrUnknownKind},
		{"inmail on free", store.LogRequest{Member: "U1", Kind: quota.InMail, Count: 1}, quota.ErrNoKind},
		{"empty member", store.LogRequest{Member: "", Kind: quota.Message, Count: 1}, quota.ErrInvalidMember},
		{"NUL in member", store.LogRequest{Member: "U1\x00", Kind: quota.Message, Count: 1}, quota.ErrInvalidMember},
		{"long note", store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1, Note: string(make([]byte, 501))}, quota.ErrNoteTooLong},
		{"note of 501 emoji", store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1, Note: strings.Repeat("😀", 501)}, quota.ErrNoteTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Log(ctx, tc.req)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	var nk *quota.NoKindError
	_, err := l.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.InMail, Count: 1})
	if !errors.As(err, &nk) || nk.Tier != "free" || !slices.Equal(nk.Tiers, []string{"premium", "business", "career", "recruiter_lite", "sales_navigator"}) {
		t.Errorf("NoKindError: got %#v, want tier free, premium first and the credit tiers after", err)
	}
	if h, _ := l.History(ctx, "U1", 10); len(h) != 0 {
		t.Errorf("history after refusals: got %d entries, want 0", len(h))
	}
	if ms := l.Members(); len(ms) != 0 {
		t.Errorf("members after refusals: got %v, want none enrolled", ms)
	}
}

// TestNoteLength: a note's limit is in characters, as the replies say, not
// in bytes: 500 emoji (2,000 bytes) are kept whole.
func TestNoteLength(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", store.Options{InMemory: true})
	for _, tc := range []struct {
		name string
		note string
		want error
	}{
		{"500 ASCII", strings.Repeat("n", quota.MaxNote), nil},
		{"200 emoji", strings.Repeat("😀", 200), nil},
		{"500 emoji", strings.Repeat("😀", quota.MaxNote), nil},
		{"500 accented", strings.Repeat("é", quota.MaxNote), nil},
		{"501 ASCII", strings.Repeat("n", quota.MaxNote+1), quota.ErrNoteTooLong},
		{"501 emoji", strings.Repeat("😀", quota.MaxNote+1), quota.ErrNoteTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := l.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1, Note: tc.note})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err == nil && res.Entry.Note != tc.note {
				t.Errorf("got a note of %d bytes, want the %d given", len(res.Entry.Note), len(tc.note))
			}
		})
	}
}

func TestIdempotentLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := store.LogRequest{Member: "U1", Kind: quota.Message, Count: 3, Key: "trigger-1"}
	first, err := l.Log(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := l.Log(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate || second.Entry.ID != first.Entry.ID {
		t.Errorf("second: duplicate %v id %s, want true %s", second.Duplicate, second.Entry.ID, first.Entry.ID)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The key survives a restart.
	l = mustOpen(t, dir, store.Options{})
	third, err := l.Log(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !third.Duplicate {
		t.Errorf("after restart: not a duplicate")
	}
	u, _ := l.Usage(ctx, "U1")
	if got := u.Kinds[0].Windows[0].Used; got != 3 {
		t.Errorf("used: got %d, want 3", got)
	}
}

func TestUndo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	l := mustOpen(t, "", store.Options{InMemory: true, Now: clk.Now})

	if _, err := l.Undo(ctx, "U1", ""); !errors.Is(err, quota.ErrNothingToUndo) {
		t.Errorf("undo with nothing: got %v, want ErrNothingToUndo", err)
	}
	old := mustLog(t, l, "U1", quota.Message, 7)
	clk.Add(25 * time.Hour)
	if _, err := l.Undo(ctx, "U1", ""); !errors.Is(err, quota.ErrNothingToUndo) {
		t.Errorf("undo of a 25-hour-old entry: got %v, want ErrNothingToUndo", err)
	}
	a := mustLog(t, l, "U1", quota.Message, 2)
	b := mustLog(t, l, "U1", quota.Message, 4)
	mustLog(t, l, "U2", quota.Message, 9)

	e, err := l.Undo(ctx, "U1", "k1")
	if err != nil || e.ID != b.Entry.ID || e.Stands() {
		t.Fatalf("first undo: got %+v, %v; want entry %s undone", e, err, b.Entry.ID)
	}
	// The same press again acts once.
	if e, err = l.Undo(ctx, "U1", "k1"); err != nil || e.ID != b.Entry.ID {
		t.Fatalf("repeated undo: got %+v, %v; want entry %s again", e, err, b.Entry.ID)
	}
	if e, err = l.Undo(ctx, "U1", ""); err != nil || e.ID != a.Entry.ID {
		t.Fatalf("second undo: got %+v, %v; want entry %s", e, err, a.Entry.ID)
	}
	if _, err = l.Undo(ctx, "U1", ""); !errors.Is(err, quota.ErrNothingToUndo) {
		t.Errorf("third undo: got %v, want ErrNothingToUndo (only a 25-hour-old entry is left)", err)
	}
	u, _ := l.Usage(ctx, "U1")
	day, _ := u.Kinds[0].Window(quota.Day)
	month, _ := u.Kinds[0].Window(quota.Month)
	if day.Used != 0 || month.Used != 7 {
		t.Errorf("after undos: day %d month %d, want 0 and 7", day.Used, month.Used)
	}
	h, _ := l.History(ctx, "U1", 10)
	if len(h) != 3 || h[0].ID != b.Entry.ID || h[0].Stands() || h[2].ID != old.Entry.ID || !h[2].Stands() {
		t.Errorf("history: got %+v", h)
	}
	if _, err := l.UndoEntry(ctx, "U1", old.Entry.ID, ""); !errors.Is(err, quota.ErrNothingToUndo) || errors.Is(err, quota.ErrNoSuchEntry) {
		t.Errorf("undo of an old named entry: got %v, want ErrNothingToUndo", err)
	}
	// A named entry that is not the member's, or no entry at all, is
	// told apart from one that can no longer be taken back.
	theirs, err := l.Log(ctx, store.LogRequest{Member: "U2", Kind: quota.Message, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{theirs.Entry.ID, "0000000000000001", "0000000000000000", "not-an-id", ""} {
		if _, err := l.UndoEntry(ctx, "U1", id, ""); !errors.Is(err, quota.ErrNoSuchEntry) || !errors.Is(err, quota.ErrNothingToUndo) {
			t.Errorf("undo of entry %q: got %v, want ErrNoSuchEntry (which is also ErrNothingToUndo)", id, err)
		}
	}
}

func TestSetTier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	l := mustOpen(t, "", store.Options{InMemory: true, Now: clk.Now})
	if _, err := l.SetTier(ctx, store.SetTierRequest{Member: "U1", Tier: "platinum", By: "U1"}); !errors.Is(err, quota.ErrUnknownTier) {
		t.Errorf("unknown tier: got %v", err)
	}
	m, err := l.SetTier(ctx, store.SetTierRequest{Member: "U1", Tier: "Premium", By: "UADMIN"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Tier != "premium" || m.TierSetBy != "UADMIN" || !m.TierSetAt.Equal(clk.Now()) {
		t.Errorf("member: got %+v", m)
	}
	res := mustLog(t, l, "U1", quota.InMail, 21)
	if over := res.Usage.Over(); len(over) != 1 || over[0].Over() != 1 {
		t.Errorf("21 InMails: over %+v, want day over by 1", over)
	}
}

// TestKeySpaces: a key used for a Log means nothing to an Undo or a
// SetTier.
func TestKeySpaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", store.Options{InMemory: true})
	res, err := l.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.Message, Count: 2, Key: "same"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Undo(ctx, "U1", "same")
	if err != nil || e.ID != res.Entry.ID || e.Stands() {
		t.Errorf("undo keyed like the log: got %+v, %v; want the entry taken back", e, err)
	}
	if m, err := l.SetTier(ctx, store.SetTierRequest{Member: "U1", Tier: "premium", By: "U1", Key: "same"}); err != nil || m.Tier != "premium" {
		t.Errorf("set tier keyed like the log: got %+v, %v; want the tier changed", m, err)
	}
	if n := l.MemberCount(); n != 1 {
		t.Errorf("MemberCount: got %d, want 1", n)
	}
}
