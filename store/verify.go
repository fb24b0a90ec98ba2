package store

// Checking a store's files before Badger opens them. Badger serves a
// flipped byte in a table as data unless told to verify, opens data files
// without a MANIFEST as a new empty store (and then overwrites them), and
// cuts its write-ahead log at the first bad entry without a word. Each of
// those turns a damaged store into wrong counts, or into a loss made
// permanent by the next write. So before Badger sees a directory, quotabot
// reads it itself, changing nothing, and refuses a store it can tell is
// damaged.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// Verify checks the store in dir as Open does before Badger sees it,
// changing nothing: nil for a sound store or a directory with none, a
// *DamageError naming the file, or ErrLocked while a process holds it.
func Verify(dir string) error { return verifyDir(dir) }

// ErrDamaged says the store's files are damaged: served as they are, they
// would give wrong counts or lose entries.
var ErrDamaged = errors.New("store damaged")

// DamageError names the damaged file and what is wrong with it. It matches
// ErrDamaged.
type DamageError struct {
	Dir    string
	File   string // a name in Dir
	Reason string
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("the store in %s is damaged: %s: %s. Nothing was changed. "+
		"Restore the latest backup into a new directory (quotabot restore --data NEWDIR BACKUP) and run quotabot on that; "+
		"keep %s as it is for inspection",
		e.Dir, e.File, e.Reason, e.Dir)
}

// Is makes errors.Is(err, ErrDamaged) work.
func (e *DamageError) Is(target error) bool { return target == ErrDamaged }

// verifyDir checks the store in dir without changing a byte of it: the
// MANIFEST is there if any data file is and reads whole, every table it
// lists is present with every block's checksum right, and no write-ahead
// log is cut short before entries that were committed. A directory with no
// store in it passes. It holds Badger's directory lock while it reads, so
// it never reads a store a running process is changing; a held lock is
// ErrLocked.
func verifyDir(dir string) error {
	names, err := storeFiles(dir)
	if err != nil || len(names) == 0 {
		return err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	if !slices.Contains(names, badger.ManifestFilename) {
		for _, n := range names {
			if isDataFile(n) {
				return &DamageError{Dir: dir, File: n, Reason: "the store's data files are here but its MANIFEST is missing " +
					"(Badger would start an empty store over them and overwrite them)"}
			}
		}
		return nil
	}
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	if err := verifyTables(dir, m, false); err != nil {
		return err
	}
	for _, n := range names {
		if filepath.Ext(n) == ".mem" {
			if err := verifyLog(dir, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// storeFiles lists dir's entries, none if it does not exist.
func storeFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func isDataFile(name string) bool {
	switch filepath.Ext(name) {
	case ".sst", ".vlog", ".mem":
		return true
	}
	return false
}

// readManifest replays the MANIFEST read-only. A torn last change set is
// ordinary (Badger drops it); a bad magic or checksum is damage.
func readManifest(dir string) (badger.Manifest, error) {
	f, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if err != nil {
		return badger.Manifest{}, fmt.Errorf("open %s: %w", dir, err)
	}
	defer f.Close()
	m, _, err := badger.ReplayManifestFile(f, 0, badger.DefaultOptions(dir))
	if err != nil {
		return badger.Manifest{}, &DamageError{Dir: dir, File: badger.ManifestFilename, Reason: err.Error()}
	}
	return m, nil
}

// verifyFiles verifies every table of a store in use, by its file, as
// verifyDir does before an open. Going through the open store instead
// would skip the blocks in Badger's cache, and with blocks checked as they
// are read its DB.VerifyChecksum dereferences the nil block its read
// returned with the error (table.go, v4.9.6), and panics.
func verifyFiles(dir string) error {
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	return verifyTables(dir, m, true)
}

// verifyTables checks that every table the MANIFEST lists is there and
// that each of its blocks matches its checksum. In a store in use,
// compaction may have deleted a table since the MANIFEST was read: inUse
// skips a missing one.
func verifyTables(dir string, m badger.Manifest, inUse bool) error {
	ids := make([]uint64, 0, len(m.Tables))
	for id := range m.Tables {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		name := table.IDToFilename(id)
		tm := m.Tables[id]
		if tm.KeyID != 0 {
			return &DamageError{Dir: dir, File: name, Reason: "the table is encrypted, and quotabot never encrypts"}
		}
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); inUse && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := verifyTable(path, tm.Compression); err != nil {
			return &DamageError{Dir: dir, File: name, Reason: err.Error()}
		}
	}
	return nil
}

// verifyTable opens one table read-only and verifies every block. Badger's
// table reader trusts the file's offsets, so a damaged index can panic it:
// that is damage too.
func verifyTable(path string, c options.CompressionType) (err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return errors.New("the MANIFEST lists this table but the file is missing")
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("the MANIFEST lists this table but the file is missing")
	}
	if err != nil && !errors.Is(err, z.NewFile) {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the table cannot be read: %v", r)
		}
		// Close, never DecrRef: dropping the last reference deletes the
		// file. With no verification asked of OpenTable, it closes mf
		// only when it cannot stat it; this is the one Close otherwise.
		_ = mf.Close(-1)
	}()
	opts := table.Options{ReadOnly: true, ChkMode: options.NoVerification, BlockSize: 4 << 10, Compression: c}
	t, err := table.OpenTable(mf, opts)
	if err != nil {
		return fmt.Errorf("the table's index: %w", err)
	}
	if err := t.VerifyChecksum(); err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	return nil
}

// Badger's write-ahead log (*.mem): a 20-byte header, then entries of
// meta, user meta, uvarint key length, value length and expiry, key,
// value and a CRC-32C of all of that. A transaction's entries carry
// bitTxn and end with a bitFinTxn entry whose value is its commit
// timestamp. The file is preallocated and zero-filled.
const (
	walHeader = 20
	bitTxn    = 1 << 6
	bitFinTxn = 1 << 7
	// maxWALValue bounds a value in the log: larger ones go to the value
	// log, and badgerOptions keeps ValueThreshold far below this.
	maxWALValue = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// verifyLog reads a write-ahead log as Badger replays it: up to the end of
// the last complete transaction. Past that point there may be the one
// transaction that was being written when the process died, torn (never
// acknowledged: a reply waits for the sync), and then zeros. The writer
// commits one transaction at a time, each synced before the next begins,
// so a later transaction found whole past that point means the log was
// damaged in the middle, and replay would drop acknowledged entries.
func verifyLog(dir, name string) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, name), err)
	}
	stop, lastTs := replayEnd(b)
	torn := lastTs + 1 // the commit timestamp the torn transaction had
	var fins []uint64
	for off := stop; off < len(b); off++ {
		if b[off] == 0 {
			continue
		}
		e, ok := walEntry(b, off)
		if !ok || e.n == 0 || e.meta&bitFinTxn == 0 {
			continue
		}
		ts, ok := e.commitTs()
		if !ok || slices.Contains(fins, ts) {
			continue
		}
		fins = append(fins, ts)
		// With no whole transaction before it, the first may be the torn one.
		if (lastTs != 0 && ts != torn) || len(fins) > 1 {
			return &DamageError{Dir: dir, File: name, Reason: fmt.Sprintf(
				"the write-ahead log is damaged at byte %d, and whole transactions follow it (replay would drop them)", stop)}
		}
	}
	return nil
}

// replayEnd returns the offset just past the last complete transaction,
// where Badger's replay stops, and that transaction's commit timestamp.
func replayEnd(b []byte) (end int, ts uint64) {
	off, valid := walHeader, walHeader
	var txn, last uint64
	for off < len(b) {
		e, ok := walEntry(b, off)
		if !ok || e.n == 0 {
			return valid, last
		}
		switch {
		case e.meta&bitTxn != 0:
			ts := keyTs(e.key)
			if txn == 0 {
				txn = ts
			}
			if ts != txn {
				return valid, last
			}
		case e.meta&bitFinTxn != 0:
			ts, ok := e.commitTs()
			if !ok || ts != txn {
				return valid, last
			}
			txn, valid, last = 0, off+e.n, ts
		default:
			if txn != 0 {
				return valid, last
			}
			valid = off + e.n
		}
		off += e.n
	}
	return valid, last
}

// walRecord is one entry of the write-ahead log.
type walRecord struct {
	meta     byte
	key, val []byte
	n        int // its length in the log; 0 for an all-zero entry, which ends the log
}

// commitTs is the commit timestamp a transaction's last entry carries.
func (e walRecord) commitTs() (uint64, bool) {
	ts, err := strconv.ParseUint(string(e.val), 10, 64)
	return ts, err == nil
}

// walEntry reads a well-formed entry at off whose checksum matches.
func walEntry(b []byte, off int) (walRecord, bool) {
	if off+2 > len(b) {
		return walRecord{}, false
	}
	var lens [3]uint64 // key, value, expiry
	p := off + 2
	for i := range lens {
		v, n := binary.Uvarint(b[p:])
		if n <= 0 {
			return walRecord{}, false
		}
		lens[i], p = v, p+n
	}
	klen, vlen := lens[0], lens[1]
	if klen == 0 {
		return walRecord{}, true
	}
	if klen > 1<<16 || vlen > maxWALValue || uint64(len(b)-p) < klen+vlen+crc32.Size {
		return walRecord{}, false
	}
	end := p + int(klen+vlen)
	if crc32.Checksum(b[off:end], castagnoli) != binary.BigEndian.Uint32(b[end:]) {
		return walRecord{}, false
	}
	return walRecord{meta: b[off], key: b[p : p+int(klen)], val: b[p+int(klen) : end], n: end + crc32.Size - off}, true
}

// keyTs is the version Badger appends to a key: math.MaxUint64 minus the
// last eight bytes, big-endian.
func keyTs(key []byte) uint64 {
	if len(key) < 8 {
		return 0
	}
	return ^binary.BigEndian.Uint64(key[len(key)-8:])
}
