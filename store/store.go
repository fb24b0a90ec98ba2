package store

// This file holds the key layout, Badger's options and the encoding of
// records.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// Key layout. One byte says what a key holds; IDs never contain 0x00, so it
// separates variable-length parts and keeps prefixes unambiguous.
//
//	m<member>                          member record (JSON)
//	t<member>\x00<nanos>               tier change (JSON)
//	e<nanos>                           entry (JSON); nanos is the clock's, made unique
//	i<member>\x00<nanos>               index of a member's entries, empty value
//	klog:<key>, kundo:<key>            idempotency key: nanos of the entry it made; expires
//	ktier:<key>                        idempotency key: the member record it left (JSON); expires
//	a<member>\x00<nanos>               cap or pause set or lifted (JSON; caps.go)
//	c<window><period>\x00<member>\x00<kind>   counter, 8 bytes big-endian
//	r<member>\x00<kind>\x00<nanos>     rolling index: a standing entry's count, 8 bytes, negated for a refund (rolling.go)
//	oscheduler/<post>                  a scheduled post's outbox record (post.go)
//	zloc                               zone the counters' periods were cut in
//	zseq                               the newest entry's sequence number, 8 bytes
//	zcreated                           when the store was created (created.go)
//	zrolling                           the rolling index holds every standing entry (rolling.go)
//	zrollingfrom                       while it is built: the nanos of the first entry yet to index, 8 bytes
const (
	pMember  = 'm'
	pTier    = 't'
	pEntry   = 'e'
	pIndex   = 'i'
	pKey     = 'k'
	pCounter = 'c'
	pPost    = 'o'
	pRolling = 'r'
	pChange  = 'a'
)

var metaLocation = []byte("zloc")

// metaSeq holds the sequence number of the newest entry (entryRecord.Seq).
var metaSeq = []byte("zseq")

// keyTTL is how long an idempotency key is remembered. Slack redelivers
// within minutes; a day leaves room for a replayed request.
const keyTTL = 48 * time.Hour

func memberKey(id string) []byte { return append([]byte{pMember}, id...) }

func tierChangeKey(id string, at int64) []byte {
	k := append([]byte{pTier}, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(at))
}

func entryKey(at int64) []byte {
	return binary.BigEndian.AppendUint64([]byte{pEntry}, uint64(at))
}

func indexPrefix(member string) []byte {
	k := append([]byte{pIndex}, member...)
	return append(k, 0)
}

func indexKey(member string, at int64) []byte {
	return binary.BigEndian.AppendUint64(indexPrefix(member), uint64(at))
}

func idemKey(key string) []byte { return append([]byte{pKey}, key...) }

func windowByte(w quota.Window) byte { return "?dwm"[w] }

func counterPrefix(p quota.Period) []byte {
	k := []byte{pCounter, windowByte(p.Window)}
	k = append(k, p.Key()...)
	return append(k, 0)
}

func counterKey(p quota.Period, member string, k quota.Kind) []byte {
	key := append(counterPrefix(p), member...)
	key = append(key, 0)
	return append(key, k...)
}

// postKey is the key of a scheduled post's record. The scheduler named its
// records "scheduler/" and the post when it stored them itself.
func postKey(name string) []byte { return append([]byte{pPost}, "scheduler/"+name...) }

// badgerLogger sends Badger's chatter to slog: its Infof lines are
// debugging detail, its warnings and errors are not.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (b badgerLogger) Infof(f string, a ...any) {
	b.l.Debug("badger: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (b badgerLogger) Debugf(f string, a ...any) {}

// openBadger opens the store, turning Badger's directory-lock failure into
// ErrLocked with the directory named.
func openBadger(dir string, inMemory bool, log *slog.Logger) (*badger.DB, error) {
	return openWith(dir, badgerOptions(dir, inMemory, log))
}

// openWith is openBadger with the options given.
func openWith(dir string, o badger.Options) (*badger.DB, error) {
	db, err := badger.Open(o)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("open %s: %w: another quotabot process holds it", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return db, nil
}

// Records as stored.

type memberRecord struct {
	ID        string    `json:"id"`
	Tier      string    `json:"tier"`
	Enrolled  time.Time `json:"enrolled"`
	TierSetBy string    `json:"tier_set_by,omitempty"`
	TierSetAt time.Time `json:"tier_set_at,omitzero"`
	// Caps and Pause are left out while unset, so a member record from
	// before them reads, and is written, as it was.
	Caps  []capRecord  `json:"caps,omitempty"`
	Pause *pauseRecord `json:"pause,omitempty"`
}

// capRecord is a quota.Cap as stored: its window as the commands write it
// ("day", "7d").
type capRecord struct {
	Kind   quota.Kind `json:"kind"`
	Window string     `json:"window"`
	Max    int        `json:"max"`
	By     string     `json:"by"`
	At     time.Time  `json:"at"`
}

type pauseRecord struct {
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

func (r memberRecord) member() quota.Member {
	m := quota.Member{ID: r.ID, Tier: r.Tier, Enrolled: r.Enrolled, TierSetBy: r.TierSetBy, TierSetAt: r.TierSetAt}
	for _, c := range r.Caps {
		lim, err := quota.ParseLimitWindow(c.Window)
		if err != nil {
			// Only this code writes caps, from windows it parsed; one it
			// cannot read holds nobody rather than failing the open.
			continue
		}
		lim.Max = c.Max
		m.Caps = append(m.Caps, quota.Cap{Kind: c.Kind, Limit: lim, By: c.By, At: c.At})
	}
	if r.Pause != nil {
		m.Pause = &quota.Pause{Reason: r.Pause.Reason, By: r.Pause.By, At: r.Pause.At}
	}
	return m
}

// recordOf is m as stored.
func recordOf(m quota.Member) memberRecord {
	r := memberRecord{ID: m.ID, Tier: m.Tier, Enrolled: m.Enrolled, TierSetBy: m.TierSetBy, TierSetAt: m.TierSetAt}
	for _, c := range m.Caps {
		r.Caps = append(r.Caps, capRecord{Kind: c.Kind, Window: c.Limit.WindowName(), Max: c.Limit.Max, By: c.By, At: c.At.UTC()})
	}
	if m.Pause != nil {
		r.Pause = &pauseRecord{Reason: m.Pause.Reason, By: m.Pause.By, At: m.Pause.At.UTC()}
	}
	return r
}

type entryRecord struct {
	Member string     `json:"u"`
	Kind   quota.Kind `json:"k"`
	Count  int        `json:"n"`
	Note   string     `json:"t,omitempty"`
	Undone int64      `json:"x,omitempty"` // unix nanos
	// Seq orders entries as they were logged, whatever the clock said;
	// 0 in entries written before it was kept.
	Seq uint64 `json:"s,omitempty"`
	// Refund marks credits given back, not sends (quota.Entry.Refund);
	// absent in sends and in every entry written before refunds.
	Refund bool `json:"r,omitempty"`
}

type tierChange struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

func (r entryRecord) entry(at int64) quota.Entry {
	e := quota.Entry{
		ID:     entryID(at),
		At:     time.Unix(0, at).UTC(),
		Member: r.Member,
		Kind:   r.Kind,
		Count:  r.Count,
		Note:   r.Note,
		Refund: r.Refund,
	}
	if r.Undone != 0 {
		e.Undone = time.Unix(0, r.Undone).UTC()
	}
	return e
}

// entryID is an entry's public name: its nanos in hex, which sorts by time.
func entryID(at int64) string { return fmt.Sprintf("%016x", uint64(at)) }

// parseEntryID is the inverse of entryID.
func parseEntryID(id string) (int64, error) {
	var n uint64
	if len(id) != 16 {
		return 0, fmt.Errorf("entry id %q: want 16 hex digits", id)
	}
	if _, err := fmt.Sscanf(id, "%016x", &n); err != nil {
		return 0, fmt.Errorf("entry id %q: %w", id, err)
	}
	return int64(n), nil
}

func getJSON(txn *badger.Txn, key []byte, v any) (bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

func getCount(txn *badger.Txn, key []byte) (int, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("counter %q: %d bytes, want 8", key, len(b))
		}
		n = int(int64(binary.BigEndian.Uint64(b)))
		return nil
	})
	return n, err
}

func countValue(n int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(int64(n))) }
