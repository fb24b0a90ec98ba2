package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// The rolling index. A rolling limit (so many over the last 7 days) is no
// period a counter can hold: what it counts changes by the minute. So
// every standing entry is indexed by member, kind and nanos, its count the
// value, and a member's use of a kind is a seek to now minus the span and
// a scan of what follows: one member's entries of one kind over the span,
// never the whole store. The writer sets an entry's key in the transaction
// that logs it and deletes it in the one that takes it back.

// metaRolling marks a store whose rolling index holds every standing
// entry. A store written before the index was kept lacks it until the
// index is built (buildRolling).
var metaRolling = []byte("zrolling")

// metaRollingFrom holds, while the index is being built, the nanos of the
// first entry the build has yet to index, so that a build cut short by a
// restart goes on from there: every key before it is right, as the writer
// keeps each one it sets right from then on.
var metaRollingFrom = []byte("zrollingfrom")

func rollingPrefix(member string, k quota.Kind) []byte {
	key := append([]byte{pRolling}, member...)
	key = append(key, 0)
	key = append(key, k...)
	return append(key, 0)
}

func rollingKey(member string, k quota.Kind, at int64) []byte {
	return binary.BigEndian.AppendUint64(rollingPrefix(member, k), uint64(at))
}

// rollingValue is an entry's value in the rolling index: its count, made
// negative for a refund, so that the scan that reads sends for a rolling
// window reads the credits given back with them, and tells them apart.
// Every value written before refunds is positive.
func rollingValue(r entryRecord) []byte {
	if r.Refund {
		return countValue(-r.Count)
	}
	return countValue(r.Count)
}

// sentOf reads a rolling index value as the entry it stands for.
func sentOf(at int64, n int) quota.Sent {
	return quota.Sent{At: time.Unix(0, at).UTC(), Count: max(n, -n), Refund: n < 0}
}

// recordSent is an entry as the rolling index reads it.
func recordSent(at int64, r entryRecord) quota.Sent {
	return quota.Sent{At: time.Unix(0, at).UTC(), Count: r.Count, Refund: r.Refund}
}

// buildRolling readies the rolling index at open. A store whose index is
// whole (metaRolling) reads from it at once. A store written before the
// index was kept gets it built in the background, a chunk of entries at a
// time through the writer (indexInBackground), while replies read the
// entries themselves (walkSent), as exact and slower; once the last chunk
// is committed, metaRolling with it, reads turn to the index. Building it
// in one pass at open held the bot down a minute for a year-old store and
// took its memory past 140 MiB while Badger absorbed a million new keys;
// paced, the build is no more load than steady logging. A build cut
// short (a restart, a crash) goes on at the next open from where it left
// off (metaRollingFrom). A store opened read-only is left as it is; its
// reads walk the entries.
func (l *Ledger) buildRolling() error {
	built, empty := false, false
	err := l.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(metaRolling)
		if built = err == nil; built || !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}})
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	switch {
	case err != nil:
		return err
	case built:
		l.rollingFrom.Store(0)
		return nil
	case l.readOnly:
		l.rollingFrom.Store(math.MaxUint64)
		return nil
	case empty:
		// A new store: its index is whole, with nothing in it.
		if err := l.db.Update(func(txn *badger.Txn) error { return txn.Set(metaRolling, []byte{1}) }); err != nil {
			return fmt.Errorf("rolling index: %w", err)
		}
		l.rollingFrom.Store(0)
		return nil
	}
	l.rollingFrom.Store(math.MaxUint64)
	from, err := l.buildResumesAt()
	if err != nil {
		return fmt.Errorf("rolling index: %w", err)
	}
	if from == 0 {
		// No build has begun: clear whatever keys there are, so that
		// only the writer's and the build's stand.
		if err := l.db.DropPrefix([]byte{pRolling}); err != nil {
			return fmt.Errorf("rolling index: %w", err)
		}
	}
	l.buildFrom = from
	l.buildStop, l.buildDone = make(chan struct{}), make(chan struct{})
	return nil
}

// buildResumesAt is where a build cut short left off (metaRollingFrom),
// or 0 when none has begun.
func (l *Ledger) buildResumesAt() (int64, error) {
	var from int64
	err := l.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaRollingFrom)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("%s: %d bytes, want 8", metaRollingFrom, len(v))
			}
			from = int64(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	return from, err
}

// indexChunk is how many entries one background chunk indexes, and
// indexPace the time between chunks, on average at least: about 2,500
// entries a second, a million in under seven minutes, each chunk a few
// milliseconds of the writer's time.
const (
	indexChunk = 256
	indexPace  = 100 * time.Millisecond
)

// indexInBackground builds the rolling index of a store written before
// it was kept (see buildRolling), then turns reads to it. A full disk
// holds it until there is room again; it stops when the ledger closes or
// refuses writes for good, and the next open goes on from where it left
// off.
func (l *Ledger) indexInBackground(chunk int, pace time.Duration) {
	defer close(l.buildDone)
	start := time.Now()
	l.log.Info("building the rolling index in the background; until it is done, replies read the entries themselves",
		"from", entryID(l.buildFrom))
	tick := time.NewTicker(pace)
	defer tick.Stop()
	from, indexed := l.buildFrom, 0
	for {
		w := &indexWrite{from: from, chunk: chunk}
		err := l.submit(context.Background(), w)
		switch {
		case errors.Is(err, ErrDiskFull):
			// As a log would, wait for room, then try the chunk again.
		case errors.Is(err, ErrClosed):
			return
		case err != nil:
			l.log.Error("building the rolling index stopped; it goes on at the next open", "err", err)
			return
		case w.next == 0:
			indexed += w.indexed
			l.indexDone(indexed, start)
			return
		default:
			indexed += w.indexed
			from = w.next
		}
		select {
		case <-l.buildStop:
			return
		case <-tick.C:
		}
	}
}

// indexDone turns reads to the rolling index, now whole.
func (l *Ledger) indexDone(indexed int, start time.Time) {
	// A transaction opened now sees every chunk; one opened before may
	// not, and goes on reading the entries.
	txn := l.db.NewTransaction(false)
	l.rollingFrom.Store(txn.ReadTs())
	txn.Discard()
	l.log.Info("built the rolling index", "entries", indexed, "took", time.Since(start).Round(time.Second))
}

// indexWrite indexes the standing entries from nanos from on, up to
// chunk of them, and with the last chunk marks the index whole.
type indexWrite struct {
	from    int64
	chunk   int
	next    int64 // where the next chunk starts; 0 once this was the last
	indexed int
}

func (w *indexWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	seen := 0
	for it.Seek(entryKey(w.from)); it.Valid(); it.Next() {
		at := int64(binary.BigEndian.Uint64(it.Item().Key()[1:]))
		if seen == w.chunk {
			w.next = at
			if err := txn.Set(metaRollingFrom, binary.BigEndian.AppendUint64(nil, uint64(at))); err != nil {
				return storeError{err}
			}
			return nil
		}
		seen++
		var r entryRecord
		if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &r) }); err != nil {
			// Not a storeError: the batch's other requests stand, and
			// the keys set so far are right. Only the build stops.
			return fmt.Errorf("rolling index: entry %s: %w", entryID(at), err)
		}
		// The batch before this one is not in txn's view: an entry it
		// took back must not be indexed.
		if b.prev != nil {
			if pr, ok := b.prev.entries[at]; ok {
				r = pr
			}
		}
		if r.Undone != 0 {
			continue
		}
		if err := txn.Set(rollingKey(r.Member, r.Kind, at), rollingValue(r)); err != nil {
			return storeError{err}
		}
		w.indexed++
	}
	// Last, with the last chunk: the index is whole once this commits.
	if err := txn.Set(metaRolling, []byte{1}); err != nil {
		return storeError{err}
	}
	if err := txn.Delete(metaRollingFrom); err != nil {
		return storeError{err}
	}
	return nil
}

// indexed reports whether txn sees the whole rolling index.
func (l *Ledger) indexed(txn *badger.Txn) bool { return txn.ReadTs() >= l.rollingFrom.Load() }

// scanRolling visits the member's standing entries of kind k dated at or
// after since, oldest first, from the rolling index in txn's view.
func scanRolling(txn *badger.Txn, member string, k quota.Kind, since time.Time, visit func(at int64, n int)) error {
	prefix := rollingPrefix(member, k)
	// Values are 8 bytes, kept in the tree: nothing to prefetch.
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(rollingKey(member, k, max(since.UnixNano(), 0))); it.Valid(); it.Next() {
		key := it.Item().Key()
		if len(key) != len(prefix)+8 {
			return fmt.Errorf("rolling index key %q is malformed", key)
		}
		var n int
		if err := it.Item().Value(func(b []byte) (err error) {
			n, err = decodeCount(b)
			return err
		}); err != nil {
			return fmt.Errorf("rolling index of %s: %w", member, err)
		}
		visit(int64(binary.BigEndian.Uint64(key[len(prefix):])), n)
	}
	return nil
}

// txnSent returns the member's standing entries of kind k dated at or
// after since, as txn sees them: from the rolling index, or, while it is
// not whole in txn's view, from the member's entries.
func (l *Ledger) txnSent(txn *badger.Txn, member string, k quota.Kind, since time.Time) ([]quota.Sent, error) {
	var out []quota.Sent
	if l.indexed(txn) {
		err := scanRolling(txn, member, k, since, func(at int64, n int) {
			out = append(out, sentOf(at, n))
		})
		return out, err
	}
	err := walkSent(txn, member, k, since, func(at int64, r entryRecord) {
		out = append(out, recordSent(at, r))
	})
	return out, err
}

// walkSent visits the member's standing entries of kind k dated at or
// after since, newest first, from the member's entries: the rolling
// index's reading without it.
func walkSent(txn *badger.Txn, member string, k quota.Kind, since time.Time, visit func(at int64, r entryRecord)) error {
	from := since.UnixNano()
	return walkAt(txn, member, func(at int64) (bool, error) {
		if at < from {
			return false, nil
		}
		var r entryRecord
		if _, err := getJSON(txn, entryKey(at), &r); err != nil {
			return false, err
		}
		if r.Member == member && r.Kind == k && r.Undone == 0 {
			visit(at, r)
		}
		return true, nil
	})
}

// writerSent is txnSent as the writer sees it mid-batch: its transaction
// holds this batch's writes but not those of the batch before, so that
// batch's entries and then this one's, the newer, are laid over it.
func (l *Ledger) writerSent(txn *badger.Txn, b *batchState, member string, k quota.Kind, since time.Time) ([]quota.Sent, error) {
	got := map[int64]quota.Sent{}
	var err error
	if l.indexed(txn) {
		err = scanRolling(txn, member, k, since, func(at int64, n int) { got[at] = sentOf(at, n) })
	} else {
		err = walkSent(txn, member, k, since, func(at int64, r entryRecord) { got[at] = recordSent(at, r) })
	}
	if err != nil {
		return nil, err
	}
	from := since.UnixNano()
	for _, x := range []*batchState{b.prev, b} {
		if x == nil {
			continue
		}
		for at, r := range x.entries {
			switch {
			case r.Member != member || r.Kind != k || at < from:
			case r.Undone != 0:
				delete(got, at)
			default:
				got[at] = recordSent(at, r)
			}
		}
	}
	return slices.Collect(maps.Values(got)), nil
}

// decodeCount reads a count as countValue writes it.
func decodeCount(b []byte) (int, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("a count of %d bytes, want 8", len(b))
	}
	return int(int64(binary.BigEndian.Uint64(b))), nil
}

// checkRolling checks that every rolling index key names a standing entry
// of its member and kind, with its count; checkEntries checks that every
// standing entry has its key.
func checkRolling(txn *badger.Txn, r *CheckReport) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pRolling}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		key := it.Item().KeyCopy(nil)
		m, rest, ok := bytes.Cut(key[1:], []byte{0})
		member := string(m)
		if !ok || len(rest) < 10 || rest[len(rest)-9] != 0 {
			r.problem("rolling index key %q is malformed", key)
			continue
		}
		kind := quota.Kind(rest[:len(rest)-9])
		at := int64(binary.BigEndian.Uint64(rest[len(rest)-8:]))
		var n int
		if err := it.Item().Value(func(b []byte) (err error) {
			n, err = decodeCount(b)
			return err
		}); err != nil {
			r.problem("rolling index of %s names entry %s with %v", member, entryID(at), err)
			continue
		}
		var e entryRecord
		found, err := getJSON(txn, entryKey(at), &e)
		switch {
		case err != nil:
			r.problem("rolling index of %s names entry %s, which does not decode: %v", member, entryID(at), err)
		case !found:
			r.problem("rolling index of %s names entry %s, which is missing", member, entryID(at))
		case e.Undone != 0:
			r.problem("rolling index of %s names entry %s, which was taken back", member, entryID(at))
		case e.Member != member || e.Kind != kind || !bytes.Equal(rollingValue(e), countValue(n)):
			r.problem("rolling index of %s names entry %s as %d %s; it is %s's %d %s (refund %t)", member, entryID(at), n, kind, e.Member, e.Count, e.Kind, e.Refund)
		}
	}
	return nil
}
