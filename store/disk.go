package store

// A full disk is a refusal, never a crash. Badger writes its memtable log
// (*.mem), its value log (*.vlog) and every table it builds (*.sst)
// through memory maps over files it first stretches, sparse, with
// Truncate: the space is taken only when a page is first written, and on a
// full disk that write is not an error return but SIGBUS, which kills the
// process. So the ledger measures the free space before Badger can need it
// and refuses writes below a reserve (ErrDiskFull), and the tools open a
// store in a way that writes nothing when the disk cannot take an open.
//
// What the next write may need, read from Badger v4.9.6:
//   - the write itself: at most one batch, db.MaxBatchSize() (15% of the
//     memtable), into the memtable's log or the value log;
//   - flushing the memtables to level 0: a table about as big as what
//     their logs hold (pending), written before the log is deleted;
//   - the compactions that can follow: their output is written before
//     their inputs are deleted, and is no bigger than the inputs, which
//     are at most every table there is, plus the new ones once they make
//     level 0 reach NumLevelZeroTables (only then is level 0 compacted);
//   - the first page of a new memtable log, value log or DISCARD slot, and
//     the index and filter of each new table: one base table's worth
//     covers them.
//
// reserve adds these up from the options the store was opened with and
// the sizes on disk now.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// ErrDiskFull: the disk holding the store has less room than the next
// write may need, so the write was refused before it reached the store.
// Unlike ErrStoreFailed this leaves the store's state known, and writes
// are taken again, without a restart, once there is room.
var ErrDiskFull = errors.New("the disk holding quotabot's data is full")

// DiskFullError says how full: it matches ErrDiskFull with errors.Is.
type DiskFullError struct {
	Dir  string
	Free uint64 // bytes free for quotabot
	Need uint64 // bytes the next write, or the open, may need
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("the disk holding %s is full (%s bytes free, need %s)",
		e.Dir, quota.FormatCount(int(e.Free)), quota.FormatCount(int(e.Need)))
}

// Is makes errors.Is(err, ErrDiskFull) work.
func (e *DiskFullError) Is(target error) bool { return target == ErrDiskFull }

// DiskStatus is the free-space guard's latest reading, for metrics.
type DiskStatus struct {
	Known bool   // false for a store in memory, or where free space cannot be read
	Free  uint64 // bytes free on the disk holding the store
	Need  uint64 // the reserve: bytes the next write may need
	Full  bool   // Free < Need: writes are refused
}

// Disk returns the free-space guard's reading, re-read if it is stale
// and the ledger is open.
func (l *Ledger) Disk() DiskStatus {
	if l.disk == nil {
		return DiskStatus{}
	}
	l.closeMu.RLock()
	defer l.closeMu.RUnlock()
	if !l.closed {
		l.disk.ok() // a refusal is in the status
	}
	return l.disk.status()
}

// diskUsage is what the store holds on disk now.
type diskUsage struct {
	tables int64 // every *.sst: the most a compaction can read, and so write
	logs   int64 // space taken by memtable logs (*.mem): what flushes will write
	mems   int   // memtable logs: left by a crash, when the store is closed
	l0     int   // tables in level 0; -1 when the store is not open to ask
}

// reserve is the free space the next write, of at most batch bytes, may
// need with everything it can set off in the background (see the top of
// this file). An open writes no batch: batch 0.
func reserve(o badger.Options, batch int64, u diskUsage) uint64 {
	flush := u.logs + batch
	compaction := u.tables
	if u.l0 < 0 || u.l0+u.mems >= o.NumLevelZeroTables {
		// A table per memtable log can bring level 0 to its compaction
		// (Badger compacts it at NumLevelZeroTables tables, not before).
		compaction += flush
	}
	return uint64(batch + flush + compaction + o.BaseTableSize)
}

// scanDisk sums the store's tables and memtable logs in dir. A memtable
// log is a sparse file stretched to twice the memtable size: only its
// allocated blocks are data a flush will copy.
func scanDisk(dir string) diskUsage {
	u := diskUsage{l0: -1}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return u
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".sst":
			u.tables += info.Size()
		case ".mem":
			u.logs += allocated(info)
			u.mems++
		}
	}
	return u
}

// diskInterval is how long a reading well above the reserve stands before
// the next write reads again. Closer to the line than twice the reserve,
// every write reads again.
const diskInterval = 250 * time.Millisecond

// diskGuard refuses writes while the disk holding the store has less room
// than reserve says the next write may need. A nil guard (a store in
// memory, or opened read-only) refuses nothing.
type diskGuard struct {
	dir   string
	free  func(dir string) (uint64, error)
	db    *badger.DB
	opts  badger.Options
	batch int64
	log   *slog.Logger

	start time.Time    // monotonic base of okUntil
	until atomic.Int64 // nanos after start until which the last reading stands

	mu   sync.Mutex
	st   DiskStatus
	warn bool // the free space could not be read, and that was logged
}

// newDiskGuard returns the guard of a store opened read-write on disk, or
// nil.
func newDiskGuard(dir string, db *badger.DB, opts Options) *diskGuard {
	if opts.InMemory || opts.ReadOnly || db.Opts().ReadOnly {
		return nil
	}
	free := opts.DiskFree
	if free == nil {
		free = statfsFree
	}
	return &diskGuard{dir: dir, free: free, db: db, opts: db.Opts(), batch: db.MaxBatchSize(),
		log: opts.Logger, start: time.Now()}
}

// ok refuses with a *DiskFullError while the disk is full. It reads the
// free space again when the last reading is stale or near the line.
func (g *diskGuard) ok() error {
	if g == nil || time.Since(g.start).Nanoseconds() < g.until.Load() {
		return nil
	}
	return g.read()
}

// fresh is ok with the free space read now.
func (g *diskGuard) fresh() error {
	if g == nil {
		return nil
	}
	return g.read()
}

func (g *diskGuard) status() DiskStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st
}

func (g *diskGuard) read() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	free, err := g.free(g.dir)
	if err != nil {
		// Not knowing is no reason to stop logging.
		if !g.warn {
			g.log.Warn("cannot read the free space: the full-disk guard is off", "dir", g.dir, "err", err)
			g.warn = true
		}
		g.st = DiskStatus{}
		g.until.Store(time.Since(g.start).Nanoseconds() + diskInterval.Nanoseconds())
		return nil
	}
	u := scanDisk(g.dir)
	if levels := g.db.Levels(); len(levels) > 0 {
		u.l0 = levels[0].NumTables
	}
	need := reserve(g.opts, g.batch, u)
	was := g.st
	g.st = DiskStatus{Known: true, Free: free, Need: need, Full: free < need}
	switch {
	case g.st.Full && !was.Full:
		g.log.Error("disk full: refusing writes until there is room", "dir", g.dir, "free", free, "need", need)
	case !g.st.Full && was.Full:
		g.log.Warn("disk has room again: taking writes", "dir", g.dir, "free", free, "need", need)
	}
	if free/2 >= need {
		g.until.Store(time.Since(g.start).Nanoseconds() + diskInterval.Nanoseconds())
	} else {
		g.until.Store(0)
	}
	if g.st.Full {
		return &DiskFullError{Dir: g.dir, Free: free, Need: need}
	}
	return nil
}

// room reports whether the disk can take extra bytes on top of the
// reserve, read now: value-log GC rewrites up to a value-log file.
func (g *diskGuard) room(extra int64) bool {
	if g == nil {
		return true
	}
	if err := g.read(); err != nil {
		return false
	}
	st := g.status()
	return !st.Known || st.Free >= st.Need+uint64(extra)
}

// roomToClose refuses when closing would fault: Badger's Close flushes the
// memtable into a new table. Every entry is in the synced memtable log, so
// a store left unclosed opens as after a crash, with nothing lost.
func (g *diskGuard) roomToClose() error {
	if g == nil {
		return nil
	}
	free, err := g.free(g.dir)
	if err != nil {
		return nil
	}
	if need := reserve(g.opts, 0, diskUsage{logs: scanDisk(g.dir).logs}); free < need {
		return &DiskFullError{Dir: g.dir, Free: free, Need: need}
	}
	return nil
}

// openChecked opens Badger for Open once the disk can take what opening
// writes: a new memtable log and value log, and the flush and compaction
// of what the memtable logs left by a crash hold. On a disk too full for
// that, a store opened for reading that was closed cleanly is opened in
// Badger's read-only mode, which writes nothing; anything else is refused
// with a *DiskFullError. Memtable logs left by a crash are refused even
// read-only: Badger replays them through their memory map, and on tmpfs
// reading a sparse file's hole takes a page too, so the replay itself
// faults on a full disk.
func openChecked(dir string, opts Options) (*badger.DB, error) {
	if opts.InMemory {
		return openBadger(dir, true, opts.Logger)
	}
	free := opts.DiskFree
	if free == nil {
		free = statfsFree
	}
	o := badgerOptions(dir, false, opts.Logger)
	u := scanDisk(dir)
	n, err := free(dir)
	need := reserve(o, 0, u)
	if err != nil || n >= need {
		return openWith(dir, o)
	}
	full := &DiskFullError{Dir: dir, Free: n, Need: need}
	switch {
	case !opts.ReadOnly:
		return nil, full
	case u.mems > 0:
		return nil, fmt.Errorf("%w: it was not shut down cleanly, and reading it means replaying its log, which writes", full)
	}
	return openWith(dir, o.WithReadOnly(true))
}
