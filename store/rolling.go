package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
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
// entry. A store written before the index was kept lacks it until Open
// has built the index (buildRolling).
var metaRolling = []byte("zrolling")

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

// buildRolling indexes every standing entry of a store written before the
// rolling index was kept, in one pass at open, before the writer starts,
// and then marks the index built. A crash before the mark builds it again
// at the next open, from nothing. A store opened read-only is left as it
// is; its reads walk the entries instead (txnSent).
func (l *Ledger) buildRolling() error {
	err := l.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(metaRolling)
		l.rollingBuilt = err == nil
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
	if err != nil || l.rollingBuilt || l.readOnly {
		return err
	}
	if err := l.db.DropPrefix([]byte{pRolling}); err != nil {
		return fmt.Errorf("rolling index: %w", err)
	}
	wb := l.db.NewWriteBatch() // commits in batches as it fills
	defer wb.Cancel()
	indexed := 0
	err = l.db.View(func(txn *badger.Txn) error {
		return eachStanding(txn, func(at int64, r entryRecord) error {
			indexed++
			return wb.Set(rollingKey(r.Member, r.Kind, at), rollingValue(r))
		})
	})
	if err == nil {
		err = wb.Flush()
	}
	if err == nil {
		// Last, on its own: the index is whole once this is on disk.
		err = l.db.Update(func(txn *badger.Txn) error { return txn.Set(metaRolling, []byte{1}) })
	}
	if err != nil {
		return fmt.Errorf("rolling index: %w", err)
	}
	if indexed > 0 {
		l.log.Info("built the rolling index", "entries", indexed)
	}
	l.rollingBuilt = true
	return nil
}

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
// after since, as txn sees them: from the rolling index, or, in a store
// opened read-only before the index was built, from the member's entries.
func (l *Ledger) txnSent(txn *badger.Txn, member string, k quota.Kind, since time.Time) ([]quota.Sent, error) {
	var out []quota.Sent
	if l.rollingBuilt {
		err := scanRolling(txn, member, k, since, func(at int64, n int) {
			out = append(out, sentOf(at, n))
		})
		return out, err
	}
	from := since.UnixNano()
	err := walkAt(txn, member, func(at int64) (bool, error) {
		if at < from {
			return false, nil
		}
		var r entryRecord
		if _, err := getJSON(txn, entryKey(at), &r); err != nil {
			return false, err
		}
		if r.Member == member && r.Kind == k && r.Undone == 0 {
			out = append(out, recordSent(at, r))
		}
		return true, nil
	})
	return out, err
}

// writerSent is txnSent as the writer sees it mid-batch: its transaction
// holds this batch's writes but not those of the batch before, so that
// batch's entries and then this one's, the newer, are laid over it.
func (l *Ledger) writerSent(txn *badger.Txn, b *batchState, member string, k quota.Kind, since time.Time) ([]quota.Sent, error) {
	got := map[int64]quota.Sent{}
	if err := scanRolling(txn, member, k, since, func(at int64, n int) { got[at] = sentOf(at, n) }); err != nil {
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
