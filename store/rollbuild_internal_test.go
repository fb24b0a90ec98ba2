package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// awaitIndex waits until the background build of l's rolling index is
// done, failing t if it stopped short or never ends.
func awaitIndex(t *testing.T, l *Ledger) {
	t.Helper()
	if l.buildDone == nil {
		t.Fatal("no background build of the rolling index")
	}
	select {
	case <-l.buildDone:
	case <-time.After(time.Minute):
		t.Fatal("the rolling index was not built within a minute")
	}
	if !l.indexedNow() {
		t.Fatal("the build stopped short of the whole index")
	}
}

// indexedNow reports whether a transaction opened now sees the whole
// rolling index.
func (l *Ledger) indexedNow() bool {
	txn := l.db.NewTransaction(false)
	defer txn.Discard()
	return l.indexed(txn)
}

// unindex turns the store in dir into one written before the rolling
// index was kept: no keys, no mark.
func unindex(t *testing.T, dir string, opts Options) {
	t.Helper()
	l := openModelLedger(t, dir, opts)
	if err := l.db.DropPrefix([]byte{pRolling}); err != nil {
		t.Fatal(err)
	}
	if err := l.db.Update(func(txn *badger.Txn) error { return txn.Delete(metaRolling) }); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRollingBuildInBackground opens a store written before the rolling
// index with a build that pauses after its first chunk: replies read the
// entries, exactly, and Check passes. Closed mid-build and reopened, the
// build starts again while members log, take back entries (some the
// build has indexed, some not yet) and read; once it is done, every
// standing entry has its key and no key names one taken back (Check), and
// every member's rolling use is quota.Rolling's over what stands.
func TestRollingBuildInBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	opts := Options{Plan: invitePlan(t), Now: clock.Now}
	members := []string{"U1", "U2", "U3", "U4"}
	sent := map[string]sentModel{}
	var ids []string
	l := openModelLedger(t, dir, opts)
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 300 {
		clock.Add(time.Duration(rng.IntN(90)) * time.Minute)
		m := members[i%len(members)]
		res, err := l.Log(ctx, LogRequest{Member: m, Kind: "invite", Count: 1 + rng.IntN(3)})
		if err != nil {
			t.Fatal(err)
		}
		if sent[m] == nil {
			sent[m] = sentModel{}
		}
		sent[m][res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: res.Entry.Count}
		ids = append(ids, res.Entry.ID)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	unindex(t, dir, opts)

	paused := opts
	paused.indexChunk, paused.indexPace = 7, time.Hour
	l = openModelLedger(t, dir, paused)
	if l.indexedNow() {
		t.Fatal("the index reads as whole after one chunk of 7")
	}
	for _, m := range members {
		checkInvites(t, l, m, sent[m], "mid-build, "+m)
	}
	mustCheck(t, l, "mid-build")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened: the build starts afresh, paced so that it is still going
	// when the members below start.
	busy := opts
	busy.indexChunk, busy.indexPace = 7, 5*time.Millisecond
	l = openModelLedger(t, dir, busy)
	sawBuild := !l.indexedNow()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, m := range members {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for range 40 {
				var err error
				switch r := rng.IntN(3); r {
				case 0:
					var res LogResult
					res, err = l.Log(ctx, LogRequest{Member: m, Kind: "invite", Count: 1})
					if err == nil {
						// Only this goroutine changes m's entries: the
						// answer counts exactly what stands.
						mu.Lock()
						sent[m][res.Entry.ID] = quota.Sent{At: res.Entry.At, Count: 1}
						want := quota.Rolling(week, 100, sent[m].list(), res.Entry.At)
						mu.Unlock()
						if len(res.Usage.Rolling) != 1 || !sameRolling(res.Usage.Rolling[0], want) {
							t.Errorf("%s: the log's answer %+v, want %+v", m, res.Usage.Rolling, want)
						}
					}
				case 1:
					// One of the member's entries the build may or may
					// not have reached: within the last 24 hours.
					mu.Lock()
					id := ids[len(ids)-1-rng.IntN(20)]
					_, mine := sent[m][id]
					mu.Unlock()
					if !mine {
						continue
					}
					var e quota.Entry
					e, err = l.UndoEntry(ctx, m, id, "")
					if err == nil {
						mu.Lock()
						delete(sent[m], e.ID)
						mu.Unlock()
					} else if errors.Is(err, quota.ErrNothingToUndo) {
						err = nil // taken back already
					}
				default:
					_, err = l.Usage(ctx, m)
				}
				if err != nil {
					t.Error(fmt.Errorf("%s: %w", m, err))
					return
				}
			}
		})
	}
	wg.Wait()
	awaitIndex(t, l)
	if !sawBuild {
		t.Error("the build was done before the members started: nothing ran alongside it")
	}
	mustCheck(t, l, "after the build")
	for _, m := range members {
		checkInvites(t, l, m, sent[m], "after the build, "+m)
	}
}

// TestIndexChunkSeesBatchBefore: a chunk of the build runs in a
// transaction that cannot see the batch committing before it, so an entry
// that batch took back is known only from its state; indexing it would
// leave a key for an entry taken back.
func TestIndexChunkSeesBatchBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	opts := Options{Plan: invitePlan(t), Now: clock.Now}
	l := openModelLedger(t, dir, opts)
	var logged []quota.Entry
	for range 3 {
		clock.Add(time.Minute)
		res, err := l.Log(ctx, LogRequest{Member: "U1", Kind: "invite", Count: 2})
		if err != nil {
			t.Fatal(err)
		}
		logged = append(logged, res.Entry)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	unindex(t, dir, opts)
	opts.indexChunk, opts.indexPace = 1, time.Hour // one entry, then a pause
	l = openModelLedger(t, dir, opts)

	// The batch before took back the second entry; Badger's view lacks it.
	at := logged[1].At.UnixNano()
	var r entryRecord
	var ok bool
	err := l.db.View(func(txn *badger.Txn) (err error) {
		r, ok, err = l.entryAt(txn, nil, at)
		return err
	})
	if err != nil || !ok {
		t.Fatalf("entry %s: %v, %v", logged[1].ID, ok, err)
	}
	r.Undone = clock.Now().UnixNano()
	prev := newBatchState(nil)
	prev.entries[at] = r
	txn := l.db.NewTransaction(true)
	defer txn.Discard()
	w := &indexWrite{chunk: 10}
	if err := w.apply(l, txn, newBatchState(prev)); err != nil {
		t.Fatal(err)
	}
	if w.indexed != 2 || w.next != 0 {
		t.Errorf("the chunk indexed %d and goes on from %d; want the 2 standing, and done", w.indexed, w.next)
	}
	if _, err := txn.Get(rollingKey("U1", "invite", at)); !errors.Is(err, badger.ErrKeyNotFound) {
		t.Errorf("the entry the batch before took back is indexed: %v", err)
	}
	if _, err := txn.Get(rollingKey("U1", "invite", logged[2].At.UnixNano())); err != nil {
		t.Errorf("a standing entry is not indexed: %v", err)
	}
}

// oldStore writes n invitations over two members into a new store in a
// temp dir and strips it of its rolling index, as a store written before
// the index was kept; it returns the entries.
func oldStore(t *testing.T, n int, opts Options) (string, []quota.Entry) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l := openModelLedger(t, dir, opts)
	var out []quota.Entry
	for i := range n {
		res, err := l.Log(ctx, LogRequest{Member: []string{"U1", "U2"}[i%2], Kind: "invite", Count: 1})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Entry)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	unindex(t, dir, opts)
	return dir, out
}

// TestRollingBuildWaitsOutFullDisk: a full disk holds the build, as it
// does a log, and once there is room the build goes on to the end.
func TestRollingBuildWaitsOutFullDisk(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	opts := Options{Plan: invitePlan(t), Now: clock.Now}
	dir, _ := oldStore(t, 60, opts)
	var full atomic.Bool
	asked := make(chan struct{}, 100)
	opts.DiskFree = func(string) (uint64, error) {
		if !full.Load() {
			return 1 << 40, nil
		}
		select {
		case asked <- struct{}{}:
		default:
		}
		return 1, nil
	}
	// 30 chunks 20 ms apart: the disk fills long before the build ends,
	// whenever the guard reads it again (every 250 ms at most).
	opts.indexChunk, opts.indexPace = 2, 20*time.Millisecond
	l := openModelLedger(t, dir, opts)
	full.Store(true)
	for n := 0; n < 5; {
		select {
		case <-asked:
			n++
		case <-l.buildDone:
			t.Fatal("the build ended with the disk full")
		}
	}
	if l.indexedNow() {
		t.Fatal("the index reads as whole while the disk is full")
	}
	full.Store(false)
	awaitIndex(t, l)
	mustCheck(t, l, "after the disk had room again")
}

// TestRollingBuildResumes: a build cut short goes on, at the next open,
// from the first entry it had yet to index, and ends with the index whole.
func TestRollingBuildResumes(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	opts := Options{Plan: invitePlan(t), Now: clock.Now}
	dir, entries := oldStore(t, 30, opts)
	// One chunk of 7, committed, and the bot stops: opened read-only,
	// the ledger builds nothing of its own.
	l := openModelLedger(t, dir, Options{Plan: opts.Plan, Now: clock.Now, ReadOnly: true})
	txn := l.db.NewTransaction(true)
	if err := (&indexWrite{chunk: 7}).apply(l, txn, newBatchState(nil)); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	opts.indexChunk, opts.indexPace = 7, time.Millisecond
	l = openModelLedger(t, dir, opts)
	if want := entries[7].At.UnixNano(); l.buildFrom != want {
		t.Errorf("the build began again at %s, want the 8th entry, %s", entryID(l.buildFrom), entries[7].ID)
	}
	awaitIndex(t, l)
	mustCheck(t, l, "after the resumed build")
}

// TestRollingBuildStopsAtDamagedEntry: an entry that does not decode
// stops the build, not the batch it shares: the chunk's refusal is no
// storeError, the bot logs on, and reads go on walking the entries.
func TestRollingBuildStopsAtDamagedEntry(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	logs := &testutil.SyncBuffer{}
	opts := Options{Plan: invitePlan(t), Now: clock.Now}
	dir, entries := oldStore(t, 20, opts)
	l := openModelLedger(t, dir, Options{Plan: opts.Plan, Now: clock.Now, ReadOnly: true})
	bad := entries[10].At.UnixNano()
	if err := l.db.Update(func(txn *badger.Txn) error { return txn.Set(entryKey(bad), []byte("{bad")) }); err != nil {
		t.Fatal(err)
	}
	txn := l.db.NewTransaction(true)
	err := (&indexWrite{chunk: 100}).apply(l, txn, newBatchState(nil))
	txn.Discard()
	var se storeError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("a chunk over a damaged entry: %v, want a refusal that is no storeError", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	opts.indexChunk, opts.indexPace = 7, time.Millisecond
	l = openModelLedger(t, dir, opts)
	<-l.buildDone
	if l.indexedNow() || !strings.Contains(logs.String(), "building the rolling index stopped") {
		t.Errorf("the build over a damaged entry: indexed %t, log:\n%s", l.indexedNow(), logs.String())
	}
	clock.Add(time.Minute) // past the entries' nanos, the damaged one's too
	if _, err := l.Log(context.Background(), LogRequest{Member: "U2", Kind: "invite", Count: 1}); err != nil {
		t.Errorf("a log after the build stopped: %v\n%s", err, logs.String())
	}
}
