package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// CheckReport is what Check found in a store.
type CheckReport struct {
	Entries  int // entries kept, undone ones included
	Standing int // entries that stand
	Members  int
	Counters int // counters stored
	// Problems names each disagreement found, at most maxProblems of
	// them; Found counts them all. None means the store is whole.
	Problems []string
	Found    int
}

// OK reports whether the store was found whole.
func (r CheckReport) OK() bool { return r.Found == 0 }

const maxProblems = 20

func (r *CheckReport) problem(format string, args ...any) {
	r.Found++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Check reads the whole store in one transaction and reports where it
// disagrees with itself: a table block whose checksum fails, an entry
// that does not decode, an entry without its index key or member record,
// an index key without its entry, a standing entry missing from the
// rolling index or a key there for none, and every counter that differs
// from a recount of the entries that stand, in the zone the counters were
// cut in. Every table's file is verified again first, as it is now. The
// rolling index is checked once it is built (a store opened read-only
// before its first open by this version has none).
func (l *Ledger) Check(ctx context.Context) (CheckReport, error) {
	var r CheckReport
	if err := l.verifyTables(); err != nil {
		return r, fmt.Errorf("check: %w", err)
	}
	err := l.db.View(func(txn *badger.Txn) error {
		loc, err := countedZone(txn, l.loc)
		if err != nil {
			return err
		}
		members, err := checkMembers(txn, &r)
		if err != nil {
			return err
		}
		indexed := l.indexed(txn)
		want, err := checkEntries(ctx, txn, loc, members, indexed, &r)
		if err != nil {
			return err
		}
		if err := checkIndex(txn, &r); err != nil {
			return err
		}
		if indexed {
			if err := checkRolling(txn, &r); err != nil {
				return err
			}
		}
		return checkCounters(txn, want, &r)
	})
	if err != nil {
		return r, fmt.Errorf("check %s: %w", l.dir, err)
	}
	return r, nil
}

// countedZone is the zone the stored counters were cut in.
func countedZone(txn *badger.Txn, def *time.Location) (*time.Location, error) {
	item, err := txn.Get(metaLocation)
	if err == badger.ErrKeyNotFound {
		return def, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(string(b))
	if err != nil {
		return nil, fmt.Errorf("the counters' zone %q: %w", b, err)
	}
	return loc, nil
}

func checkMembers(txn *badger.Txn, r *CheckReport) (map[string]bool, error) {
	members := map[string]bool{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pMember}, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		id := string(it.Item().Key()[1:])
		var m memberRecord
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &m) }); err != nil {
			r.problem("member %s: the record does not decode: %v", id, err)
			continue
		}
		if m.ID != id {
			r.problem("member %s: the record names %q", id, m.ID)
		}
		members[id] = true
	}
	r.Members = len(members)
	return members, nil
}

// checkEntries reads every entry, checks it stands on its index key and
// member, and a standing one on its rolling index key when rolling is set,
// and returns the counters a recount of them gives.
func checkEntries(ctx context.Context, txn *badger.Txn, loc *time.Location, members map[string]bool, rolling bool, r *CheckReport) (map[string]int, error) {
	want := map[string]int{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if r.Entries%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		key := it.Item().Key()
		if len(key) != 9 {
			r.problem("entry key %x: %d bytes, want 9", key, len(key))
			continue
		}
		at := int64(binary.BigEndian.Uint64(key[1:]))
		r.Entries++
		var e entryRecord
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
			r.problem("entry %s: does not decode: %v", entryID(at), err)
			continue
		}
		if err := quota.CheckMember(e.Member); err != nil || e.Count < quota.MinCount || e.Count > quota.MaxCount || e.Kind == "" {
			r.problem("entry %s: not a valid entry (member %q, kind %q, count %d)", entryID(at), e.Member, e.Kind, e.Count)
			continue
		}
		if !members[e.Member] {
			r.problem("entry %s: its member %s has no record", entryID(at), e.Member)
		}
		if _, err := txn.Get(indexKey(e.Member, at)); err != nil {
			r.problem("entry %s of %s: not in the member's index (%v)", entryID(at), e.Member, err)
		}
		if e.Undone != 0 {
			continue
		}
		r.Standing++
		if rolling {
			if _, err := txn.Get(rollingKey(e.Member, e.Kind, at)); err != nil {
				r.problem("entry %s of %s: not in the rolling index (%v)", entryID(at), e.Member, err)
			}
		}
		recountEntry(want, at, e, loc)
	}
	return want, nil
}

// recountEntry adds a standing entry to the counters of every window
// period it falls in, cut in loc, as the writer's addCounts does.
func recountEntry(counts map[string]int, at int64, r entryRecord, loc *time.Location) {
	if r.Refund {
		return // not a send: no counter holds it
	}
	for _, w := range quota.Windows {
		counts[string(counterKey(w.Period(time.Unix(0, at), loc), r.Member, r.Kind))] += r.Count
	}
}

// checkIndex checks that every index key names an entry of its member.
func checkIndex(txn *badger.Txn, r *CheckReport) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pIndex}})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		key := it.Item().Key()
		member, nanos, ok := bytes.Cut(key[1:], []byte{0})
		if !ok || len(nanos) != 8 {
			r.problem("index key %q is malformed", key)
			continue
		}
		at := int64(binary.BigEndian.Uint64(nanos))
		var e entryRecord
		found, err := getJSON(txn, entryKey(at), &e)
		switch {
		case err != nil:
			r.problem("index of %s names entry %s, which does not decode: %v", member, entryID(at), err)
		case !found:
			r.problem("index of %s names entry %s, which is missing", member, entryID(at))
		case e.Member != string(member):
			r.problem("index of %s names entry %s, which is %s's", member, entryID(at), e.Member)
		}
	}
	return nil
}

// checkCounters compares every stored counter with the recount; a counter
// missing from either side counts as 0.
func checkCounters(txn *badger.Txn, want map[string]int, r *CheckReport) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pCounter}, PrefetchValues: true, PrefetchSize: 1000})
	defer it.Close()
	seen := map[string]bool{}
	for it.Rewind(); it.Valid(); it.Next() {
		key := string(it.Item().Key())
		r.Counters++
		seen[key] = true
		var got int
		if err := it.Item().Value(func(b []byte) error {
			if len(b) != 8 {
				return fmt.Errorf("%d bytes, want 8", len(b))
			}
			got = int(int64(binary.BigEndian.Uint64(b)))
			return nil
		}); err != nil {
			r.problem("counter %s: %v", describeCounter(key), err)
			continue
		}
		if got != want[key] {
			r.problem("counter %s holds %d, the entries add up to %d", describeCounter(key), got, want[key])
		}
	}
	for key, n := range want {
		if !seen[key] && n != 0 {
			r.problem("counter %s is missing, the entries add up to %d", describeCounter(key), n)
		}
	}
	return nil
}

// describeCounter names a counter key for a person: window, period,
// member, kind.
func describeCounter(key string) string {
	if len(key) < 2 {
		return fmt.Sprintf("%q", key)
	}
	parts := bytes.Split([]byte(key[2:]), []byte{0})
	if len(parts) != 3 {
		return fmt.Sprintf("%q", key)
	}
	w := map[byte]string{'d': "day", 'w': "week", 'm': "month"}[key[1]]
	return fmt.Sprintf("%s %s of %s, %s", w, parts[0], parts[1], parts[2])
}
