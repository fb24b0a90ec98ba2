package store

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

const week = 7 * 24 * time.Hour

// invitePlan is the built-in plan with invitations limited to 100 over the
// last 7 days and 30 a calendar day on the default tier.
func invitePlan(t testing.TB) quota.Plan {
	tiers := quota.DefaultTiers()
	tiers["free"].Limits["invite"] = []quota.Limit{{Span: week, Max: 100}, {Window: quota.Day, Max: 30}}
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sentModel is what a member has standing of a kind, to hold the ledger's
// rolling usage to quota.Rolling over it.
type sentModel map[string]quota.Sent // by entry ID

func (s sentModel) list() []quota.Sent { return slices.Collect(maps.Values(s)) }

// sameRolling compares rolling usages as instants, whatever their zones.
func sameRolling(a, b quota.RollingUsage) bool {
	return a.Span == b.Span && a.Max == b.Max && a.Used == b.Used && a.Freeing == b.Freeing &&
		a.At.Equal(b.At) && a.NextFree.Equal(b.NextFree)
}

// checkInvites holds the member's rolling invite usage, as Usage reads
// it, to quota.Rolling over the standing entries.
func checkInvites(t *testing.T, l *Ledger, member string, sent sentModel, step string) {
	t.Helper()
	u, err := l.Usage(context.Background(), member)
	if err != nil {
		t.Fatalf("%s: Usage: %v", step, err)
	}
	ku, ok := u.Kind("invite")
	if !ok || len(ku.Rolling) != 1 || len(ku.Windows) != 1 {
		t.Fatalf("%s: invite usage %+v, want one rolling and one calendar window", step, ku)
	}
	want := quota.Rolling(week, 100, sent.list(), u.At)
	if !sameRolling(ku.Rolling[0], want) {
		t.Errorf("%s: rolling usage\ngot  %+v\nwant %+v", step, ku.Rolling[0], want)
	}
}

func mustCheck(t *testing.T, l *Ledger, step string) CheckReport {
	t.Helper()
	r, err := l.Check(context.Background())
	if err != nil {
		t.Fatalf("%s: Check: %v", step, err)
	}
	if !r.OK() {
		t.Errorf("%s: Check found %d problems: %v", step, r.Found, r.Problems)
	}
	return r
}

// TestRollingUsage logs invitations across New York's fall-back day (25
// hours long), moves the clock past the span, takes one back and
// restarts: at every step the rolling usage, from a log's answer and from
// Usage, is quota.Rolling's over the entries that stand, and Check finds
// the rolling index whole.
func TestRollingUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ny := testutil.NewYork(t)
	clock := testutil.NewClock(time.Date(2026, 10, 30, 9, 0, 0, 0, ny))
	dir := t.TempDir()
	opts := Options{Plan: invitePlan(t), Location: ny, Now: clock.Now}
	l := openModelLedger(t, dir, opts)
	sent := sentModel{}

	// Friday to Tuesday, 1 November's 01:00-02:00 twice among them.
	for i, at := range []time.Time{
		time.Date(2026, 10, 30, 9, 0, 0, 0, ny),
		time.Date(2026, 10, 31, 23, 59, 0, 0, ny),
		time.Date(2026, 11, 1, 1, 30, 0, 0, ny),                // EDT
		time.Date(2026, 11, 1, 1, 30, 0, 0, ny).Add(time.Hour), // the same wall time, EST
		time.Date(2026, 11, 1, 23, 30, 0, 0, ny),               // the 25-hour day's last half hour
		time.Date(2026, 11, 3, 10, 0, 0, 0, ny),
		time.Date(2026, 11, 3, 10, 0, 0, 0, ny).Add(time.Nanosecond), // a busy nanosecond
	} {
		clock.Set(at)
		res, err := l.Log(ctx, LogRequest{Member: "U1", Kind: "invite", Count: 3 + i*4})
		if err != nil {
			t.Fatal(err)
		}
		sent[res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: res.Entry.Count}
		if want := quota.Rolling(week, 100, sent.list(), res.Entry.At); len(res.Usage.Rolling) != 1 || !sameRolling(res.Usage.Rolling[0], want) {
			t.Errorf("log %d: the answer's rolling usage\ngot  %+v\nwant %+v", i, res.Usage.Rolling, want)
		}
		checkInvites(t, l, "U1", sent, "after log "+res.Entry.ID)
	}
	// Another member's invitations and U1's messages are not U1's invitations.
	mustLog2(t, l, "U2", "invite", 50)
	mustLog2(t, l, "U1", quota.Message, 40)
	checkInvites(t, l, "U1", sent, "beside others")

	// The first entries turn 7 days old one by one, the last two 10 days
	// later; the fall-back hour does not move when.
	for _, at := range []time.Time{
		time.Date(2026, 11, 6, 9, 0, 0, 0, ny),
		time.Date(2026, 11, 6, 9, 0, 0, 0, ny).Add(time.Nanosecond),
		time.Date(2026, 11, 8, 0, 30, 0, 0, ny),
		time.Date(2026, 11, 10, 10, 0, 0, 0, ny),
		time.Date(2026, 11, 13, 10, 0, 0, 0, ny),
	} {
		clock.Set(at)
		checkInvites(t, l, "U1", sent, "at "+at.Format(time.RFC3339))
	}

	// An undo takes the entry out of the window at once.
	clock.Set(time.Date(2026, 11, 14, 8, 0, 0, 0, ny))
	res := mustLog2(t, l, "U1", "invite", 9)
	sent[res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: 9}
	res = mustLog2(t, l, "U1", "invite", 11)
	sent[res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: 11}
	checkInvites(t, l, "U1", sent, "before the undo")
	e, err := l.Undo(ctx, "U1", "")
	if err != nil || e.ID != res.Entry.ID {
		t.Fatalf("Undo: %+v, %v; want the entry of 11", e, err)
	}
	delete(sent, e.ID)
	checkInvites(t, l, "U1", sent, "after the undo")
	mustCheck(t, l, "before the restart")

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openModelLedger(t, dir, opts)
	checkInvites(t, l, "U1", sent, "after the restart")
	res = mustLog2(t, l, "U1", "invite", 2)
	sent[res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: 2}
	if res.Usage.Rolling[0].Used != 9+2 {
		t.Errorf("log after the restart: %d used over 7 days, want 11", res.Usage.Rolling[0].Used)
	}
	checkInvites(t, l, "U1", sent, "a log after the restart")
	mustCheck(t, l, "after the restart")

	// A summary's window is a calendar one: the month has no invitation
	// limit, rolling or not; the day has its own.
	for _, tc := range []struct {
		w   quota.Window
		has bool
	}{{quota.Month, false}, {quota.Day, true}} {
		s, err := l.Summary(ctx, tc.w.Period(clock.Now(), ny))
		if err != nil {
			t.Fatal(err)
		}
		ks := s.Members[0].Kinds
		i := slices.IndexFunc(ks, func(k quota.KindSummary) bool { return k.Kind == "invite" })
		if i < 0 || ks[i].HasLimit != tc.has || ks[i].Used == 0 || tc.has && ks[i].Limit.Max != 30 {
			t.Errorf("%s summary of U1's invitations: %+v, want used with a limit %t", tc.w, ks, tc.has)
		}
	}

	team, err := l.TeamUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range team {
		ku, _ := u.Kind("invite")
		if u.Member.ID == "U1" && ku.Rolling[0].Used != 11 || u.Member.ID == "U2" && ku.Rolling[0].Used != 0 {
			t.Errorf("TeamUsage, %s: %d invitations over 7 days", u.Member.ID, ku.Rolling[0].Used)
		}
	}
}

func mustLog2(t *testing.T, l *Ledger, member string, k quota.Kind, n int) LogResult {
	t.Helper()
	res, err := l.Log(context.Background(), LogRequest{Member: member, Kind: k, Count: n})
	if err != nil {
		t.Fatalf("Log: %v", err)
	}
	return res
}

// TestRollingConcurrentLogs: logs that arrive together are gathered into
// batches, each applied while the one before commits; every answer counts
// the member's own entry and all logged before it, whichever batch holds
// them.
func TestRollingConcurrentLogs(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	l := openModelLedger(t, t.TempDir(), Options{Plan: invitePlan(t), Now: clock.Now})
	const logs = 200
	results := make([]LogResult, logs)
	var wg sync.WaitGroup
	for i := range logs {
		wg.Go(func() {
			res, err := l.Log(context.Background(), LogRequest{Member: "U1", Kind: "invite", Count: 1})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	// The clock stands still, so entries take the nanos after it in the
	// order they were logged: the answer for the nth counts n.
	slices.SortFunc(results, func(a, b LogResult) int { return a.Entry.At.Compare(b.Entry.At) })
	for i, res := range results {
		if got := res.Usage.Rolling[0].Used; got != i+1 {
			t.Fatalf("log %d: %d used over 7 days, want %d", i+1, got, i+1)
		}
		if got := res.Usage.Windows[0].Used; got != i+1 {
			t.Fatalf("log %d: %d used today, want %d", i+1, got, i+1)
		}
	}
	mustCheck(t, l, "after the logs")
}

// TestCheckRollingIndex: a standing entry missing from the rolling index,
// a key for an entry taken back and one whose count differs are each a
// problem.
func TestCheckRollingIndex(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	l := openModelLedger(t, t.TempDir(), Options{Plan: invitePlan(t), Now: clock.Now})
	a := mustLog2(t, l, "U1", "invite", 4)
	b := mustLog2(t, l, "U1", "invite", 5)
	c := mustLog2(t, l, "U2", quota.Message, 6)
	if _, err := l.UndoEntry(context.Background(), "U1", b.Entry.ID, ""); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, l, "before the damage")
	nanos := func(e quota.Entry) int64 { return e.At.UnixNano() }
	err := l.db.Update(func(txn *badger.Txn) error {
		if err := txn.Delete(rollingKey("U1", "invite", nanos(a.Entry))); err != nil {
			return err
		}
		if err := txn.Set(rollingKey("U1", "invite", nanos(b.Entry)), countValue(5)); err != nil {
			return err
		}
		return txn.Set(rollingKey("U2", quota.Message, nanos(c.Entry)), countValue(7))
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"entry " + a.Entry.ID + " of U1: not in the rolling index",
		"rolling index of U1 names entry " + b.Entry.ID + ", which was taken back",
		"rolling index of U2 names entry " + c.Entry.ID + " as 7 message; it is U2's 6 message",
	}
	if r.Found != len(want) {
		t.Errorf("Check found %d problems, want %d: %q", r.Found, len(want), r.Problems)
	}
	for _, w := range want {
		if !slices.ContainsFunc(r.Problems, func(p string) bool { return bytes.HasPrefix([]byte(p), []byte(w)) }) {
			t.Errorf("Check's problems %q lack %q", r.Problems, w)
		}
	}
}

// fixtureDump is what the ledger as it was before the rolling index read
// from testdata/pre-rolling (testdata/pre-rolling.json).
type fixtureDump struct {
	Check   CheckReport
	Usage   []quota.Usage
	History map[string][]quota.Entry
	Entries []quota.Entry
}

// preRolling copies testdata/pre-rolling into a new directory and
// returns it with what the ledger before the rolling index read from it.
func preRolling(t *testing.T) (fixtureDump, string) {
	t.Helper()
	var want fixtureDump
	b, err := os.ReadFile(filepath.Join("testdata", "pre-rolling.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "pre-rolling"), dir)
	return want, dir
}

// TestRollingUpgrade opens a store written before the rolling index was
// kept (testdata/pre-rolling, by the ledger at commit dabe8e7): the index
// is built at open, every read answers as the old ledger did
// (testdata/pre-rolling.json, its answers at the same moment), rolling
// usage is exact, and a second open builds nothing again.
func TestRollingUpgrade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	want, dir := preRolling(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	logs := &testutil.SyncBuffer{}
	// The fixture's answers were given under the plan of its day, the
	// article's free and premium; today's built-in plan adds invitations,
	// read last below.
	opts := Options{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(logs, nil)), Plan: articlePlan(t),
		indexChunk: 5, indexPace: time.Millisecond}
	l := openModelLedger(t, dir, opts)
	// Before the build is done, the answers are the same, read from the
	// entries; with a chunk of 5 and an hour between chunks, it is not.
	checkSentExact(t, l, want.Entries, now, "during the upgrade")
	awaitIndex(t, l)
	if !bytes.Contains([]byte(logs.String()), []byte("built the rolling index")) {
		t.Errorf("no word of building the index in the log:\n%s", logs.String())
	}

	got := fixtureDump{History: map[string][]quota.Entry{}}
	got.Check = mustCheck(t, l, "after the upgrade")
	for _, m := range []string{"U1", "U2", "U3"} {
		u, err := l.Usage(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		got.Usage = append(got.Usage, u)
		if got.History[m], err = l.History(ctx, m, 100); err != nil {
			t.Fatal(err)
		}
	}
	for e, err := range l.Entries(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got.Entries = append(got.Entries, e)
	}
	gotJSON, _ := json.MarshalIndent(got, "", "  ")
	wantJSON, _ := json.MarshalIndent(want, "", "  ")
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("the upgraded store reads otherwise than before:\ngot  %s\nwant %s", gotJSON, wantJSON)
	}

	checkSentExact(t, l, want.Entries, now, "after the upgrade")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	logs2 := &testutil.SyncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs2, nil))
	l = openModelLedger(t, dir, opts)
	if bytes.Contains([]byte(logs2.String()), []byte("rolling index")) {
		t.Errorf("the second open built the index again:\n%s", logs2.String())
	}
	mustCheck(t, l, "after reopening")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Under today's built-in plan every kind the fixture counted reads the
	// same, and invitations, never logged, stand at none.
	opts.Plan = quota.Plan{}
	l = openModelLedger(t, dir, opts)
	for i, m := range []string{"U1", "U2", "U3"} {
		u, err := l.Usage(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		inv, ok := u.Kind(quota.Invite)
		u.Kinds = slices.DeleteFunc(u.Kinds, func(ku quota.KindUsage) bool { return ku.Kind == quota.Invite })
		gotJSON, _ := json.Marshal(u)
		wantJSON, _ := json.Marshal(want.Usage[i])
		if !bytes.Equal(gotJSON, wantJSON) || !ok || len(inv.Rolling) != 1 || inv.Rolling[0].Used != 0 {
			t.Errorf("%s under the built-in plan:\ngot  %s and invitations %+v\nwant %s and no invitations used", m, gotJSON, inv, wantJSON)
		}
	}
}

// articlePlan is the built-in plan before invitations and paid tiers: the
// article's free and premium.
func articlePlan(t *testing.T) quota.Plan {
	t.Helper()
	builtin := quota.DefaultTiers()
	tiers := map[string]quota.Tier{"free": builtin["free"], "premium": builtin["premium"]}
	for _, tier := range tiers {
		delete(tier.Limits, quota.Invite)
	}
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkSentExact holds what l reads was sent over rolling spans to
// quota.Rolling over the standing entries.
func checkSentExact(t *testing.T, l *Ledger, standing []quota.Entry, now time.Time, step string) {
	t.Helper()
	for _, m := range []string{"U1", "U2", "U3"} {
		for _, k := range []quota.Kind{quota.Message, quota.InMail} {
			var all []quota.Sent
			for _, e := range standing {
				if e.Member == m && e.Kind == k {
					all = append(all, quota.Sent{At: e.At, Count: e.Count})
				}
			}
			for _, span := range []time.Duration{time.Hour, 36 * time.Hour, week} {
				var sent []quota.Sent
				err := l.db.View(func(txn *badger.Txn) (err error) {
					sent, err = l.txnSent(txn, m, k, now.Add(-span))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if g, w := quota.Rolling(span, 1000, sent, now), quota.Rolling(span, 1000, all, now); !sameRolling(g, w) {
					t.Errorf("%s: %s's %ss over %v: got %+v, want %+v", step, m, k, span, g, w)
				}
			}
		}
	}
}

// TestRollingReadOnlyBeforeUpgrade: a store written before the rolling
// index, opened read-only (as a restore checks an old backup, or an
// export reads), is left without the index: Check passes over it and
// rolling usage reads the entries themselves, as exactly.
func TestRollingReadOnlyBeforeUpgrade(t *testing.T) {
	t.Parallel()
	want, dir := preRolling(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l := openModelLedger(t, dir, Options{ReadOnly: true, Now: func() time.Time { return now }})
	if l.rollingFrom.Load() != math.MaxUint64 || l.buildDone != nil {
		t.Fatal("a read-only open built the rolling index")
	}
	if r := mustCheck(t, l, "read-only"); r.Entries != want.Check.Entries || r.Counters != want.Check.Counters {
		t.Errorf("Check: %+v, want %+v", r, want.Check)
	}
	checkSentExact(t, l, want.Entries, now, "read-only")
}
