// Package benchref holds the reference the write benchmarks measure
// quotabot against (docs/ARCHITECTURE.md §5): plain Badger read-modify-write
// transactions with SyncWrites on, as a careful caller would write them.
package benchref

import (
	"encoding/binary"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// BadgerRMW opens a Badger store with default options and SyncWrites on,
// closed at the end of the benchmark, and returns a function that reads the
// counter under key, adds one and writes it back in one transaction,
// retrying on ErrConflict. Each retry is counted in retries, if not nil.
func BadgerRMW(tb testing.TB, retries *atomic.Int64) func(key []byte) error {
	tb.Helper()
	db, err := badger.Open(badger.DefaultOptions(tb.TempDir()).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return func(key []byte) error {
		for {
			err := db.Update(func(txn *badger.Txn) error {
				var n uint64
				item, err := txn.Get(key)
				switch {
				case err == nil:
					if err := item.Value(func(v []byte) error { n = binary.BigEndian.Uint64(v); return nil }); err != nil {
						return err
					}
				case !errors.Is(err, badger.ErrKeyNotFound):
					return err
				}
				return txn.Set(key, binary.BigEndian.AppendUint64(nil, n+1))
			})
			if !errors.Is(err, badger.ErrConflict) {
				return err
			}
			if retries != nil {
				retries.Add(1)
			}
		}
	}
}
