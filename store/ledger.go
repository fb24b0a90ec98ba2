package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// Options configure a Ledger.
type Options struct {
	Plan     quota.Plan     // zero value: quota.DefaultPlan()
	Location *time.Location // nil: UTC
	// Now is the clock; nil means time.Now. Tests set it.
	Now    func() time.Time
	Logger *slog.Logger // nil: discard
	// InMemory keeps everything in memory, for tests where durability is not
	// the point; dir is then ignored.
	InMemory bool
	// ReadOnly opens the ledger for export and backup: changes are refused
	// with ErrReadOnly, and counters cut in another time zone than
	// Location are left as they are rather than recounted, so a tool run
	// with another config than the bot's leaves the store as it found it.
	// Entries, History and Backup read the same either way; Usage and
	// Summary are only right in the zone the counters were cut in.
	// Badger itself is opened read-write: its own read-only mode refuses
	// a store a crash left with an unflushed memtable ("log truncate
	// required"), which is when a backup matters most.
	ReadOnly bool
	// DiskFree returns the bytes free on the disk holding dir; nil reads
	// them with statfs. Tests set it to make a disk full.
	DiskFree func(dir string) (uint64, error)
	// indexChunk and indexPace are how many entries a chunk of a
	// background build of the rolling index takes, and the least time
	// between chunks; zero: the consts of those names. Tests change them.
	indexChunk int
	indexPace  time.Duration
}

// Ledger is the durable record of members, entries and counters. It is safe
// for concurrent use.
type Ledger struct {
	db   *badger.DB
	dir  string
	plan quota.Plan
	loc  *time.Location
	now  func() time.Time
	log  *slog.Logger

	// members caches every member record; the writer updates it after each
	// commit, so readers never wait on the store for it.
	mu      sync.RWMutex
	members map[string]quota.Member

	ops      chan *op
	closeMu  sync.RWMutex
	closed   bool
	done     chan struct{} // closed when the writer has exited
	stopGC   chan struct{}
	gcDone   chan struct{}
	readOnly bool
	// broken holds the error of a commit that failed; from then on the
	// ledger takes no writes (see commit).
	broken   atomic.Pointer[error]
	lastNano int64 // writer-owned: the newest entry's nanos
	lastNow  int64 // writer-owned: the clock when it last dated an entry
	// takenFrom and takenTo are writer-owned: every nanos in [takenFrom,
	// takenTo) is known taken, so a clock that keeps reading one instant
	// (or reads again over a stretch it already filled) does not probe
	// every entry there anew (newEntryNanos).
	takenFrom, takenTo int64
	seq                uint64 // writer-owned: the newest entry's Seq
	// lastChange is writer-owned: the nanos of the newest member-change
	// record this process wrote, so that two in one instant both stay
	// (caps.go).
	lastChange int64
	// clockBack counts the times the clock read earlier than it had.
	clockBack atomic.Int64
	// damaged holds a *DamageError once a check of the running store
	// has found one; from then on the ledger takes no writes.
	damaged atomic.Pointer[error]
	counts  *counterCache
	created time.Time // see Created
	// rollingFrom is the read timestamp from which a transaction sees the
	// whole rolling index (indexed): 0 for a store whose index was whole
	// at open, math.MaxUint64 until a background build is done, and for
	// good in a store opened read-only before one (rolling.go).
	rollingFrom atomic.Uint64
	// buildStop and buildDone stop and await the background build of the
	// rolling index; nil when there is none.
	buildStop, buildDone chan struct{}
	buildFrom            int64 // where the build begins (metaRollingFrom)
	// commitTxn commits a batch; tests put a failing disk in front of it.
	commitTxn func(*badger.Txn) error
	disk      *diskGuard // refuses writes while the disk is full (disk.go)
	pageout   *pager     // pages out the table mappings (pageout_linux.go)
}

// Open opens (creating if need be) the ledger in dir. A directory another
// process holds fails at once with ErrLocked, naming the directory; a
// store whose files are damaged is refused with a *DamageError, before
// Badger has changed any of them (see verifyDir).
func Open(dir string, opts Options) (*Ledger, error) {
	if opts.Plan.Tiers == nil {
		opts.Plan = quota.DefaultPlan()
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if !opts.InMemory {
		// First, so that data files without their MANIFEST are named
		// as damage, not taken for a directory with no store.
		if err := verifyDir(dir); err != nil {
			return nil, err
		}
	}
	switch {
	case opts.InMemory:
	case opts.ReadOnly:
		// Opening a directory without a store would make one, and a
		// directory with a store in it cannot be restored into.
		if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w", dir, ErrNoStore)
		}
	default:
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open ledger: %w", err)
		}
	}
	db, err := openChecked(dir, opts)
	if err != nil {
		return nil, err
	}
	l := &Ledger{
		disk:      newDiskGuard(dir, db, opts),
		db:        db,
		dir:       dir,
		plan:      opts.Plan,
		loc:       opts.Location,
		now:       opts.Now,
		log:       opts.Logger,
		members:   map[string]quota.Member{},
		counts:    newCounterCache(),
		readOnly:  opts.ReadOnly,
		commitTxn: (*badger.Txn).Commit,
		ops:       make(chan *op, 1024),
		done:      make(chan struct{}),
		stopGC:    make(chan struct{}),
		gcDone:    make(chan struct{}),
	}
	err = l.load()
	if err == nil {
		err = l.loadCreated()
	}
	if err == nil {
		err = l.buildRolling()
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	go l.writer()
	if l.buildDone != nil {
		go l.indexInBackground(cmp.Or(opts.indexChunk, indexChunk), cmp.Or(opts.indexPace, indexPace))
	}
	go l.gcLoop(opts.InMemory || opts.ReadOnly)
	l.pageout = startPageout(dir, opts.InMemory)
	return l, nil
}

// load reads the member records and the newest entry, and recounts the
// counters if they were cut in another time zone than the one configured.
func (l *Ledger) load() error {
	var zone string
	err := l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pMember}, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r memberRecord
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
				return fmt.Errorf("member %q: %w", it.Item().Key()[1:], err)
			}
			l.members[r.ID] = r.member()
		}
		it.Close()

		rev := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, Reverse: true})
		defer rev.Close()
		rev.Seek([]byte{pEntry, 0xff})
		if rev.Valid() {
			l.lastNano = int64(binary.BigEndian.Uint64(rev.Item().Key()[1:]))
		}
		if item, err := txn.Get(metaSeq); err == nil {
			if err := item.Value(func(b []byte) error {
				if len(b) != 8 {
					return fmt.Errorf("sequence: %d bytes, want 8", len(b))
				}
				l.seq = binary.BigEndian.Uint64(b)
				return nil
			}); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		item, err := txn.Get(metaLocation)
		if err == nil {
			b, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			zone = string(b)
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.lastNow = l.lastNano
	if newest := time.Unix(0, l.lastNano); l.lastNano != 0 && l.now().Before(newest) {
		l.log.Warn("the newest entry is dated after the clock's now: was the clock set back?", "newest", newest.UTC(), "now", l.now().UTC())
	}
	if zone != l.loc.String() && !l.readOnly {
		if zone != "" {
			l.log.Warn("time zone changed: recounting every period", "from", zone, "to", l.loc.String())
		}
		return l.recount()
	}
	return nil
}

// recount rebuilds every counter from the entries that stand, with periods
// cut in the configured zone. It runs at open, before the writer starts.
func (l *Ledger) recount() error {
	counts := map[string]int{}
	err := l.db.View(func(txn *badger.Txn) error {
		return eachStanding(txn, func(at int64, r entryRecord) error {
			recountEntry(counts, at, r, l.loc)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	if err := l.db.DropPrefix([]byte{pCounter}); err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	wb := l.db.NewWriteBatch()
	defer wb.Cancel()
	for k, n := range counts {
		if err := wb.Set([]byte(k), countValue(n)); err != nil {
			return fmt.Errorf("recount: %w", err)
		}
	}
	if err := wb.Set(metaLocation, []byte(l.loc.String())); err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("recount: %w", err)
	}
	return nil
}

// eachStanding calls fn with every standing entry in txn's view, oldest
// first, until fn fails.
func eachStanding(txn *badger.Txn, fn func(at int64, r entryRecord) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		at := int64(binary.BigEndian.Uint64(it.Item().Key()[1:]))
		var r entryRecord
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
			return fmt.Errorf("entry %s: %w", entryID(at), err)
		}
		if r.Undone != 0 {
			continue
		}
		if err := fn(at, r); err != nil {
			return err
		}
	}
	return nil
}

// gcLoop reclaims value-log space now and then; values rarely go there (see
// badgerOptions), so this is cheap and mostly finds nothing to do. A store
// in memory or opened read-only has nothing for it (idle).
func (l *Ledger) gcLoop(idle bool) {
	defer close(l.gcDone)
	if idle {
		<-l.stopGC
		return
	}
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	verify := time.NewTicker(verifyEvery)
	defer verify.Stop()
	for {
		select {
		case <-l.stopGC:
			return
		case <-t.C:
			// GC rewrites what stands of a value-log file.
			for l.disk.room(l.db.Opts().ValueLogFileSize) && l.db.RunValueLogGC(0.5) == nil {
			}
		case <-verify.C:
			_ = l.verifyTables() // it keeps and logs what it finds
		}
	}
}

// verifyEvery is how often the running bot verifies every table's
// checksums: about a second per million entries.
const verifyEvery = 24 * time.Hour

// verifyTables checks every table's checksums while the store is in use.
// Open verified them all; this finds a byte that went bad since, on disk
// or in a table written since. Badger cannot be trusted to report one
// when it reads: a block whose checksum fails reads as a missing key (its
// levelHandler.get skips a table whose iterator is not valid), so a
// damaged table would serve wrong counts or, merged by compaction, lose
// its keys for good. A damaged store takes no more writes and fails
// Ping, until it is restored.
func (l *Ledger) verifyTables() error {
	if l.db.Opts().InMemory {
		return nil
	}
	err := verifyFiles(l.dir)
	if err == nil {
		return nil
	}
	l.damaged.Store(&err)
	l.log.Error("the store is damaged: refusing writes", "dir", l.dir, "err", err)
	return err
}

// damagedErr returns the damage a check of the running store found, if any.
func (l *Ledger) damagedErr() error {
	if p := l.damaged.Load(); p != nil {
		return *p
	}
	return nil
}

// Close waits for pending writes, then closes the store. Calls after Close
// return ErrClosed.
func (l *Ledger) Close() error {
	l.closeMu.Lock()
	if l.closed {
		l.closeMu.Unlock()
		return ErrClosed
	}
	l.closed = true
	if l.buildDone != nil {
		// The build may be waiting on the writer: let it finish its
		// chunk before the writer stops.
		l.closeMu.Unlock()
		close(l.buildStop)
		<-l.buildDone
		l.closeMu.Lock()
	}
	close(l.ops)
	l.closeMu.Unlock()
	<-l.done
	close(l.stopGC)
	<-l.gcDone
	l.pageout.Stop()
	if err := l.disk.roomToClose(); err != nil {
		// Badger's Close would fault flushing the memtable; its synced
		// log holds every entry, so leave the store as a crash would.
		l.log.Error("disk full: leaving the store unclosed; it opens as after a crash, nothing lost", "err", err)
		return fmt.Errorf("close %s: %w", l.dir, err)
	}
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", l.dir, err)
	}
	return nil
}

// ClockStepsBack counts the times the clock has read earlier than it did
// for the entry before, since the ledger was opened.
func (l *Ledger) ClockStepsBack() int64 { return l.clockBack.Load() }

// Plan returns the ledger's plan.
func (l *Ledger) Plan() quota.Plan { return l.plan }

// Location returns the zone windows are computed in.
func (l *Ledger) Location() *time.Location { return l.loc }

// Now returns the ledger clock's time in the ledger's location.
func (l *Ledger) Now() time.Time { return l.now().In(l.loc) }

// LogRequest asks the ledger to record sends that already happened.
type LogRequest struct {
	Member string
	Kind   quota.Kind
	Count  int
	Note   string
	// Key makes the request idempotent: a second request with the same key
	// (a redelivered Slack command carries the same trigger_id) records
	// nothing and returns the first one's entry. Empty means no key.
	Key string
	// Refund gives Count credits of Kind back rather than recording
	// sends: refused unless the member's tier pays for Kind in credits,
	// and above what may be given back (*quota.RefundError).
	Refund bool
}

// LogResult is what a Log did.
type LogResult struct {
	Entry quota.Entry
	// Duplicate is set when the key had been seen: nothing new was recorded.
	Duplicate bool
	// Usage is the member's use of the entry's kind just after it.
	Usage quota.KindUsage
	// Pause is the member's pause, if an admin has paused them: the send
	// is recorded all the same, and the reply says so.
	Pause *quota.Pause
}

// Log records sends that already happened, enrolling the member on first
// use. It returns only once the entry is on disk. A count outside
// MinCount..MaxCount (ErrBadCount), a kind the plan does not know
// (ErrUnknownKind) or the member's tier lacks (*NoKindError) is refused and
// nothing is written. Going over a limit is recorded; see LogResult.Usage.
func (l *Ledger) Log(ctx context.Context, req LogRequest) (LogResult, error) {
	if err := quota.CheckMember(req.Member); err != nil {
		return LogResult{}, fmt.Errorf("log: %w", err)
	}
	if err := l.plan.CheckLog(req.Kind, req.Count, req.Note); err != nil {
		return LogResult{}, fmt.Errorf("log: %w", err)
	}
	w := &logWrite{req: req}
	if err := l.submit(ctx, w); err != nil {
		return LogResult{}, fmt.Errorf("log for %s: %w", req.Member, err)
	}
	return w.res, nil
}

// Undo takes back the member's newest standing entry of the last 24 hours.
// It returns the entry as it now stands (Undone set), or ErrNothingToUndo.
// A non-empty key makes it idempotent like Log's: a repeat returns the same
// entry.
func (l *Ledger) Undo(ctx context.Context, member, key string) (quota.Entry, error) {
	if err := quota.CheckMember(member); err != nil {
		return quota.Entry{}, fmt.Errorf("undo: %w", err)
	}
	w := &undoWrite{member: member, key: key}
	if err := l.submit(ctx, w); err != nil {
		return quota.Entry{}, fmt.Errorf("undo for %s: %w", member, err)
	}
	return w.res, nil
}

// UndoEntry takes back one given entry of the member's, if it stands and
// was logged in the last 24 hours; an Undo button names its entry so a late
// press cannot take back a newer one. An ID that names no entry of the
// member's is ErrNoSuchEntry; one taken back already or older than 24
// hours, ErrNothingToUndo.
func (l *Ledger) UndoEntry(ctx context.Context, member, id, key string) (quota.Entry, error) {
	at, err := parseEntryID(id)
	if err != nil || at == 0 { // 0 would read as "the newest entry"
		return quota.Entry{}, fmt.Errorf("undo: %w", quota.ErrNoSuchEntry)
	}
	if err := quota.CheckMember(member); err != nil {
		return quota.Entry{}, fmt.Errorf("undo: %w", err)
	}
	w := &undoEntryWrite{member: member, key: key, at: at}
	if err := l.submit(ctx, w); err != nil {
		return quota.Entry{}, fmt.Errorf("undo %s for %s: %w", id, member, err)
	}
	return w.res, nil
}

// Member returns the member, enrolled or not: one never seen reads as on
// the default tier.
func (l *Ledger) Member(ctx context.Context, id string) (quota.Member, error) {
	if err := quota.CheckMember(id); err != nil {
		return quota.Member{}, err
	}
	l.mu.RLock()
	m, ok := l.members[id]
	l.mu.RUnlock()
	if !ok {
		m = quota.Member{ID: id, Tier: l.plan.DefaultTier}
	}
	return m, nil
}

// Members returns every enrolled member, by ID.
func (l *Ledger) Members() []quota.Member {
	l.mu.RLock()
	ms := slices.Collect(maps.Values(l.members))
	l.mu.RUnlock()
	slices.SortFunc(ms, func(a, b quota.Member) int { return strings.Compare(a.ID, b.ID) })
	return ms
}

// MemberCount returns how many members are enrolled.
func (l *Ledger) MemberCount() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.members)
}

// SetTierRequest asks the ledger to put a member on a tier.
type SetTierRequest struct {
	Member string
	Tier   string // a tier of the plan, in any case
	By     string // who set it
	// Key makes the request idempotent like LogRequest's: a second request
	// with the same key (a redelivered command or menu choice) changes
	// nothing and returns the member as the first one left them, even
	// after a later change or a restart. Empty means no key.
	Key string
}

// SetTier puts a member on a tier, recording who did it and when,
// enrolling the member if need be. Permission is the caller's business.
func (l *Ledger) SetTier(ctx context.Context, req SetTierRequest) (quota.Member, error) {
	if err := quota.CheckMember(req.Member); err != nil {
		return quota.Member{}, fmt.Errorf("set tier: %w", err)
	}
	t, err := l.plan.ParseTier(req.Tier)
	if err != nil {
		return quota.Member{}, fmt.Errorf("set tier for %s: %w", req.Member, err)
	}
	req.Tier = t.Name
	w := &setTierWrite{req: req}
	if err := l.submit(ctx, w); err != nil {
		return quota.Member{}, fmt.Errorf("set tier for %s: %w", req.Member, err)
	}
	return w.res, nil
}

// Usage returns the member's standing now, for every kind of their tier.
// Its counters are read from the counter cache when that holds every one
// needed; what was sent over a rolling span is read from the rolling
// index in a transaction that sees what the cache holds (readQuiet), so
// the two agree to the entry.
func (l *Ledger) Usage(ctx context.Context, member string) (quota.Usage, error) {
	m, err := l.Member(ctx, member)
	if err != nil {
		return quota.Usage{}, fmt.Errorf("usage: %w", err)
	}
	now := l.Now()
	var u quota.Usage
	if !l.plan.Tier(m.Tier).WithCaps(m.Caps).ReadsSent() {
		err = l.counts.read(func(count func([]byte) (int, error)) error {
			u, err = l.usage(m, now, count, nil)
			return err
		})
		if err == nil {
			return u, nil
		}
	} else if seq, ok := l.counts.quiet(); ok {
		err = l.db.View(func(txn *badger.Txn) error {
			return l.counts.readQuiet(seq, func(count func([]byte) (int, error)) error {
				u, err = l.usage(m, now, count, l.sentIn(txn, m.ID))
				return err
			})
		})
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, errNotCached) {
			return quota.Usage{}, fmt.Errorf("usage of %s: %w", member, err)
		}
	}
	seq := l.counts.version()
	err = l.db.View(func(txn *badger.Txn) error {
		u, err = l.usage(m, now, txnCount(txn), l.sentIn(txn, m.ID))
		return err
	})
	if err != nil {
		return quota.Usage{}, fmt.Errorf("usage of %s: %w", member, err)
	}
	l.counts.fill(seq, now, usageCounts(u))
	return u, nil
}

// TeamUsage returns every enrolled member's standing now, by member ID.
func (l *Ledger) TeamUsage(ctx context.Context) ([]quota.Usage, error) {
	members := l.Members()
	now := l.Now()
	out := make([]quota.Usage, 0, len(members))
	seq := l.counts.version()
	err := l.db.View(func(txn *badger.Txn) error {
		count := txnCount(txn)
		for i, m := range members {
			if i%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			u, err := l.usage(m, now, count, l.sentIn(txn, m.ID))
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("team usage: %w", err)
	}
	l.counts.fill(seq, now, usageCounts(out...))
	return out, nil
}

// txnCount reads counters from a Badger transaction.
func txnCount(txn *badger.Txn) func([]byte) (int, error) {
	return func(key []byte) (int, error) { return getCount(txn, key) }
}

// usageCounts returns the counters behind standings, for the cache.
func usageCounts(us ...quota.Usage) map[string]cachedCount {
	out := map[string]cachedCount{}
	for _, u := range us {
		for _, ku := range u.Kinds {
			for _, w := range ku.Windows {
				out[string(counterKey(w.Period, u.Member.ID, ku.Kind))] = cachedCount{n: w.Used, end: w.Period.End().UnixNano()}
			}
		}
	}
	return out
}

// usage builds m's standing at now, reading each counter with count and
// what m sent over a rolling span with sent.
func (l *Ledger) usage(m quota.Member, now time.Time, count func([]byte) (int, error), sent func(quota.Kind, time.Time) ([]quota.Sent, error)) (quota.Usage, error) {
	return l.plan.Usage(m, now, l.loc, func(k quota.Kind, p quota.Period) (int, error) {
		return count(counterKey(p, m.ID, k))
	}, sent)
}

// sentIn reads what member sent over a rolling span from txn.
func (l *Ledger) sentIn(txn *badger.Txn, member string) func(quota.Kind, time.Time) ([]quota.Sent, error) {
	return func(k quota.Kind, since time.Time) ([]quota.Sent, error) { return l.txnSent(txn, member, k, since) }
}

// History returns the member's newest n entries, newest first, undone
// ones included (marked).
func (l *Ledger) History(ctx context.Context, member string, n int) ([]quota.Entry, error) {
	if err := quota.CheckMember(member); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	var out []quota.Entry
	err := l.db.View(func(txn *badger.Txn) error {
		return l.walk(txn, member, func(e quota.Entry) bool {
			if len(out) >= n {
				return false
			}
			out = append(out, e)
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", member, err)
	}
	return out, nil
}

// walk visits the member's entries newest first until visit returns false.
func (l *Ledger) walk(txn *badger.Txn, member string, visit func(quota.Entry) bool) error {
	return walkAt(txn, member, func(at int64) (bool, error) {
		var r entryRecord
		ok, err := getJSON(txn, entryKey(at), &r)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, fmt.Errorf("index names entry %s that is missing", entryID(at))
		}
		return visit(r.entry(at)), nil
	})
}

// walkAt visits the nanos of the member's entries in txn's view, newest
// first, until visit returns false or an error.
func walkAt(txn *badger.Txn, member string, visit func(at int64) (bool, error)) error {
	prefix := indexPrefix(member)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
	defer it.Close()
	// Reverse iteration starts at the last key at or before the seek key;
	// 0xff past the prefix is after every entry's nanos.
	for it.Seek(append(slices.Clone(prefix), 0xff)); it.Valid(); it.Next() {
		more, err := visit(int64(binary.BigEndian.Uint64(it.Item().Key()[len(prefix):])))
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Entries yields the standing entries logged in [from, to), oldest first.
// It reads only the entries in that range. A zero to means no end.
func (l *Ledger) Entries(ctx context.Context, from, to time.Time) iter.Seq2[quota.Entry, error] {
	return func(yield func(quota.Entry, error) bool) {
		txn := l.db.NewTransaction(false)
		defer txn.Discard()
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		var end []byte
		if !to.IsZero() {
			end = entryKey(to.UnixNano())
		}
		start := entryKey(max(from.UnixNano(), 0))
		for it.Seek(start); it.Valid(); it.Next() {
			key := it.Item().Key()
			if end != nil && bytes.Compare(key, end) >= 0 {
				return
			}
			if err := ctx.Err(); err != nil {
				yield(quota.Entry{}, err)
				return
			}
			at := int64(binary.BigEndian.Uint64(key[1:]))
			var r entryRecord
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
				yield(quota.Entry{}, fmt.Errorf("entry %s: %w", entryID(at), err))
				return
			}
			if r.Undone != 0 {
				continue
			}
			if !yield(r.entry(at), nil) {
				return
			}
		}
	}
}

// Summary returns the team's use over period p (a Day or Month period
// usually), with each member's limits for that window under the tier they
// are on now.
func (l *Ledger) Summary(ctx context.Context, p quota.Period) (quota.Summary, error) {
	p = p.Window.Period(p.Start, l.loc)
	used := map[string]map[quota.Kind]int{}
	totals := map[quota.Kind]int{}
	prefix := counterPrefix(p)
	err := l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 1000})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			rest := it.Item().Key()[len(prefix):]
			member, kind, ok := bytes.Cut(rest, []byte{0})
			if !ok {
				return fmt.Errorf("counter key %q is malformed", it.Item().Key())
			}
			var n int
			err := it.Item().Value(func(b []byte) error {
				n = int(int64(binary.BigEndian.Uint64(b)))
				return nil
			})
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			m := string(member)
			if used[m] == nil {
				used[m] = map[quota.Kind]int{}
			}
			used[m][quota.Kind(kind)] = n
			totals[quota.Kind(kind)] += n
		}
		return nil
	})
	if err != nil {
		return quota.Summary{}, fmt.Errorf("summary of %s: %w", p.Key(), err)
	}
	s := quota.Summary{Period: p, Totals: totals, Members: make([]quota.MemberSummary, 0, len(used))}
	ids := slices.Sorted(maps.Keys(used))
	for _, id := range ids {
		m, _ := l.Member(ctx, id)
		ms := l.plan.MemberSummary(m, p.Window, used[id])
		s.Members = append(s.Members, ms)
	}
	if p.Window == quota.Month {
		if s.Credits, err = l.creditAccounts(ctx, p); err != nil {
			return quota.Summary{}, fmt.Errorf("summary of %s: %w", p.Key(), err)
		}
	}
	return s, nil
}

// creditAccounts is the account over p of every member on a tier that
// pays a kind in credits, by member ID, then kind: one seek into the
// rolling index per member and kind.
func (l *Ledger) creditAccounts(ctx context.Context, p quota.Period) ([]quota.CreditAccount, error) {
	var out []quota.CreditAccount
	err := l.db.View(func(txn *badger.Txn) error {
		for i, m := range l.Members() {
			if i%256 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			tier := l.plan.Tier(m.Tier)
			for _, k := range l.plan.Kinds() {
				if _, ok := tier.Credits[k]; !ok {
					continue
				}
				ss, err := l.txnSent(txn, m.ID, k, m.TierStart())
				if err != nil {
					return err
				}
				if a, ok := tier.Account(m, k, p, quota.CreditMoves(ss), l.loc); ok {
					out = append(out, a)
				}
			}
		}
		return nil
	})
	return out, err
}

// Ping reports whether the store answers and takes writes, for health
// checks: ErrDiskFull while the disk is too full to take them.
func (l *Ledger) Ping() error {
	l.closeMu.RLock()
	defer l.closeMu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	if err := l.brokenErr(); err != nil {
		return err
	}
	if err := l.damagedErr(); err != nil {
		return err
	}
	if err := l.disk.fresh(); err != nil {
		return err
	}
	return l.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(metaLocation)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
}

// brokenErr returns ErrStoreFailed, with the failure, once a commit has
// failed.
func (l *Ledger) brokenErr() error {
	if p := l.broken.Load(); p != nil {
		return fmt.Errorf("%w: %w", ErrStoreFailed, *p)
	}
	return nil
}
