package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestBank runs, in the spirit of Badger's bank test, many goroutines that
// log, undo and read for a few hot and many cold members. At the end every
// counter must equal the sum of the entries that stand, and every entry
// whose Log returned must be there.
func TestBank(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc := testutil.NewYork(t)
	// The clock runs across a month end and the fall-back day, so entries
	// land in several periods.
	var mu sync.Mutex
	now := time.Date(2026, 10, 31, 22, 0, 0, 0, loc)
	tick := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(7 * time.Minute)
		return now
	}
	dir := t.TempDir()
	l := mustOpen(t, dir, store.Options{Location: loc, Now: tick})

	members := []string{"UHOT1", "UHOT2"}
	for i := range 40 {
		members = append(members, fmt.Sprintf("UCOLD%02d", i))
	}
	var (
		ackMu sync.Mutex
		acked = map[string]quota.Entry{} // by ID
		undid = map[string]bool{}
	)
	const workers, perWorker = 32, 60
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range perWorker {
				m := members[r.IntN(len(members))]
				if r.IntN(3) > 0 {
					m = members[r.IntN(2)] // hot
				}
				switch r.IntN(10) {
				case 0:
					e, err := l.Undo(ctx, m, "")
					if errors.Is(err, quota.ErrNothingToUndo) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					ackMu.Lock()
					undid[e.ID] = true
					ackMu.Unlock()
				case 1, 2:
					if _, err := l.Usage(ctx, m); err != nil {
						t.Error(err)
						return
					}
				default:
					res, err := l.Log(ctx, store.LogRequest{Member: m, Kind: quota.Message, Count: 1 + r.IntN(9), Key: fmt.Sprintf("w%d-%d", w, i)})
					if err != nil {
						t.Error(err)
						return
					}
					ackMu.Lock()
					acked[res.Entry.ID] = res.Entry
					ackMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()

	// Every acknowledged entry is there, undone exactly when an Undo said so.
	stood := map[string]bool{}
	for _, m := range members {
		h, err := l.History(ctx, m, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h {
			if _, ok := acked[e.ID]; !ok {
				t.Errorf("entry %s was never acknowledged", e.ID)
			}
			if e.Stands() == undid[e.ID] {
				t.Errorf("entry %s stands %v, undone by an Undo %v", e.ID, e.Stands(), undid[e.ID])
			}
			stood[e.ID] = true
		}
	}
	if len(stood) != len(acked) {
		t.Errorf("history holds %d entries, %d were acknowledged", len(stood), len(acked))
	}
	checkCounters(t, l, loc)

	// And again after a restart.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = mustOpen(t, dir, store.Options{Location: loc, Now: tick})
	checkCounters(t, l, loc)
}

// checkCounters recomputes every member's day and month use from the
// entries that stand and compares it with what the ledger's summaries say.
func checkCounters(t *testing.T, l *store.Ledger, loc *time.Location) {
	t.Helper()
	ctx := context.Background()
	want := map[string]map[string]int{} // period key -> member -> count
	periods := map[string]quota.Period{}
	for e, err := range l.Entries(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range quota.Windows {
			p := w.Period(e.At, loc)
			k := w.String() + p.Key()
			periods[k] = p
			if want[k] == nil {
				want[k] = map[string]int{}
			}
			want[k][e.Member] += e.Count
		}
	}
	if len(periods) == 0 {
		t.Fatal("no entries stand")
	}
	for k, p := range periods {
		s, err := l.Summary(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, m := range s.Members {
			for _, ks := range m.Kinds {
				got[m.Member.ID] += ks.Used
			}
		}
		for m, n := range want[k] {
			if got[m] != n {
				t.Errorf("%s %s: counter %d, entries sum to %d", k, m, got[m], n)
			}
		}
		for m, n := range got {
			if want[k][m] != n {
				t.Errorf("%s %s: counter %d, entries sum to %d", k, m, n, want[k][m])
			}
		}
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loc := testutil.MustLoadLocation(t, "Europe/Berlin")
	clk := testutil.NewClock(time.Date(2026, 10, 31, 23, 30, 0, 0, loc))
	l := mustOpen(t, "", store.Options{InMemory: true, Location: loc, Now: clk.Now})
	if _, err := l.SetTier(ctx, store.SetTierRequest{Member: "UP", Tier: "premium", By: "UP"}); err != nil {
		t.Fatal(err)
	}
	mustLog(t, l, "UA", quota.Message, 120) // over the day in October
	clk.Add(time.Hour)                      // 00:30 on 1 November, Berlin
	mustLog(t, l, "UA", quota.Message, 3)
	mustLog(t, l, "UP", quota.InMail, 20)
	mustLog(t, l, "UP", quota.Message, 1)

	oct, err := l.Summary(ctx, quota.Month.Period(time.Date(2026, 10, 15, 0, 0, 0, 0, loc), loc))
	if err != nil {
		t.Fatal(err)
	}
	if len(oct.Members) != 1 || oct.Members[0].Member.ID != "UA" || oct.Totals[quota.Message] != 120 {
		t.Fatalf("October: got %+v", oct)
	}
	if k := oct.Members[0].Kinds[0]; k.Used != 120 || k.Limit.Max != 1500 || k.Over() != 0 || k.Standing() >= quota.Reached {
		t.Errorf("October UA: got %+v, want 120 of 1500", k)
	}
	day, err := l.Summary(ctx, quota.Day.Period(time.Date(2026, 10, 31, 12, 0, 0, 0, loc), loc))
	if err != nil {
		t.Fatal(err)
	}
	if k := day.Members[0].Kinds[0]; k.Over() != 20 || k.Standing() != quota.Over {
		t.Errorf("31 October UA: got %+v, want over by 20", k)
	}
	nov, _ := l.Summary(ctx, quota.Day.Period(clk.Now(), loc))
	if len(nov.Members) != 2 || nov.Totals[quota.Message] != 4 || nov.Totals[quota.InMail] != 20 {
		t.Fatalf("1 November: got %+v", nov)
	}
	up := nov.Members[1]
	if up.Member.ID != "UP" || len(up.Kinds) != 3 || up.Kinds[1].Kind != quota.InMail || up.Kinds[1].Standing() != quota.Reached || up.Kinds[1].Over() != 0 {
		t.Errorf("1 November UP: got %+v, want inmail reached, not over", up)
	}
}

func TestEntriesRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	l := mustOpen(t, "", store.Options{InMemory: true, Now: clk.Now})
	for i := range 30 {
		mustLog(t, l, "U1", quota.Message, i+1)
		clk.Add(24 * time.Hour)
	}
	if _, err := l.Undo(ctx, "U1", ""); err != nil { // the entry of 30 November
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var got []int
	for e, err := range l.Entries(ctx, from, to) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Count)
	}
	if len(got) != 10 || got[0] != 10 || got[9] != 19 {
		t.Errorf("10 to 20 November: got counts %v, want 10..19", got)
	}
	n := 0
	for range l.Entries(ctx, time.Time{}, time.Time{}) {
		n++
	}
	if n != 29 {
		t.Errorf("all standing entries: got %d, want 29 (one undone)", n)
	}
}

func TestLockedDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustOpen(t, dir, store.Options{})
	_, err := store.Open(dir, store.Options{})
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second open: got %v, want ErrLocked naming %s", err, dir)
	}
}

// TestZoneChange reopens a ledger in another zone: the counters are cut
// again so that "today" is the configured zone's today.
func TestZoneChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) // 25 November in New York
	l, err := store.Open(dir, store.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	mustLog(t, l, "U1", quota.Message, 4)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ny := testutil.NewYork(t)
	l = mustOpen(t, dir, store.Options{Location: ny, Now: func() time.Time { return at }})
	s, err := l.Summary(ctx, quota.Day.Period(time.Date(2026, 11, 25, 12, 0, 0, 0, ny), ny))
	if err != nil {
		t.Fatal(err)
	}
	if s.Totals[quota.Message] != 4 {
		t.Errorf("25 November in New York: got %d, want 4", s.Totals[quota.Message])
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	l, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Log(context.Background(), store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Log after Close: got %v, want ErrClosed", err)
	}
	if err := l.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close: got %v, want ErrClosed", err)
	}
}

// TestPosts: each state of an outbox record reads back as it was set, and
// a record never set reads as none.
func TestPosts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", store.Options{InMemory: true})
	if r, err := l.Post(ctx, "daily/2026-11-26"); r != (store.PostRecord{}) || err != nil {
		t.Errorf("a record never set: got %+v, %v; want none", r, err)
	}
	since := time.Date(2026, 11, 27, 0, 0, 1, 123456789, time.UTC)
	for _, r := range []store.PostRecord{
		{State: store.Posting, Since: since},
		{State: store.PostFailed, Reason: "not_in_channel"},
		{State: store.Posted, TS: "1764201601.000100"},
	} {
		if err := l.SetPost(ctx, "daily/2026-11-26", r); err != nil {
			t.Fatal(err)
		}
		got, err := l.Post(ctx, "daily/2026-11-26")
		if err != nil || got.State != r.State || !got.Since.Equal(r.Since) || got.TS != r.TS || got.Reason != r.Reason {
			t.Errorf("Post after SetPost(%+v): got %+v, %v", r, got, err)
		}
	}
	if err := l.SetPost(ctx, "daily/2026-11-27", store.PostRecord{}); err == nil {
		t.Error("SetPost of a record in no state: got nil, want an error")
	}
}

// TestUsageUnderLoad has readers ask for members' standing while the same
// members log, so that reads that fill the counter cache race the writer's
// merges. Each member has one logger, which must read its own total after
// every acknowledged entry, and the counters in Badger must agree at the
// end: a stale read let into the cache would show in both.
func TestUsageUnderLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", store.Options{InMemory: true})
	members := []string{"UA", "UB", "UC", "UD"}
	const logs = 100
	done := make(chan struct{})
	var readers, loggers sync.WaitGroup
	for i := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				if _, err := l.Usage(ctx, members[(i+n)%len(members)]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for _, m := range members {
		loggers.Add(1)
		go func() {
			defer loggers.Done()
			total := 0
			for i := range logs {
				res, err := l.Log(ctx, store.LogRequest{Member: m, Kind: quota.Message, Count: 1 + i%3})
				if err != nil {
					t.Error(err)
					return
				}
				total += 1 + i%3
				u, err := l.Usage(ctx, m)
				if err != nil {
					t.Error(err)
					return
				}
				ku, _ := u.Kind(quota.Message)
				day, _ := ku.Window(quota.Day)
				logged, _ := res.Usage.Window(quota.Day)
				if day.Used != total || logged.Used != total {
					t.Errorf("%s after %d logs: Usage says %d, Log said %d; want %d", m, i+1, day.Used, logged.Used, total)
					return
				}
			}
		}()
	}
	loggers.Wait()
	close(done)
	readers.Wait()
	checkCounters(t, l, time.UTC)
}

// TestReadOnly opens a store read-only with another zone than it was
// written in: it reads, refuses changes, and leaves the counters alone, so
// the next read-write open in the first zone finds nothing to recount.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	l := mustOpen(t, dir, store.Options{Now: clock})
	mustLog(t, l, "U1", quota.Message, 4)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ny := testutil.NewYork(t)
	ro := mustOpen(t, dir, store.Options{Location: ny, Now: clock, ReadOnly: true, Logger: logger})
	var got []quota.Entry
	for e, err := range ro.Entries(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 1 || got[0].Count != 4 {
		t.Errorf("entries read-only: got %+v, want the one of 4", got)
	}
	if _, err := ro.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Log read-only: got %v, want ErrReadOnly", err)
	}
	if _, err := ro.SetTier(ctx, store.SetTierRequest{Member: "U1", Tier: "premium", By: "U9"}); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("SetTier read-only: got %v, want ErrReadOnly", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "recounting") {
		t.Errorf("a read-only open recounted:\n%s", logs.String())
	}

	// Had the read-only open cut the counters in New York, this open in
	// UTC would have to recount them back.
	logs.Reset()
	l = mustOpen(t, dir, store.Options{Now: clock, Logger: logger})
	if strings.Contains(logs.String(), "recounting") {
		t.Errorf("the store was left cut in another zone:\n%s", logs.String())
	}
	u, err := l.Usage(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if day, _ := u.Kinds[0].Window(quota.Day); day.Used != 4 {
		t.Errorf("26 November UTC after the read-only open: %d used, want 4", day.Used)
	}
}
