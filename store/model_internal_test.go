package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// TestWriterModel drives the writer's commit batch after batch, as the
// writer goroutine does, and holds every answer and every read to a model
// that applies the same requests one at a time. Each batch runs in the
// transaction opened before the batch ahead of it committed, so it sees
// that batch's writes through the overlay alone. Meanwhile a reader fills
// the counter cache, another reads Badger just before a commit lands and
// fills just after, and the cache is wiped now and then, as room() may do.
// It proves that:
//   - batching changes no answer: each Log, Undo, UndoEntry, SetTier and
//     SetPost answers as it would alone, and the store ends as the model;
//   - the counter cache never holds a count other than Badger's committed
//     one, however readers' fills and the writer's merges interleave;
//   - a store error partway through a batch fails that batch alone,
//     leaves nothing of it behind, and the ledger goes on taking writes;
//   - after a failed commit, whether its writes were lost or landed, the
//     batch fails, every later write fails with ErrStoreFailed, and reads
//     show the counts on disk; a restart reads the store as the model has
//     it.
func TestWriterModel(t *testing.T) {
	// With any one piece of the overlay disabled, most seeds fail within
	// 30 batches; 60 leave a margin, and the eight runs stay near three
	// seconds under the race detector on two cores.
	const batches = 60
	for _, tc := range []struct {
		seed uint64
		end  ending
	}{
		{1, noFailure},
		{2, noFailure},
		{3, commitLost},
		{4, commitLanded},
		{5, noFailure},
		{6, commitLost},
		{7, commitLanded},
		{8, noFailure},
	} {
		t.Run(fmt.Sprintf("seed %d, %s", tc.seed, tc.end), func(t *testing.T) {
			runModel(t, tc.seed, tc.end, batches)
		})
	}
}

// ending is how a model run ends.
type ending int

const (
	noFailure    ending = iota
	commitLost          // the last commit fails and writes nothing
	commitLanded        // it fails after its writes landed, as a failed WAL sync does
)

func (e ending) String() string {
	return [...]string{"no failure", "commit lost", "commit landed"}[e]
}

// errDiskFull is the failure a model run's last commit reports.
var errDiskFull = errors.New("disk full (injected)")

// storeFaults are requests whose writes the store refuses, as a failing
// disk would partway through a batch: Badger's own key size limit refuses
// them without a fake disk.
var storeFaults = []func() write{
	// The entry is set, then its index key is refused: the transaction
	// holds half a request.
	func() write {
		return &logWrite{req: LogRequest{Member: strings.Repeat("U", 70_000), Kind: quota.Message, Count: 1}}
	},
	func() write {
		return &setTierWrite{req: SetTierRequest{Member: strings.Repeat("U", 70_000), Tier: "premium", By: "UADMIN"}}
	},
	func() write {
		return &postWrite{name: strings.Repeat("o", 70_000), rec: PostRecord{State: Posted, TS: "v"}}
	},
}

var (
	modelMembers = []string{"U1", "U2", "U3", "U4"}
	modelPosts   = []string{"daily/2026-10-31", "monthly/2026-10"}
)

// modelRun is one seed's run: the ledger under test and the model it must
// match.
type modelRun struct {
	t    *testing.T
	seed uint64
	l    *Ledger
	m    *model
}

func (r *modelRun) fatalf(step, format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d, %s: %s", r.seed, step, fmt.Sprintf(format, args...))
}

func runModel(t *testing.T, seed uint64, end ending, batches int) {
	ctx := context.Background()
	loc := testutil.NewYork(t)
	// The last evening of October in New York: the batches cross a month
	// end and the fall-back night, whose day is 25 hours long.
	clock := testutil.NewClock(time.Date(2026, 10, 31, 20, 0, 0, 0, loc))
	dir := t.TempDir()
	plan := modelPlan(t)
	opts := Options{Location: loc, Now: clock.Now, Plan: plan}
	r := &modelRun{t: t, seed: seed, l: openModelLedger(t, dir, opts), m: newModel(plan, loc)}
	l := r.l

	// readBehind has a reader read Badger just before the commit lands
	// and fill the cache only after it: a reader paused between the two,
	// which the concurrent reader is only by rare chance.
	var (
		failCommit, readBehind bool
		fillBehind             func()
	)
	l.commitTxn = func(txn *badger.Txn) error {
		if readBehind {
			fillBehind = r.readBehind(ctx)
		}
		if !failCommit {
			return txn.Commit()
		}
		if end == commitLanded {
			if err := txn.Commit(); err != nil {
				return err
			}
		} else {
			txn.Discard()
		}
		return errDiskFull
	}
	stopReader := startReader(t, l, seed)
	defer stopReader()

	var (
		txn  *badger.Txn
		prev *batchState
	)
	defer func() {
		if txn != nil {
			txn.Discard()
		}
	}()
	g := &gen{r: rand.New(rand.NewPCG(seed, 0)), keys: map[string]int{}}
	for bi := range batches {
		step := fmt.Sprintf("batch %d", bi)
		if g.r.IntN(3) == 0 {
			clock.Add(time.Duration(1+g.r.IntN(5)) * time.Hour)
		}
		now := clock.Now()
		batch := g.batch(r.m)
		failCommit = end != noFailure && bi == batches-1
		faulty := !failCommit && g.r.IntN(8) == 0
		if faulty {
			fault := &op{w: storeFaults[g.r.IntN(len(storeFaults))](), done: make(chan struct{})}
			batch = slices.Insert(batch, g.r.IntN(len(batch)+1), fault)
		}
		readBehind = g.r.IntN(3) == 0
		txn, prev = l.commit(txn, prev, batch)
		switch {
		case failCommit:
			r.checkFailedCommit(ctx, step, now, batch, end)
		case faulty:
			r.checkStoreFault(step, batch)
		default:
			r.checkAnswers(step, now, batch)
		}
		if g.r.IntN(3) == 0 {
			// As room() does when a reader's fill finds the cache full:
			// everything goes, and seq stays, since no merge happened.
			l.counts.mu.Lock()
			clear(l.counts.m)
			l.counts.mu.Unlock()
		}
		if fillBehind != nil {
			fillBehind()
			fillBehind = nil
		}
		// The member records of a commit that failed after landing are on
		// disk but not in memory until a restart.
		r.checkReads(ctx, step, !(failCommit && end == commitLanded))
		// Reading the whole store is the slow part of a batch under the
		// race detector; what a batch leaves wrong there stays wrong, so
		// every few batches find it, and a failed batch's at once.
		if bi%4 == 3 || faulty || failCommit {
			r.checkStore(ctx, step)
		}
	}

	if end != noFailure {
		step := "after the failed commit"
		for range 2 {
			batch := g.batch(r.m)
			txn, prev = l.commit(txn, prev, batch)
			if txn != nil || prev != nil {
				r.fatalf(step, "commit returned a transaction for the next batch; want none")
			}
			for i, o := range batch {
				if !errors.Is(o.err, ErrStoreFailed) {
					r.fatalf(step, "request %d, %s: got error %v, want ErrStoreFailed", i, describe(o), o.err)
				}
			}
		}
		r.checkWritesRefused(ctx, step)
		r.checkReads(ctx, step, end != commitLanded)
		r.checkStore(ctx, step)
	}

	stopReader()
	if err := l.Close(); err != nil {
		t.Fatalf("seed %d: Close: %v", seed, err)
	}
	r.l = openModelLedger(t, dir, opts)
	r.checkReads(ctx, "after reopening", true)
	r.checkStore(ctx, "after reopening")
}

// modelPlan is the built-in plan with rolling limits added, spans short
// enough that the clock's hours take entries out of them within a run.
func modelPlan(t *testing.T) quota.Plan {
	tiers := quota.DefaultTiers()
	tiers["free"].Limits[quota.Message] = append(tiers["free"].Limits[quota.Message], quota.Limit{Span: 12 * time.Hour, Max: 300})
	tiers["premium"].Limits[quota.InMail] = append(tiers["premium"].Limits[quota.InMail],
		quota.Limit{Span: 6 * time.Hour, Max: 30}, quota.Limit{Span: 2 * time.Hour, Max: 10})
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openModelLedger(t *testing.T, dir string, opts Options) *Ledger {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// startReader starts a reader that fills the counter cache from Badger
// while batches commit, and returns what stops it and waits for it;
// calling that again does nothing. One reader is enough to race the
// writer's merges: on two cores a second mostly slows the writer down.
func startReader(t *testing.T, l *Ledger, seed uint64) (stop func()) {
	ctx := context.Background()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		r := rand.New(rand.NewPCG(seed, 1))
		for {
			select {
			case <-done:
				return
			default:
			}
			var err error
			if r.IntN(4) == 0 {
				_, err = l.TeamUsage(ctx)
			} else {
				_, err = l.Usage(ctx, modelMembers[r.IntN(len(modelMembers))])
			}
			if err != nil {
				t.Errorf("seed %d: the reader: %v", seed, err)
				return
			}
		}
	})
	return sync.OnceFunc(func() {
		close(done)
		wg.Wait()
	})
}

// readBehind reads every member's standing from Badger as TeamUsage does,
// and returns what TeamUsage does next: fill the cache with it.
func (r *modelRun) readBehind(ctx context.Context) (fill func()) {
	r.t.Helper()
	l := r.l
	now := l.Now()
	seq := l.counts.version()
	var us []quota.Usage
	err := l.db.View(func(txn *badger.Txn) error {
		for _, id := range modelMembers {
			m, err := l.Member(ctx, id)
			if err != nil {
				return err
			}
			u, err := l.usage(m, now, txnCount(txn), l.sentIn(txn, m.ID))
			if err != nil {
				return err
			}
			us = append(us, u)
		}
		return nil
	})
	if err != nil {
		r.t.Fatalf("seed %d: a reader behind the commit: %v", r.seed, err)
	}
	return func() { l.counts.fill(seq, now, usageCounts(us...)) }
}

// checkAnswers holds each answer of a committed batch to the model's,
// applying the batch to the model one request at a time.
func (r *modelRun) checkAnswers(step string, now time.Time, batch []*op) {
	r.t.Helper()
	for i, o := range batch {
		// A failed batch may have taken nanos that are never given out
		// again, so the model takes the ledger's for a new entry, and
		// check holds them to the least it allows.
		w := r.m.apply(o, now, func() int64 {
			at, _ := parseEntryID(o.w.(*logWrite).res.Entry.ID)
			return at
		})
		if err := w.check(o); err != nil {
			r.fatalf(step, "request %d, %s: %v", i, describe(o), err)
		}
	}
}

// checkStoreFault checks that a batch the store failed partway through
// failed whole, and that the ledger still takes writes: the store's error
// is the batch's, not the ledger's.
func (r *modelRun) checkStoreFault(step string, batch []*op) {
	r.t.Helper()
	for i, o := range batch {
		if o.err == nil || errors.Is(o.err, ErrStoreFailed) || !strings.HasPrefix(o.err.Error(), "store: ") {
			r.fatalf(step, "request %d of a batch with a store error, %s: got error %v, want the store's error", i, describe(o), o.err)
		}
	}
	if err := r.l.Ping(); err != nil {
		r.fatalf(step, "after a store error, Ping: got %v, want nil: the ledger should go on", err)
	}
}

// checkFailedCommit checks that every request of a batch whose commit
// failed got the disk's error. When the writes landed after all, the model
// takes the batch too, with the nanos its new entries landed at.
func (r *modelRun) checkFailedCommit(ctx context.Context, step string, now time.Time, batch []*op, end ending) {
	r.t.Helper()
	for i, o := range batch {
		if !errors.Is(o.err, errDiskFull) {
			r.fatalf(step, "request %d of the failed commit, %s: got error %v, want %v", i, describe(o), o.err, errDiskFull)
		}
	}
	if end != commitLanded {
		return
	}
	landed := r.newEntries(ctx, step)
	for i, o := range batch {
		w := r.m.apply(o, now, func() int64 {
			if len(landed) == 0 {
				r.fatalf(step, "request %d of the failed commit, %s: no entry of it landed; want one", i, describe(o))
			}
			at := landed[0]
			landed = landed[1:]
			return at
		})
		if at, _ := parseEntryID(w.entry.ID); w.minAt != 0 && at < w.minAt {
			r.fatalf(step, "request %d of the failed commit, %s: entry landed at %d, want at least %d", i, describe(o), at, w.minAt)
		}
	}
	if len(landed) > 0 {
		r.fatalf(step, "%d more entries landed than the failed commit logged", len(landed))
	}
}

// newEntries returns the nanos of the entries on disk the model lacks,
// oldest first.
func (r *modelRun) newEntries(ctx context.Context, step string) []int64 {
	r.t.Helper()
	var ats []int64
	for _, id := range modelMembers {
		h, err := r.l.History(ctx, id, len(r.m.ats)+maxBatch)
		if err != nil {
			r.fatalf(step, "History(%s): %v", id, err)
		}
		for _, e := range h {
			at, _ := parseEntryID(e.ID)
			if _, ok := r.m.entries[at]; !ok {
				ats = append(ats, at)
			}
		}
	}
	slices.Sort(ats)
	return ats
}

// checkWritesRefused checks that a broken ledger refuses every kind of
// write, and says so to a health check.
func (r *modelRun) checkWritesRefused(ctx context.Context, step string) {
	r.t.Helper()
	l := r.l
	for _, w := range []struct {
		name string
		call func() error
	}{
		{"Log", func() error {
			_, err := l.Log(ctx, LogRequest{Member: "U1", Kind: quota.Message, Count: 1})
			return err
		}},
		{"Undo", func() error { _, err := l.Undo(ctx, "U1", ""); return err }},
		{"UndoEntry", func() error { _, err := l.UndoEntry(ctx, "U1", entryID(1), ""); return err }},
		{"SetTier", func() error {
			_, err := l.SetTier(ctx, SetTierRequest{Member: "U1", Tier: "premium", By: "UADMIN"})
			return err
		}},
		{"SetPost", func() error { return l.SetPost(ctx, modelPosts[0], PostRecord{State: Posted, TS: "after"}) }},
		{"Ping", l.Ping},
	} {
		if err := w.call(); !errors.Is(err, ErrStoreFailed) {
			r.fatalf(step, "%s: got %v, want ErrStoreFailed", w.name, err)
		}
	}
}

// checkReads holds the reads a member makes to the model: the counters in
// the cache, each member's Usage, TeamUsage, Members and the outbox records. With
// tiersKnown false, the members in memory may lag the store, so member
// records are not compared and counts are checked under whatever tier the
// ledger reads.
func (r *modelRun) checkReads(ctx context.Context, step string, tiersKnown bool) {
	r.t.Helper()
	c := r.l.counts
	c.mu.RLock()
	cached := maps.Clone(c.m)
	c.mu.RUnlock()
	var bad []string
	for k, v := range cached {
		if want := r.m.counts[k]; v.n != want {
			bad = append(bad, fmt.Sprintf("counter %q: got %d, want %d", k, v.n, want))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		r.fatalf(step, "%d cached counters wrong:\n%s", len(bad), strings.Join(bad, "\n"))
	}

	for _, id := range modelMembers {
		u, err := r.l.Usage(ctx, id)
		if err != nil {
			r.fatalf(step, "Usage(%s): %v", id, err)
		}
		r.checkUsage(step, "Usage", u, tiersKnown)
	}
	team, err := r.l.TeamUsage(ctx)
	if err != nil {
		r.fatalf(step, "TeamUsage: %v", err)
	}
	for _, u := range team {
		r.checkUsage(step, "TeamUsage", u, tiersKnown)
	}
	if tiersKnown {
		want := slices.SortedFunc(maps.Values(r.m.members), func(a, b quota.Member) int { return strings.Compare(a.ID, b.ID) })
		if got := r.l.Members(); !slices.EqualFunc(got, want, sameMember) {
			r.fatalf(step, "Members:\ngot  %+v\nwant %+v", got, want)
		}
		if len(team) != len(want) {
			r.fatalf(step, "TeamUsage: got %d members, want %d", len(team), len(want))
		}
	}

	for _, name := range modelPosts {
		got, err := r.l.Post(ctx, name)
		if err != nil {
			r.fatalf(step, "Post(%s): %v", name, err)
		}
		if want := r.m.posts[name]; !samePost(got, want) {
			r.fatalf(step, "Post(%s): got %+v, want %+v", name, got, want)
		}
	}
}

// checkStore holds the whole store to the model: every counter in Badger,
// each member's History and the standing Entries.
func (r *modelRun) checkStore(ctx context.Context, step string) {
	r.t.Helper()
	var bad []string
	onDisk := map[string]bool{}
	err := r.l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pCounter}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().KeyCopy(nil)
			n, err := getCount(txn, key)
			if err != nil {
				return err
			}
			onDisk[string(key)] = true
			if want := r.m.counts[string(key)]; n != want {
				bad = append(bad, fmt.Sprintf("counter %q: got %d, want %d", key, n, want))
			}
		}
		return nil
	})
	if err != nil {
		r.fatalf(step, "reading the counters: %v", err)
	}
	for k, n := range r.m.counts {
		if n != 0 && !onDisk[k] {
			bad = append(bad, fmt.Sprintf("counter %q: missing, want %d", k, n))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		r.fatalf(step, "%d counters in Badger wrong:\n%s", len(bad), strings.Join(bad, "\n"))
	}

	for _, id := range modelMembers {
		h, err := r.l.History(ctx, id, len(r.m.ats)+1)
		if err != nil {
			r.fatalf(step, "History(%s): %v", id, err)
		}
		if want := r.m.history(id); !slices.Equal(h, want) {
			r.fatalf(step, "History(%s):\ngot  %+v\nwant %+v", id, h, want)
		}
	}

	var standing []quota.Entry
	for e, err := range r.l.Entries(ctx, time.Unix(0, 0), time.Time{}) {
		if err != nil {
			r.fatalf(step, "Entries: %v", err)
		}
		standing = append(standing, e)
	}
	if want := r.m.standing(); !slices.Equal(standing, want) {
		r.fatalf(step, "Entries:\ngot  %+v\nwant %+v", standing, want)
	}
}

// checkUsage holds a member's standing, read by what, to the model's.
func (r *modelRun) checkUsage(step, what string, u quota.Usage, tiersKnown bool) {
	r.t.Helper()
	id := u.Member.ID
	if want, _ := r.m.member(id); tiersKnown && !sameMember(u.Member, want) {
		r.fatalf(step, "%s(%s).Member: got %+v, want %+v", what, id, u.Member, want)
	}
	tier := r.m.plan.Tier(u.Member.Tier)
	var kinds, wantKinds []quota.Kind
	for _, ku := range u.Kinds {
		kinds = append(kinds, ku.Kind)
	}
	for _, k := range r.m.plan.Kinds() {
		if tier.Has(k) {
			wantKinds = append(wantKinds, k)
		}
	}
	if !slices.Equal(kinds, wantKinds) {
		r.fatalf(step, "%s(%s) on %s: got kinds %v, want %v", what, id, tier.Name, kinds, wantKinds)
	}
	for _, ku := range u.Kinds {
		if got, want := usedOf(ku), r.m.used(tier, id, ku.Kind, u.At); !slices.Equal(got, want) {
			r.fatalf(step, "%s(%s), %s at %s: got %v used, want %v", what, id, ku.Kind, u.At.Format(time.DateTime), got, want)
		}
	}
}

// gen makes random requests for a few members, who share idempotency
// keys and whose entries UndoEntry names across members.
type gen struct {
	r    *rand.Rand
	keys map[string]int // keys handed out so far, by prefix
}

func (g *gen) batch(m *model) []*op {
	batch := make([]*op, 1+g.r.IntN(6))
	for i := range batch {
		batch[i] = g.op(m)
	}
	return batch
}

func (g *gen) op(m *model) *op {
	o := &op{done: make(chan struct{})}
	id := modelMembers[g.r.IntN(len(modelMembers))]
	switch x := g.r.IntN(20); {
	case x < 10:
		// InMail is premium's alone, so a free member's is refused.
		kind := quota.Message
		if g.r.IntN(4) == 0 {
			kind = quota.InMail
		}
		o.w = &logWrite{req: LogRequest{Member: id, Kind: kind, Count: 1 + g.r.IntN(9), Key: g.key("k")}}
	case x < 13:
		o.w = &undoWrite{member: id, key: g.key("u")}
	case x < 16:
		o.w = &undoEntryWrite{member: id, key: g.key("u"), at: g.target(m)}
	case x < 18:
		tier := []string{"free", "premium"}[g.r.IntN(2)]
		o.w = &setTierWrite{req: SetTierRequest{Member: id, Tier: tier, By: "UADMIN", Key: g.key("t")}}
	default:
		o.w = &postWrite{name: modelPosts[g.r.IntN(len(modelPosts))], rec: g.post()}
	}
	return o
}

// post returns an outbox record in any state but none, as the scheduler
// writes them.
func (g *gen) post() PostRecord {
	switch g.r.IntN(3) {
	case 0:
		return PostRecord{State: Posting, Since: time.Unix(0, g.r.Int64N(1<<62)).UTC()}
	case 1:
		return PostRecord{State: Posted, TS: fmt.Sprintf("%d.%06d", g.r.IntN(1<<31), g.r.IntN(1e6))}
	}
	return PostRecord{State: PostFailed, Reason: fmt.Sprint("reason ", g.r.IntN(1000))}
}

// key returns no idempotency key a third of the time, else a new one or,
// as a redelivered request carries, one used before.
func (g *gen) key(prefix string) string {
	n := g.keys[prefix]
	switch {
	case g.r.IntN(3) == 0:
		return ""
	case n > 0 && g.r.IntN(3) == 0:
		return fmt.Sprint(prefix, g.r.IntN(n))
	}
	g.keys[prefix] = n + 1
	return fmt.Sprint(prefix, n)
}

// target names an entry for UndoEntry: one of the newest the model knows,
// perhaps another member's or already undone, or now and then none at all.
func (g *gen) target(m *model) int64 {
	if len(m.ats) == 0 || g.r.IntN(8) == 0 {
		return 1
	}
	return m.ats[len(m.ats)-1-g.r.IntN(min(len(m.ats), 8))]
}

// model is the ledger as it should be, changed one request at a time.
type model struct {
	plan     quota.Plan
	loc      *time.Location
	entries  map[int64]entryRecord
	ats      []int64            // every entry's nanos, oldest first
	index    map[string][]int64 // each member's entries' nanos, oldest first
	logKeys  map[string]int64
	undoKeys map[string]int64
	tierKeys map[string]quota.Member
	counts   map[string]int // by counter key
	members  map[string]quota.Member
	posts    map[string]PostRecord
}

func newModel(p quota.Plan, loc *time.Location) *model {
	return &model{plan: p, loc: loc, entries: map[int64]entryRecord{}, index: map[string][]int64{},
		logKeys: map[string]int64{}, undoKeys: map[string]int64{}, tierKeys: map[string]quota.Member{}, counts: map[string]int{},
		members: map[string]quota.Member{}, posts: map[string]PostRecord{}}
}

// want is the answer the model expects to a request.
type want struct {
	err       error // ErrNoKind or ErrNothingToUndo, or nil
	entry     quota.Entry
	duplicate bool
	used      []int // for a Log: the kind's count in each limited window
	member    quota.Member
	// minAt is, for a new entry, the least nanos it may take: the
	// clock's, or the first free one after it.
	minAt int64
}

// apply makes o at now and returns the answer the ledger should give. A
// new entry takes the nanos newAt returns, the ledger's choice.
func (m *model) apply(o *op, now time.Time, newAt func() int64) want {
	switch w := o.w.(type) {
	case *logWrite:
		return m.log(w.req, now, newAt)
	case *undoWrite:
		return m.undo(w.member, w.key, 0, now)
	case *undoEntryWrite:
		return m.undo(w.member, w.key, w.at, now)
	case *setTierWrite:
		return m.setTier(w.req, now)
	case *postWrite:
		m.posts[w.name] = w.rec
		return want{}
	}
	panic(fmt.Sprintf("write %T", o.w))
}

func (m *model) log(req LogRequest, now time.Time, newAt func() int64) want {
	if at, ok := m.logKeys[req.Key]; ok && req.Key != "" {
		r := m.entries[at]
		owner, _ := m.member(r.Member)
		return want{entry: r.entry(at), duplicate: true, used: m.used(m.plan.Tier(owner.Tier), r.Member, r.Kind, now)}
	}
	mem, enrolled := m.member(req.Member)
	tier := m.plan.Tier(mem.Tier)
	if !tier.Has(req.Kind) {
		return want{err: quota.ErrNoKind}
	}
	minAt := now.UnixNano()
	at := newAt()
	r := entryRecord{Member: req.Member, Kind: req.Kind, Count: req.Count, Note: req.Note}
	m.entries[at] = r
	m.ats = append(m.ats, at)
	m.index[req.Member] = append(m.index[req.Member], at)
	if !enrolled {
		mem.Enrolled = now.UTC()
		m.members[mem.ID] = mem
	}
	if req.Key != "" {
		m.logKeys[req.Key] = at
	}
	m.add(r, at, r.Count)
	return want{entry: r.entry(at), used: m.used(tier, req.Member, req.Kind, time.Unix(0, at)), minAt: minAt}
}

func (m *model) undo(member, key string, at int64, now time.Time) want {
	if at, ok := m.undoKeys[key]; ok && key != "" {
		return want{entry: m.entries[at].entry(at)}
	}
	cutoff := now.Add(-24 * time.Hour).UnixNano()
	target, found := at, false
	if at != 0 {
		r, ok := m.entries[at]
		found = ok && r.Member == member
	} else {
		idx := m.index[member]
		for i := len(idx) - 1; i >= 0 && idx[i] >= cutoff; i-- {
			if m.entries[idx[i]].Undone == 0 {
				target, found = idx[i], true
				break
			}
		}
	}
	if !found && at != 0 {
		return want{err: quota.ErrNoSuchEntry}
	}
	if !found || m.entries[target].Undone != 0 || target < cutoff {
		return want{err: quota.ErrNothingToUndo}
	}
	r := m.entries[target]
	r.Undone = max(now.UnixNano(), 1)
	m.entries[target] = r
	if key != "" {
		m.undoKeys[key] = target
	}
	m.add(r, target, -r.Count)
	return want{entry: r.entry(target)}
}

// setTier puts the member on a tier, unless the key did already: then
// the answer is the member as that change left them. An enrolled member
// set to the tier they are on is left as they are.
func (m *model) setTier(req SetTierRequest, now time.Time) want {
	if mem, ok := m.tierKeys[req.Key]; ok && req.Key != "" {
		return want{member: mem}
	}
	mem, enrolled := m.member(req.Member)
	if !enrolled {
		mem.Enrolled = now.UTC()
	}
	if !enrolled || mem.Tier != req.Tier {
		mem.Tier, mem.TierSetBy, mem.TierSetAt = req.Tier, req.By, now.UTC()
	}
	m.members[mem.ID] = mem
	if req.Key != "" {
		m.tierKeys[req.Key] = mem
	}
	return want{member: mem}
}

// member returns the member, and whether enrolled; one never enrolled
// reads as the ledger reads them.
func (m *model) member(id string) (quota.Member, bool) {
	if mem, ok := m.members[id]; ok {
		return mem, true
	}
	return quota.Member{ID: id, Tier: m.plan.DefaultTier}, false
}

// add adds n to the counters of every window period at falls in.
func (m *model) add(r entryRecord, at int64, n int) {
	for _, w := range quota.Windows {
		m.counts[string(counterKey(w.Period(time.Unix(0, at), m.loc), r.Member, r.Kind))] += n
	}
}

// used returns the member's count of kind k in each window the tier
// limits: in the periods that hold t, and for a rolling limit the sum of
// the standing entries not yet a span old at t, later ones included.
func (m *model) used(tier quota.Tier, member string, k quota.Kind, t time.Time) []int {
	var out []int
	for _, lim := range tier.Limits[k] {
		if !lim.Rolling() {
			out = append(out, m.counts[string(counterKey(lim.Window.Period(t, m.loc), member, k))])
			continue
		}
		n := 0
		for _, at := range m.index[member] {
			if r := m.entries[at]; r.Kind == k && r.Undone == 0 && time.Unix(0, at).Add(lim.Span).After(t) {
				n += r.Count
			}
		}
		out = append(out, n)
	}
	return out
}

// history returns the member's entries, newest first.
func (m *model) history(id string) []quota.Entry {
	var out []quota.Entry
	for _, at := range slices.Backward(m.index[id]) {
		out = append(out, m.entries[at].entry(at))
	}
	return out
}

// standing returns the entries that stand, oldest first.
func (m *model) standing() []quota.Entry {
	var out []quota.Entry
	for _, at := range m.ats {
		if r := m.entries[at]; r.Undone == 0 {
			out = append(out, r.entry(at))
		}
	}
	return out
}

// check compares the ledger's answer to o with w.
func (w want) check(o *op) error {
	if w.err != nil {
		if !errors.Is(o.err, w.err) {
			return fmt.Errorf("got error %v, want %v", o.err, w.err)
		}
		return nil
	}
	if o.err != nil {
		return fmt.Errorf("got error %v, want none", o.err)
	}
	switch o := o.w.(type) {
	case *logWrite:
		got := o.res
		if at, _ := parseEntryID(got.Entry.ID); w.minAt != 0 && at < w.minAt {
			return fmt.Errorf("new entry at %d, want at least %d (not before the clock)", at, w.minAt)
		}
		if got.Entry != w.entry || got.Duplicate != w.duplicate {
			return fmt.Errorf("got %+v (duplicate %t), want %+v (duplicate %t)", got.Entry, got.Duplicate, w.entry, w.duplicate)
		}
		if used := usedOf(got.Usage); !slices.Equal(used, w.used) {
			return fmt.Errorf("got %v used, want %v", used, w.used)
		}
	case *undoWrite:
		if o.res != w.entry {
			return fmt.Errorf("got %+v, want %+v", o.res, w.entry)
		}
	case *undoEntryWrite:
		if o.res != w.entry {
			return fmt.Errorf("got %+v, want %+v", o.res, w.entry)
		}
	case *setTierWrite:
		if !sameMember(o.res, w.member) {
			return fmt.Errorf("got %+v, want %+v", o.res, w.member)
		}
	}
	return nil
}

func usedOf(ku quota.KindUsage) []int {
	var out []int
	for _, w := range ku.Windows {
		out = append(out, w.Used)
	}
	for _, r := range ku.Rolling {
		out = append(out, r.Used)
	}
	return out
}

func sameMember(a, b quota.Member) bool {
	return a.ID == b.ID && a.Tier == b.Tier && a.TierSetBy == b.TierSetBy &&
		a.Enrolled.Equal(b.Enrolled) && a.TierSetAt.Equal(b.TierSetAt)
}

// describe names a request as a failure message shows it.
func describe(o *op) string {
	switch w := o.w.(type) {
	case *logWrite:
		return fmt.Sprintf("Log(%s, %d %s, key %q)", clip(w.req.Member), w.req.Count, w.req.Kind, w.req.Key)
	case *undoWrite:
		return fmt.Sprintf("Undo(%s, key %q)", w.member, w.key)
	case *undoEntryWrite:
		return fmt.Sprintf("UndoEntry(%s, %s, key %q)", w.member, entryID(w.at), w.key)
	case *setTierWrite:
		return fmt.Sprintf("SetTier(%s, %s, key %q)", clip(w.req.Member), w.req.Tier, w.req.Key)
	case *postWrite:
		return fmt.Sprintf("SetPost(%s, %+v)", clip(w.name), w.rec)
	}
	return fmt.Sprintf("write %T", o.w)
}

// samePost reports whether two outbox records say the same.
func samePost(a, b PostRecord) bool {
	return a.State == b.State && a.Since.Equal(b.Since) && a.TS == b.TS && a.Reason == b.Reason
}

// clip keeps a message short when a fault's value is megabytes long.
func clip(s string) string {
	if len(s) <= 24 {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:8], len(s))
}
