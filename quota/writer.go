package quota

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// The single writer. Every change goes through it: it takes whatever
// requests are waiting, applies them in one transaction, commits once (one
// fsync for the lot) and only then answers each caller. One writer means no
// conflicts to retry, however hot a member is.

type opKind int

const (
	opLog opKind = iota
	opUndo
	opSetTier
	opMark
)

// maxBatch bounds one transaction. 128 requests of at most ~8 keys and a
// 500-byte note stay far below Badger's batch limits for an 8 MB memtable,
// so a Set never fails with ErrTxnTooBig halfway through a request.
const maxBatch = 128

type op struct {
	kind   opKind
	log    LogRequest
	member string // also the mark name, for opMark
	key    string // idempotency key, for opUndo
	tier   string
	by     string
	note   string // the mark value, for opMark
	at     int64  // opUndo of one entry: its nanos

	res  result
	err  error
	done chan struct{}
}

type result struct {
	log    LogResult
	entry  Entry
	member Member
}

// submit hands o to the writer and waits until it is committed or refused.
// Once handed over, it waits even if ctx ends, so that a caller never
// reports failure for an entry that was in fact written.
func (l *Ledger) submit(ctx context.Context, o *op) (result, error) {
	if l.readOnly {
		return result{}, ErrReadOnly
	}
	o.done = make(chan struct{})
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		return result{}, ErrClosed
	}
	select {
	case l.ops <- o:
	case <-ctx.Done():
		l.closeMu.RUnlock()
		return result{}, ctx.Err()
	}
	l.closeMu.RUnlock()
	<-o.done
	return o.res, o.err
}

func (l *Ledger) writer() {
	defer close(l.done)
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
		l.commit(batch)
	}
}

// batchState is what a batch has changed but not yet committed.
type batchState struct {
	members map[string]Member
	// counts holds the counters this batch has written, until the commit
	// puts them in the cache.
	counts map[string]cachedCount
}

func (l *Ledger) commit(batch []*op) {
	txn := l.db.NewTransaction(true)
	defer txn.Discard()
	b := batchState{members: map[string]Member{}, counts: map[string]cachedCount{}}
	lastNano := l.lastNano
	var failed error
	for _, o := range batch {
		err := l.apply(txn, &b, o)
		var se storeError
		if errors.As(err, &se) {
			// The transaction may hold half of this request: none of
			// the batch may be committed.
			failed = se.err
			break
		}
		o.err = err
	}
	if failed == nil {
		failed = l.commitTxn(txn)
	}
	if failed != nil {
		l.lastNano = lastNano
		l.counts.reset()
		l.log.Error("ledger write failed", "requests", len(batch), "err", failed)
		for _, o := range batch {
			o.res, o.err = result{}, fmt.Errorf("store: %w", failed)
			close(o.done)
		}
		return
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
}

// storeError marks a failure of the store itself, as opposed to a refused
// request, so that commit knows to abandon the whole batch.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }

func (l *Ledger) apply(txn *badger.Txn, b *batchState, o *op) error {
	var err error
	switch o.kind {
	case opLog:
		o.res.log, err = l.applyLog(txn, b, o.log)
	case opUndo:
		o.res.entry, err = l.applyUndo(txn, b, o)
	case opSetTier:
		o.res.member, err = l.applySetTier(txn, b, o)
	case opMark:
		if e := txn.Set(markKey(o.member), []byte(o.note)); e != nil {
			err = storeError{e}
		}
	}
	return err
}

// memberFor returns the member as this batch sees it, and whether it is new.
func (l *Ledger) memberFor(b *batchState, id string, now time.Time) (Member, bool) {
	if m, ok := b.members[id]; ok {
		return m, false
	}
	l.mu.RLock()
	m, ok := l.members[id]
	l.mu.RUnlock()
	if ok {
		return m, false
	}
	return Member{ID: id, Tier: l.plan.DefaultTier, Enrolled: now.UTC()}, true
}

func (l *Ledger) applyLog(txn *badger.Txn, b *batchState, req LogRequest) (LogResult, error) {
	now := l.now()
	if req.Key != "" {
		e, found, err := l.keyedEntry(txn, "log:"+req.Key)
		if err != nil {
			return LogResult{}, storeError{err}
		}
		if found {
			m, _ := l.memberFor(b, e.Member, now)
			ku, err := l.kindUsage(l.plan.Tier(m.Tier), e.Member, e.Kind, now, l.writerCount(txn, b))
			if err != nil {
				return LogResult{}, storeError{err}
			}
			return LogResult{Entry: e, Duplicate: true, Usage: ku}, nil
		}
	}
	m, isNew := l.memberFor(b, req.Member, now)
	tier := l.plan.Tier(m.Tier)
	if !tier.Has(req.Kind) {
		return LogResult{}, &NoKindError{Tier: tier.Name, Kind: req.Kind, Tiers: l.tiersWith(req.Kind)}
	}

	at := max(now.UnixNano(), l.lastNano+1)
	l.lastNano = at
	rec := entryRecord{Member: req.Member, Kind: req.Kind, Count: req.Count, Note: req.Note}
	if err := l.setEntry(txn, at, rec); err != nil {
		return LogResult{}, err
	}
	if err := txn.Set(indexKey(req.Member, at), nil); err != nil {
		return LogResult{}, storeError{err}
	}
	if isNew {
		if err := setJSON(txn, memberKey(m.ID), memberRecord(m)); err != nil {
			return LogResult{}, err
		}
		b.members[m.ID] = m
	}
	if req.Key != "" {
		if err := l.setKey(txn, "log:"+req.Key, at); err != nil {
			return LogResult{}, err
		}
	}
	ku, err := l.addCounts(txn, b, rec, at, rec.Count, tier)
	if err != nil {
		return LogResult{}, err
	}
	return LogResult{Entry: rec.entry(at), Usage: ku}, nil
}

func (l *Ledger) applyUndo(txn *badger.Txn, b *batchState, o *op) (Entry, error) {
	now := l.now()
	if o.key != "" {
		e, found, err := l.keyedEntry(txn, "undo:"+o.key)
		if err != nil {
			return Entry{}, storeError{err}
		}
		if found {
			return e, nil
		}
	}
	cutoff := now.Add(-24 * time.Hour)
	var target Entry
	var found bool
	if o.at != 0 {
		var r entryRecord
		ok, err := getJSON(txn, entryKey(o.at), &r)
		if err != nil {
			return Entry{}, storeError{err}
		}
		if ok && r.Member == o.member {
			target, found = r.entry(o.at), true
		}
	} else {
		err := l.walk(txn, o.member, func(e Entry) bool {
			if e.At.Before(cutoff) {
				return false
			}
			if e.Stands() {
				target, found = e, true
				return false
			}
			return true
		})
		if err != nil {
			return Entry{}, storeError{err}
		}
	}
	if !found || !target.Stands() || target.At.Before(cutoff) {
		return Entry{}, ErrNothingToUndo
	}
	at, _ := parseEntryID(target.ID)
	rec := entryRecord{Member: target.Member, Kind: target.Kind, Count: target.Count, Note: target.Note, Undone: max(now.UnixNano(), 1)}
	if err := l.setEntry(txn, at, rec); err != nil {
		return Entry{}, err
	}
	if o.key != "" {
		if err := l.setKey(txn, "undo:"+o.key, at); err != nil {
			return Entry{}, err
		}
	}
	if _, err := l.addCounts(txn, b, rec, at, -rec.Count, Tier{}); err != nil {
		return Entry{}, err
	}
	return rec.entry(at), nil
}

func (l *Ledger) applySetTier(txn *badger.Txn, b *batchState, o *op) (Member, error) {
	now := l.now()
	m, _ := l.memberFor(b, o.member, now)
	change := tierChange{From: m.Tier, To: o.tier, By: o.by, At: now.UTC()}
	m.Tier, m.TierSetBy, m.TierSetAt = o.tier, o.by, now.UTC()
	if err := setJSON(txn, memberKey(m.ID), memberRecord(m)); err != nil {
		return Member{}, err
	}
	if err := setJSON(txn, tierChangeKey(m.ID, now.UnixNano()), change); err != nil {
		return Member{}, err
	}
	b.members[m.ID] = m
	return m, nil
}

// keyedEntry returns the entry an idempotency key made, if the key is known.
func (l *Ledger) keyedEntry(txn *badger.Txn, key string) (Entry, bool, error) {
	item, err := txn.Get(idemKey(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	var at int64
	if err := item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("idempotency key %q: bad value", key)
		}
		at = int64(binary.BigEndian.Uint64(v))
		return nil
	}); err != nil {
		return Entry{}, false, err
	}
	var r entryRecord
	ok, err := getJSON(txn, entryKey(at), &r)
	if err != nil || !ok {
		return Entry{}, false, err
	}
	return r.entry(at), true, nil
}

func (l *Ledger) setKey(txn *badger.Txn, key string, at int64) error {
	e := badger.NewEntry(idemKey(key), binary.BigEndian.AppendUint64(nil, uint64(at))).WithTTL(keyTTL)
	if err := txn.SetEntry(e); err != nil {
		return storeError{err}
	}
	return nil
}

func (l *Ledger) setEntry(txn *badger.Txn, at int64, r entryRecord) error {
	return setJSON(txn, entryKey(at), r)
}

// addCounts adds delta to the counters of every window period the entry at
// `at` falls in, and returns the kind's usage under tier just after.
func (l *Ledger) addCounts(txn *badger.Txn, b *batchState, r entryRecord, at int64, delta int, tier Tier) (KindUsage, error) {
	t := time.Unix(0, at)
	ku := KindUsage{Kind: r.Kind}
	count := l.writerCount(txn, b)
	for _, w := range Windows {
		p := w.Period(t, l.loc)
		key := counterKey(p, r.Member, r.Kind)
		n, err := count(key)
		if err != nil {
			return KindUsage{}, storeError{err}
		}
		n += delta
		if err := txn.Set(key, countValue(n)); err != nil {
			return KindUsage{}, storeError{err}
		}
		b.counts[string(key)] = cachedCount{n: n, end: p.End().UnixNano()}
		if lim, has := tier.Limit(r.Kind, w); has {
			ku.Windows = append(ku.Windows, WindowUsage{Limit: lim, Period: p, Used: n})
		}
	}
	return ku, nil
}

// writerCount reads counters as the writer sees them mid-batch: what the
// batch has written, else the cache, else Badger. The cache is exact for
// the writer, which is the only one to change counters, and a read from
// Badger's on-disk tables is the slowest step of a log.
func (l *Ledger) writerCount(txn *badger.Txn, b *batchState) func([]byte) (int, error) {
	return func(key []byte) (int, error) {
		if v, ok := b.counts[string(key)]; ok {
			return v.n, nil
		}
		if n, ok := l.counts.get(key); ok {
			return n, nil
		}
		return getCount(txn, key)
	}
}

func (l *Ledger) tiersWith(k Kind) []string {
	var out []string
	for _, name := range l.plan.TierNames() {
		if l.plan.Tiers[name].Has(k) {
			out = append(out, name)
		}
	}
	return out
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
