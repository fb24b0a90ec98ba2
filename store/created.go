package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// metaCreated holds when the store was created, as RFC 3339 UTC. The
// scheduler owes no post for a period that ended before it: a new install
// has nothing to say about yesterday or last month.
var metaCreated = []byte("zcreated")

// Created is when the store was created: stamped at its first open with
// the ledger's clock and kept from then on (a backup carries it, so a
// restored store keeps its own). A store made before the stamp existed
// gets one at its next open from what it holds: the earliest entry or
// member enrollment, which no period before it has anything to show for;
// a store holding neither is taken as created at that open. A store
// opened read-only that has no stamp reports the same time without
// writing it.
func (l *Ledger) Created() time.Time { return l.created }

// loadCreated reads the creation stamp, deriving and writing it when the
// store lacks one. It runs at open, before the writer starts.
func (l *Ledger) loadCreated() error {
	var created time.Time
	found := false
	err := l.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaCreated)
		if errors.Is(err, badger.ErrKeyNotFound) {
			created, err = earliestRecord(txn)
			return err
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(b []byte) error {
			created, err = time.Parse(time.RFC3339Nano, string(b))
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("creation time: %w", err)
	}
	if now := l.now(); created.IsZero() || (!found && created.After(now)) {
		created = now
	}
	l.created = created.UTC()
	if found || l.readOnly {
		return nil
	}
	err = l.db.Update(func(txn *badger.Txn) error {
		return txn.Set(metaCreated, []byte(l.created.Format(time.RFC3339Nano)))
	})
	if err != nil {
		return fmt.Errorf("creation time: %w", err)
	}
	return nil
}

// earliestRecord is the time of the oldest entry or member enrollment in
// the store, zero when it holds neither.
func earliestRecord(txn *badger.Txn) (time.Time, error) {
	var first time.Time
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}})
	it.Rewind()
	if it.Valid() {
		first = time.Unix(0, int64(binary.BigEndian.Uint64(it.Item().Key()[1:])))
	}
	it.Close()
	members := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pMember}, PrefetchValues: true})
	defer members.Close()
	for members.Rewind(); members.Valid(); members.Next() {
		var r memberRecord
		if err := members.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
			return time.Time{}, err
		}
		if !r.Enrolled.IsZero() && (first.IsZero() || r.Enrolled.Before(first)) {
			first = r.Enrolled
		}
	}
	return first, nil
}
