package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// The single writer. Every change goes through it: it takes whatever
// requests are waiting, applies them in one transaction, commits once (one
// fsync for the lot) and only then answers each caller. One writer means no
// conflicts to retry, however hot a member is.
//
// Badger starts a transaction at the newest commit and waits until its
// watermark goroutine has marked that commit done: a hand-off that, under
// load, cost as much as half the fsync. So the next batch's transaction is
// opened just before this batch is committed, when that wait is long over,
// and the next batch reads what this one wrote from its batchState (the
// overlay) rather than from Badger, whose view in that transaction lacks it.

// maxBatch bounds one transaction. 128 requests of at most ~8 keys and a
// 500-character note (at most ~3 KB once JSON has escaped it) stay below
// Badger's batch limit for the 4 MB memtable (15% of it, about 614 KB), so
// a Set never fails with ErrTxnTooBig halfway through a request.
const maxBatch = 128

// A write is one kind of change: its request, and once applied its
// answer. The writer applies each in its batch's transaction; an error of
// the store itself is a storeError, which fails the whole batch.
type write interface {
	apply(l *Ledger, txn *badger.Txn, b *batchState) error
}

// op is a write on its way through the writer.
type op struct {
	w    write
	err  error
	done chan struct{}
}

// logWrite records sends (Ledger.Log).
type logWrite struct {
	req LogRequest
	res LogResult
}

// undoWrite takes back the member's newest entry that may be (Ledger.Undo).
type undoWrite struct {
	member, key string
	res         quota.Entry
}

// undoEntryWrite takes back one named entry (Ledger.UndoEntry).
type undoEntryWrite struct {
	member, key string
	at          int64 // the entry's nanos, never 0
	res         quota.Entry
}

// setTierWrite puts a member on a tier (Ledger.SetTier).
type setTierWrite struct {
	req SetTierRequest // Tier as the plan names it
	res quota.Member
}

// postWrite stores a scheduled post's outbox record (Ledger.SetPost).
type postWrite struct {
	name string
	rec  PostRecord
}

func (w *logWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) (err error) {
	w.res, err = l.applyLog(txn, b, w.req)
	return err
}

func (w *undoWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) (err error) {
	w.res, err = l.applyUndo(txn, b, w.member, w.key, 0)
	return err
}

func (w *undoEntryWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) (err error) {
	w.res, err = l.applyUndo(txn, b, w.member, w.key, w.at)
	return err
}

func (w *setTierWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) (err error) {
	w.res, err = l.applySetTier(txn, b, w.req)
	return err
}

func (w *postWrite) apply(_ *Ledger, txn *badger.Txn, _ *batchState) error {
	if err := txn.Set(postKey(w.name), w.rec.encode()); err != nil {
		return storeError{err}
	}
	return nil
}

// submit hands w to the writer and waits until it is committed or
// refused; w holds the answer then. Once handed over, it waits even if ctx
// ends, so that a caller never reports failure for an entry that was in
// fact written.
func (l *Ledger) submit(ctx context.Context, w write) error {
	if l.readOnly {
		return ErrReadOnly
	}
	if err := l.brokenErr(); err != nil {
		return err
	}
	if err := l.damagedErr(); err != nil {
		return err
	}
	if err := l.disk.ok(); err != nil {
		return err
	}
	o := &op{w: w, done: make(chan struct{})}
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		return ErrClosed
	}
	select {
	case l.ops <- o:
	case <-ctx.Done():
		l.closeMu.RUnlock()
		return ctx.Err()
	}
	l.closeMu.RUnlock()
	<-o.done
	return o.err
}

func (l *Ledger) writer() {
	defer close(l.done)
	var (
		txn  *badger.Txn // the next batch's, opened before prev's commit
		prev *batchState
	)
	defer func() {
		if txn != nil {
			txn.Discard()
		}
	}()
	batch := make([]*op, 0, maxBatch)
	for o := range l.ops {
		batch = append(batch[:0], o)
	gather:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-l.ops:
				if !ok {
					break gather
				}
				batch = append(batch, o)
			default:
				break gather
			}
		}
		txn, prev = l.commit(txn, prev, batch)
	}
}

// commit applies the batch in txn (nil: a fresh transaction), commits it
// and answers every caller. It returns the transaction for the next batch
// and this batch's state, which that transaction cannot see.
func (l *Ledger) commit(txn *badger.Txn, prev *batchState, batch []*op) (*badger.Txn, *batchState) {
	err := l.brokenErr()
	if err == nil {
		// Refused before Badger sees it: the store's state stays known.
		err = l.disk.ok()
	}
	if err != nil {
		for _, o := range batch {
			o.err = err
			close(o.done)
		}
		if txn != nil {
			txn.Discard()
		}
		return nil, nil
	}
	if txn == nil {
		txn, prev = l.db.NewTransaction(true), nil
	}
	defer txn.Discard()
	b := newBatchState(prev)
	var failed error
	for _, o := range batch {
		err := o.w.apply(l, txn, b)
		var se storeError
		if errors.As(err, &se) {
			// The transaction may hold half of this request: none of
			// the batch may be committed.
			failed = se.err
			break
		}
		o.err = err
	}
	var next *badger.Txn
	if failed == nil {
		next = l.db.NewTransaction(true)
		l.counts.committing()
		if failed = l.commitTxn(txn); failed != nil {
			// Badger can fail a commit after its writes reached the
			// memtable (a failed WAL sync), so what the store holds
			// is unknown: take no more writes until a restart reads
			// it afresh. Going on could, say, build on an entry the
			// caller was told failed.
			l.broken.Store(&failed)
			l.log.Error("ledger commit failed: refusing writes until restarted", "err", failed)
		}
	}
	if failed != nil {
		if next != nil {
			next.Discard()
		}
		// The nanos this batch took are not given out again: an entry
		// may have landed under them. lastNano stays where it is.
		l.counts.reset() // a failed write leaves the store's state unknown
		l.log.Error("ledger write failed", "requests", len(batch), "err", failed)
		for _, o := range batch {
			o.err = fmt.Errorf("store: %w", failed)
			close(o.done)
		}
		return nil, nil
	}
	l.counts.merge(l.now(), b.counts)
	if len(b.members) > 0 {
		l.mu.Lock()
		for id, m := range b.members {
			l.members[id] = m
		}
		l.mu.Unlock()
	}
	for _, o := range batch {
		close(o.done)
	}
	return next, b
}

// batchState is what a batch has changed, and what the batch before it
// changed (prev), which this batch's transaction cannot see.
type batchState struct {
	prev    *batchState
	members map[string]quota.Member
	// counts holds the counters this batch has written, until the commit
	// puts them in the cache.
	counts  map[string]cachedCount
	entries map[int64]entryRecord // entries written, new or undone
	keys    map[string]int64      // idempotency keys written
	// tierKeys are SetTier's idempotency keys written, with the member
	// each left.
	tierKeys map[string]quota.Member
}

// newBatchState starts a batch after prev, dropping prev's own prev: that
// one was committed before this batch's transaction was opened.
func newBatchState(prev *batchState) *batchState {
	if prev != nil {
		prev.prev = nil
	}
	return &batchState{prev: prev, members: map[string]quota.Member{}, counts: map[string]cachedCount{},
		entries: map[int64]entryRecord{}, keys: map[string]int64{}, tierKeys: map[string]quota.Member{}}
}

// storeError marks a failure of the store itself, as opposed to a refused
// request, so that commit knows to abandon the whole batch.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }

// memberFor returns the member as this batch sees it, and whether it is new.
func (l *Ledger) memberFor(b *batchState, id string, now time.Time) (quota.Member, bool) {
	for ; b != nil; b = b.prev {
		if m, ok := b.members[id]; ok {
			return m, false
		}
	}
	l.mu.RLock()
	m, ok := l.members[id]
	l.mu.RUnlock()
	if ok {
		return m, false
	}
	return quota.Member{ID: id, Tier: l.plan.DefaultTier, Enrolled: now.UTC()}, true
}

func (l *Ledger) applyLog(txn *badger.Txn, b *batchState, req LogRequest) (LogResult, error) {
	now := l.now()
	if req.Key != "" {
		e, found, err := l.keyedEntry(txn, b, "log:"+req.Key)
		if err != nil {
			return LogResult{}, storeError{err}
		}
		if found {
			return l.repeatedLog(txn, b, e, now)
		}
	}
	m, isNew := l.memberFor(b, req.Member, now)
	tier := l.plan.Tier(m.Tier)
	if err := l.checkLog(txn, b, m, tier, req, now); err != nil {
		return LogResult{}, err
	}

	at, err := l.newEntryNanos(txn, b, now)
	if err != nil {
		return LogResult{}, err
	}
	l.seq++
	rec := entryRecord{Member: req.Member, Kind: req.Kind, Count: req.Count, Note: req.Note, Seq: l.seq, Refund: req.Refund}
	if err := l.setEntry(txn, b, at, rec); err != nil {
		return LogResult{}, err
	}
	if err := txn.Set(metaSeq, binary.BigEndian.AppendUint64(nil, l.seq)); err != nil {
		return LogResult{}, storeError{err}
	}
	if err := txn.Set(indexKey(req.Member, at), nil); err != nil {
		return LogResult{}, storeError{err}
	}
	if err := txn.Set(rollingKey(req.Member, req.Kind, at), rollingValue(rec)); err != nil {
		return LogResult{}, storeError{err}
	}
	if isNew {
		if err := setJSON(txn, memberKey(m.ID), recordOf(m)); err != nil {
			return LogResult{}, err
		}
		b.members[m.ID] = m
	}
	if req.Key != "" {
		if err := l.setKey(txn, b, "log:"+req.Key, at); err != nil {
			return LogResult{}, err
		}
	}
	// The reply warns at the member's own limits: their tier's, lowered by
	// their caps.
	ku, err := l.addCounts(txn, b, rec, at, rec.Count, tier.WithCaps(m.Caps))
	if err == nil {
		ku.Credits, err = l.writerBalance(txn, b, m, tier, req.Kind, now)
	}
	if err != nil {
		return LogResult{}, err
	}
	ku.Caps = quota.Holds(tier, m.Caps, req.Kind)
	return LogResult{Entry: rec.entry(at), Usage: ku, Pause: m.Pause}, nil
}

// checkLog refuses what m may not log on tier: a kind the tier cannot
// send, or a refund of a kind it does not pay for in credits or above
// what may be given back (quota.Tier.CheckRefund).
func (l *Ledger) checkLog(txn *badger.Txn, b *batchState, m quota.Member, tier quota.Tier, req LogRequest, now time.Time) error {
	if !req.Refund {
		return l.plan.Allows(tier, req.Kind)
	}
	bal, err := l.writerBalance(txn, b, m, tier, req.Kind, now)
	if err != nil {
		return err
	}
	return tier.CheckRefund(req.Kind, req.Count, bal)
}

// repeatedLog answers a Log whose key made entry e: nothing is written,
// and the usage is the kind's now.
func (l *Ledger) repeatedLog(txn *badger.Txn, b *batchState, e quota.Entry, now time.Time) (LogResult, error) {
	m, _ := l.memberFor(b, e.Member, now)
	tier := l.plan.Tier(m.Tier)
	count := l.writerCount(txn, b)
	ku, err := tier.WithCaps(m.Caps).Usage(e.Kind, now, l.loc, func(p quota.Period) (int, error) {
		return count(counterKey(p, e.Member, e.Kind))
	}, l.writerSentOf(txn, b, e.Member, e.Kind))
	if err != nil {
		return LogResult{}, storeError{err}
	}
	ku.Caps = quota.Holds(tier, m.Caps, e.Kind)
	if ku.Credits, err = l.writerBalance(txn, b, m, tier, e.Kind, now); err != nil {
		return LogResult{}, err
	}
	return LogResult{Entry: e, Duplicate: true, Usage: ku, Pause: m.Pause}, nil
}

// writerBalance is m's credit balance of k under tier at now as the writer
// sees it mid-batch; nil when the tier does not pay for k in credits.
func (l *Ledger) writerBalance(txn *badger.Txn, b *batchState, m quota.Member, tier quota.Tier, k quota.Kind, now time.Time) (*quota.CreditBalance, error) {
	bal, err := tier.Balance(k, m.TierStart(), now, l.loc, l.writerSentOf(txn, b, m.ID, k))
	if err != nil {
		return nil, storeError{err}
	}
	return bal, nil
}

// newEntryNanos dates a new entry by the clock, as it reads. The nanos
// are the entry's key, so they must be unique: when the clock reads no
// later than the newest entry (a busy nanosecond, or a clock set back),
// the first free nanosecond from now on is taken. Which entry was logged
// last is the sequence's to say (entryRecord.Seq), never the clock's:
// dragging every date forward past the newest entry, as this once did,
// stamped every entry after a clock stepped back with the moment it had
// wrongly reached, so today's counts read 0.
func (l *Ledger) newEntryNanos(txn *badger.Txn, b *batchState, now time.Time) (int64, error) {
	at := now.UnixNano()
	if at < l.lastNow {
		l.clockBack.Add(1)
		l.log.Warn("the clock stepped back: entries are dated by the clock as it reads now",
			"from", time.Unix(0, l.lastNow).UTC(), "to", now.UTC())
	}
	l.lastNow = at
	if at > l.lastNano {
		l.lastNano = at
		return at, nil
	}
	from := at
	if l.takenFrom <= at && at < l.takenTo {
		from, at = l.takenFrom, l.takenTo
	}
	for {
		_, taken, err := l.entryAt(txn, b, at)
		if err != nil {
			return 0, storeError{err}
		}
		if !taken {
			// lastNano bounds the nanos taken, not the dates: the next
			// reading past it must not take this one again.
			l.lastNano = max(l.lastNano, at)
			l.takenFrom, l.takenTo = from, at+1
			return at, nil
		}
		at++
	}
}

// later reports whether the entry r at nanos at was logged after the one
// at bestAt. Entries from before the sequence have Seq 0, and their
// nanos are in the order they were logged.
func later(r entryRecord, at int64, best entryRecord, bestAt int64) bool {
	if r.Seq != best.Seq {
		return r.Seq > best.Seq
	}
	return at > bestAt
}

// applyUndo takes back the member's entry at nanos target, or with target
// 0 the last one logged that may still be taken back.
func (l *Ledger) applyUndo(txn *badger.Txn, b *batchState, member, key string, target int64) (quota.Entry, error) {
	now := l.now()
	if key != "" {
		e, found, err := l.keyedEntry(txn, b, "undo:"+key)
		if err != nil {
			return quota.Entry{}, storeError{err}
		}
		if found {
			return e, nil
		}
	}
	since := quota.UndoableSince(now)
	var (
		rec   entryRecord
		at    int64
		found bool
	)
	if target != 0 {
		r, ok, err := l.entryAt(txn, b, target)
		if err != nil {
			return quota.Entry{}, storeError{err}
		}
		if ok && r.Member == member {
			rec, at, found = r, target, true
		}
	} else {
		// The last entry logged of those dated in the last 24 hours: after
		// a clock set back, that is not the one dated latest.
		err := l.writerWalk(txn, b, member, func(rat int64, r entryRecord) bool {
			if time.Unix(0, rat).Before(since) {
				return false
			}
			// The index is the member's, so the entry should be too;
			// an Undo must never take back someone else's count.
			if r.Member == member && r.entry(rat).Undoable(now) && (!found || later(r, rat, rec, at)) {
				rec, at, found = r, rat, true
			}
			return true
		})
		if err != nil {
			return quota.Entry{}, storeError{err}
		}
	}
	if !found && target != 0 {
		return quota.Entry{}, quota.ErrNoSuchEntry
	}
	if !found || !rec.entry(at).Undoable(now) {
		return quota.Entry{}, quota.ErrNothingToUndo
	}
	if err := l.checkUndo(txn, b, rec, at, now); err != nil {
		return quota.Entry{}, err
	}
	rec.Undone = max(now.UnixNano(), 1)
	if err := l.setEntry(txn, b, at, rec); err != nil {
		return quota.Entry{}, err
	}
	if err := txn.Delete(rollingKey(rec.Member, rec.Kind, at)); err != nil {
		return quota.Entry{}, storeError{err}
	}
	if key != "" {
		if err := l.setKey(txn, b, "undo:"+key, at); err != nil {
			return quota.Entry{}, err
		}
	}
	if _, err := l.addCounts(txn, b, rec, at, -rec.Count, quota.Tier{}); err != nil {
		return quota.Entry{}, err
	}
	return rec.entry(at), nil
}

// checkUndo refuses to take back a send of credits that a refund made
// since gave back (quota.CheckUndoSend): the balance would keep credits
// for InMails never sent.
func (l *Ledger) checkUndo(txn *badger.Txn, b *batchState, rec entryRecord, at int64, now time.Time) error {
	if rec.Refund {
		return nil
	}
	m, _ := l.memberFor(b, rec.Member, now)
	if _, ok := l.plan.Tier(m.Tier).Credits[rec.Kind]; !ok {
		return nil
	}
	sent, err := l.writerSent(txn, b, rec.Member, rec.Kind, m.TierStart())
	if err != nil {
		return storeError{err}
	}
	return quota.CheckUndoSend(quota.CreditMoves(sent), time.Unix(0, at))
}

func (l *Ledger) applySetTier(txn *badger.Txn, b *batchState, req SetTierRequest) (quota.Member, error) {
	if req.Key != "" {
		m, found, err := l.keyedMember(txn, b, req.Key)
		if err != nil {
			return quota.Member{}, storeError{err}
		}
		if found {
			return m, nil
		}
	}
	now := l.now()
	m, isNew := l.memberFor(b, req.Member, now)
	// Setting the tier a member is on changes nothing: restarting it
	// would restart their credits from one grant.
	if isNew || m.Tier != req.Tier {
		change := tierChange{From: m.Tier, To: req.Tier, By: req.By, At: now.UTC()}
		m.Tier, m.TierSetBy, m.TierSetAt = req.Tier, req.By, now.UTC()
		if err := setJSON(txn, memberKey(m.ID), recordOf(m)); err != nil {
			return quota.Member{}, err
		}
		if err := setJSON(txn, tierChangeKey(m.ID, now.UnixNano()), change); err != nil {
			return quota.Member{}, err
		}
		b.members[m.ID] = m
	}
	if req.Key != "" {
		// The member as this change left them is the answer to a repeat,
		// whatever changes after.
		v, err := json.Marshal(recordOf(m))
		if err != nil {
			return quota.Member{}, storeError{err}
		}
		if err := txn.SetEntry(badger.NewEntry(idemKey(tierKeyPrefix+req.Key), v).WithTTL(keyTTL)); err != nil {
			return quota.Member{}, storeError{err}
		}
		b.tierKeys[req.Key] = m
	}
	return m, nil
}

// tierKeyPrefix keeps SetTier's idempotency keys apart from Log's ("log:")
// and Undo's ("undo:") in their one key space.
const tierKeyPrefix = "tier:"

// keyedMember returns the member a SetTier with key left, if the key is
// known.
func (l *Ledger) keyedMember(txn *badger.Txn, b *batchState, key string) (quota.Member, bool, error) {
	for x := b; x != nil; x = x.prev {
		if m, ok := x.tierKeys[key]; ok {
			return m, true, nil
		}
	}
	var r memberRecord
	ok, err := getJSON(txn, idemKey(tierKeyPrefix+key), &r)
	if err != nil || !ok {
		return quota.Member{}, false, err
	}
	return r.member(), true, nil
}

// keyedEntry returns the entry an idempotency key made, if the key is known.
func (l *Ledger) keyedEntry(txn *badger.Txn, b *batchState, key string) (quota.Entry, bool, error) {
	at, found := int64(0), false
	for x := b; x != nil && !found; x = x.prev {
		at, found = x.keys[key]
	}
	if !found {
		item, err := txn.Get(idemKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return quota.Entry{}, false, nil
		}
		if err != nil {
			return quota.Entry{}, false, err
		}
		if err := item.Value(func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("idempotency key %q: bad value", key)
			}
			at = int64(binary.BigEndian.Uint64(v))
			return nil
		}); err != nil {
			return quota.Entry{}, false, err
		}
	}
	r, ok, err := l.entryAt(txn, b, at)
	if err != nil || !ok {
		return quota.Entry{}, false, err
	}
	return r.entry(at), true, nil
}

// entryAt returns the entry at nanos at as this batch sees it.
func (l *Ledger) entryAt(txn *badger.Txn, b *batchState, at int64) (entryRecord, bool, error) {
	for ; b != nil; b = b.prev {
		if r, ok := b.entries[at]; ok {
			return r, true, nil
		}
	}
	var r entryRecord
	ok, err := getJSON(txn, entryKey(at), &r)
	return r, ok, err
}

// writerWalk is walk as this batch sees it. The entries of the batch
// before, which its transaction cannot see, are newer than all it can, or
// newer versions of them (undone), so they go first or in their place.
func (l *Ledger) writerWalk(txn *badger.Txn, b *batchState, member string, visit func(int64, entryRecord) bool) error {
	var unseen []int64 // newest first
	if b.prev != nil {
		for at, r := range b.prev.entries {
			if r.Member == member {
				unseen = append(unseen, at)
			}
		}
		slices.SortFunc(unseen, func(x, y int64) int { return cmp.Compare(y, x) })
	}
	see := func(at int64) (bool, error) {
		r, ok, err := l.entryAt(txn, b, at)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, fmt.Errorf("index names entry %s that is missing", entryID(at))
		}
		return visit(at, r), nil
	}
	more := true
	err := walkAt(txn, member, func(at int64) (bool, error) {
		for len(unseen) > 0 && unseen[0] >= at {
			next := unseen[0]
			unseen = unseen[1:]
			if next == at {
				break // the same entry: seen below, in its newest version
			}
			if m, err := see(next); !m || err != nil {
				more = false
				return false, err
			}
		}
		m, err := see(at)
		more = m
		return m, err
	})
	if err != nil || !more {
		return err
	}
	for _, at := range unseen {
		if m, err := see(at); !m || err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) setKey(txn *badger.Txn, b *batchState, key string, at int64) error {
	e := badger.NewEntry(idemKey(key), binary.BigEndian.AppendUint64(nil, uint64(at))).WithTTL(keyTTL)
	if err := txn.SetEntry(e); err != nil {
		return storeError{err}
	}
	b.keys[key] = at
	return nil
}

func (l *Ledger) setEntry(txn *badger.Txn, b *batchState, at int64, r entryRecord) error {
	if err := setJSON(txn, entryKey(at), r); err != nil {
		return err
	}
	b.entries[at] = r
	return nil
}

// addCounts adds delta to the counters of every window period the entry at
// `at` falls in, and returns the kind's usage under tier just after.
func (l *Ledger) addCounts(txn *badger.Txn, b *batchState, r entryRecord, at int64, delta int, tier quota.Tier) (quota.KindUsage, error) {
	t := time.Unix(0, at)
	count := l.writerCount(txn, b)
	var used [quota.Month + 1]int // by window
	for _, w := range quota.Windows {
		p := w.Period(t, l.loc)
		key := counterKey(p, r.Member, r.Kind)
		n, err := count(key)
		if err != nil {
			return quota.KindUsage{}, storeError{err}
		}
		used[w] = n
		if r.Refund {
			continue // not a send: no counter holds it
		}
		n += delta
		if err := txn.Set(key, countValue(n)); err != nil {
			return quota.KindUsage{}, storeError{err}
		}
		b.counts[string(key)] = cachedCount{n: n, end: p.End().UnixNano()}
		used[w] = n
	}
	ku, err := tier.Usage(r.Kind, t, l.loc, func(p quota.Period) (int, error) { return used[p.Window], nil },
		l.writerSentOf(txn, b, r.Member, r.Kind))
	if err != nil {
		return quota.KindUsage{}, storeError{err}
	}
	return ku, nil
}

// writerSentOf is writerSent for one member and kind, as Tier.Usage takes it.
func (l *Ledger) writerSentOf(txn *badger.Txn, b *batchState, member string, k quota.Kind) func(time.Time) ([]quota.Sent, error) {
	return func(since time.Time) ([]quota.Sent, error) { return l.writerSent(txn, b, member, k, since) }
}

// writerCount reads counters as the writer sees them mid-batch: what this
// batch or the one before it has written, else the cache, else Badger. The cache is exact for
// the writer, which is the only one to change counters, and a read from
// Badger's on-disk tables is the slowest step of a log.
func (l *Ledger) writerCount(txn *badger.Txn, b *batchState) func([]byte) (int, error) {
	return func(key []byte) (int, error) {
		for x := b; x != nil; x = x.prev {
			if v, ok := x.counts[string(key)]; ok {
				return v.n, nil
			}
		}
		if n, ok := l.counts.get(key); ok {
			return n, nil
		}
		return getCount(txn, key)
	}
}

func setJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return storeError{err}
	}
	if err := txn.Set(key, b); err != nil {
		return storeError{err}
	}
	return nil
}
