package store

// This file holds backups: the format a backup is written in, Backup,
// which writes one while the ledger is in use, and Restore, which proves a
// file whole before anything of it lands and builds the store beside its
// target. It knows Badger, like store.go.
//
// # The format, version 1
//
//	header   "quotabot backup\n" (16 bytes), the format version (uint32)
//	records  one per key: key length (uvarint, 1 to 65,000), key, value
//	         length (uvarint, at most 16 MiB), value, Badger's user meta
//	         (1 byte), expiry (uvarint, unix seconds; 0 for none)
//	trailer  0 (a key length of zero: no more records), the number of
//	         records and the number of entries, keys 'e' (uint64 each),
//	         the end mark "\xffqbend\xff\n", the whole file's length
//	         (uint64), and the SHA-256 of every byte before it (32 bytes)
//
// Integers are big-endian. The header and the last 48 bytes (end mark,
// length, checksum) are the envelope every later version keeps, so that
// any quotabot can tell a newer backup from a damaged or a truncated one:
// a file whose end is whole (its end mark, or its length, is where the
// envelope says) but whose checksum fails is damaged; one whose end is not
// is cut short.
//
// Our own framing rather than Badger's backup stream: each length is
// checked against what the file holds before anything is allocated, so
// no input can make restore panic (Badger's DB.Load allocates whatever a
// frame's length says, and panics on random bytes), and restore never
// hands Badger bytes it has not parsed.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/proto"
)

const (
	backupMagic   = "quotabot backup\n"
	backupVersion = 1
	backupEndMark = "\xffqbend\xff\n"
	headerLen     = len(backupMagic) + 4
	// envelopeLen is the end mark, the length and the checksum.
	envelopeLen = len(backupEndMark) + 8 + sha256.Size
	// trailerLen is version 1's trailer: the end of the records, the two
	// counts and the envelope.
	trailerLen = 1 + 8 + 8 + envelopeLen
	// maxBackupKey is Badger's own limit on a key.
	maxBackupKey = 65000
	// maxBackupValue is the value log's file size in badgerOptions: no
	// value in a store of ours is longer.
	maxBackupValue = 16 << 20
	// maxStreamFrame bounds a frame of an older quotabot's Badger stream;
	// Badger's Stream sends batches of a few megabytes.
	maxStreamFrame = 256 << 20
)

// Why a file was refused as a backup. A *BackupError matches one of them
// with errors.Is.
var (
	ErrBackupEmpty     = errors.New("empty file")
	ErrNotBackup       = errors.New("not a quotabot backup")
	ErrBackupTruncated = errors.New("backup truncated")
	ErrBackupDamaged   = errors.New("backup damaged")
	ErrBackupNewer     = errors.New("backup format newer than this quotabot")
	// ErrBackupOld: a bare Badger stream, as quotabot wrote before its
	// backups carried a version and a checksum; RestoreOptions.Unverified
	// loads it.
	ErrBackupOld = errors.New("backup from an older quotabot")
)

// BackupError says why a file is not a backup restore can trust.
type BackupError struct {
	File   string // the file's name, or "standard input"
	Kind   error  // ErrBackupEmpty, ErrNotBackup, ErrBackupTruncated, ...
	Reason string // in words, such as "truncated: ends after 1234 bytes"
}

func (e *BackupError) Error() string { return e.File + ": " + e.Reason }

// Unwrap makes errors.Is(err, e.Kind) work.
func (e *BackupError) Unwrap() error { return e.Kind }

func backupErr(file string, kind error, format string, args ...any) error {
	return &BackupError{File: file, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Backup writes a consistent copy of the store to w while the ledger is in
// use, in the format above, in one pass. It reads the store with one
// iterator in one transaction, at one read timestamp: Badger's own
// DB.Backup reads its key ranges on eight goroutines (Stream.NumGo), each
// in a transaction of its own, so a backup taken while members log could
// hold an entry without its index key or its counters. (A Stream with
// NumGo = 1 would be as consistent; one iterator is simpler and lets the
// backup count its entries for the trailer as it goes.)
func (l *Ledger) Backup(ctx context.Context, w io.Writer) error {
	// A block that fails its checksum reads as the end of its table, so a
	// backup of a damaged store would leave out all after it and still
	// prove itself whole: the files are verified first.
	if err := l.damagedErr(); err != nil {
		return fmt.Errorf("backup %s: %w", l.dir, err)
	}
	if err := l.verifyTables(); err != nil {
		return fmt.Errorf("backup %s: %w", l.dir, err)
	}
	txn := l.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	bw := newBackupWriter(w)
	for it.Rewind(); it.Valid(); it.Next() {
		if bw.records%1024 == 0 && ctx.Err() != nil {
			return fmt.Errorf("backup %s: %w", l.dir, ctx.Err())
		}
		item := it.Item()
		err := item.Value(func(v []byte) error {
			return bw.record(item.Key(), v, item.UserMeta(), item.ExpiresAt())
		})
		if err != nil {
			return fmt.Errorf("backup %s: %w", l.dir, err)
		}
	}
	if err := bw.finish(); err != nil {
		return fmt.Errorf("backup %s: %w", l.dir, err)
	}
	return nil
}

// backupWriter writes the format, hashing and counting as it goes.
type backupWriter struct {
	out              io.Writer
	buf              *bufio.Writer // into the hash and out
	sum              hash.Hash
	n                int64
	records, entries uint64
	scratch          []byte
}

func newBackupWriter(w io.Writer) *backupWriter {
	bw := &backupWriter{out: w, sum: sha256.New()}
	bw.buf = bufio.NewWriterSize(io.MultiWriter(w, bw.sum, (*countWriter)(&bw.n)), 64<<10)
	bw.scratch = append([]byte(backupMagic), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(bw.scratch[len(backupMagic):], backupVersion)
	_, _ = bw.buf.Write(bw.scratch) // a failed write shows at the next Flush
	return bw
}

// record writes one key.
func (bw *backupWriter) record(key, value []byte, meta byte, expiresAt uint64) error {
	b := binary.AppendUvarint(bw.scratch[:0], uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	b = append(b, value...)
	b = append(b, meta)
	b = binary.AppendUvarint(b, expiresAt)
	bw.scratch = b
	if _, err := bw.buf.Write(b); err != nil {
		return err
	}
	bw.records++
	if len(key) > 0 && key[0] == pEntry {
		bw.entries++
	}
	return nil
}

// finish writes the trailer.
func (bw *backupWriter) finish() error {
	b := append(bw.scratch[:0], 0)
	b = binary.BigEndian.AppendUint64(b, bw.records)
	b = binary.BigEndian.AppendUint64(b, bw.entries)
	b = append(b, backupEndMark...)
	if _, err := bw.buf.Write(b); err != nil {
		return err
	}
	if err := bw.buf.Flush(); err != nil {
		return err
	}
	b = binary.BigEndian.AppendUint64(b[:0], uint64(bw.n+8+sha256.Size))
	bw.sum.Write(b)
	b = bw.sum.Sum(b)
	_, err := bw.out.Write(b)
	return err
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// backupInfo is what a verified backup holds.
type backupInfo struct {
	version          int // 0: an older quotabot's Badger stream
	records, entries uint64
	sum              []byte // the checksum verified, if any
}

// RestoreOptions change what Restore accepts.
type RestoreOptions struct {
	// Name is what messages call the backup; Restore's default is the
	// file's path, RestoreFrom's "standard input".
	Name string
	// Unverified accepts a backup from an older quotabot, a bare Badger
	// stream with no version, checksum or entry count to prove it whole.
	// It is still read whole before anything lands, built beside the
	// target, and its counters checked against its entries before it
	// moves into place. A backup in today's format is verified all the
	// same.
	Unverified bool
}

// Restored says what a restore loaded.
type Restored struct {
	Version int // the backup's format version; 0 for an older quotabot's
	Records int // keys loaded
	Entries int // entries among them, undone ones included
}

// Restore loads the backup in file into dir, which must be absent or an
// empty directory, and not in use. It verifies the whole file first
// (header, version, trailer, checksum), then builds the store in a new
// directory beside dir, closes it, opens it again and checks it (its
// entry count against the trailer's, every counter against a recount from
// the entries), and only then moves it into place. Any refusal leaves dir
// exactly as it was and nothing beside it; a file that is not a sound
// backup is refused with a *BackupError naming the file and the reason.
func Restore(dir, file string, opts RestoreOptions) (Restored, error) {
	if opts.Name == "" {
		opts.Name = file
	}
	if err := checkTarget(dir); err != nil {
		return Restored{}, err
	}
	f, err := os.Open(file)
	if err != nil {
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	if !st.Mode().IsRegular() {
		// A pipe or a device is read once, so it is spooled like stdin.
		return RestoreFrom(dir, f, opts)
	}
	return restoreFile(dir, f, st.Size(), opts)
}

// RestoreFrom is Restore from a stream, such as standard input. The stream
// is copied to a temporary file in dir's parent directory (created if need
// be), on the same disk as the store will be, and removed afterwards.
func RestoreFrom(dir string, r io.Reader, opts RestoreOptions) (Restored, error) {
	if opts.Name == "" {
		opts.Name = "standard input"
	}
	if err := checkTarget(dir); err != nil {
		return Restored{}, err
	}
	parent, base, err := beside(dir)
	if err != nil {
		return Restored{}, err
	}
	f, err := os.CreateTemp(parent, "."+base+".spool-*")
	if err != nil {
		return Restored{}, fmt.Errorf("restore into %s: %w", dir, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, r)
	if err != nil {
		return Restored{}, fmt.Errorf("restore: reading %s: %w", opts.Name, err)
	}
	return restoreFile(dir, f, n, opts)
}

// restoreFile verifies the backup in src, then builds it beside dir and
// moves it into place.
func restoreFile(dir string, src io.ReaderAt, size int64, opts RestoreOptions) (Restored, error) {
	info, err := verifyBackup(src, size, opts.Name, opts.Unverified)
	if err != nil {
		return Restored{}, fmt.Errorf("restore into %s refused, leaving it as it was: %w", dir, err)
	}
	if err := roomToRestore(dir, size); err != nil {
		return Restored{}, fmt.Errorf("restore into %s refused, leaving it as it was: %w", dir, err)
	}
	if err := build(dir, src, size, info, opts.Name); err != nil {
		return Restored{}, fmt.Errorf("restore into %s refused, leaving it as it was: %w", dir, err)
	}
	return Restored{Version: info.version, Records: int(info.records), Entries: int(info.entries)}, nil
}

// restoreSlack is the room a restore needs beyond twice the backup: the
// memtables' logs and the first tables' pages.
const restoreSlack = 32 << 20

// roomToRestore refuses a restore the disk cannot take. Badger writes
// through memory maps, so running out of room mid-load would kill the
// process (SIGBUS) rather than fail. The store built takes about the
// backup's size in tables, and as much again while compaction writes
// their successors before dropping them.
func roomToRestore(dir string, size int64) error {
	parent, _, err := beside(dir)
	if err != nil {
		return err
	}
	free, err := statfsFree(parent)
	if err != nil {
		return nil // unknown here: the guard is off, as for the ledger
	}
	if need := uint64(2*size) + restoreSlack; free < need {
		return &DiskFullError{Dir: parent, Free: free, Need: need}
	}
	return nil
}

// checkTarget refuses a dir that is not absent or an empty directory.
func checkTarget(dir string) error {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("restore into %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("restore into %s: it is not a directory; restore into a new or empty directory", dir)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("restore into %s: %w", dir, err)
	}
	for _, e := range names {
		if n := e.Name(); n == "MANIFEST" || filepath.Ext(n) == ".sst" || filepath.Ext(n) == ".vlog" {
			return fmt.Errorf("restore into %s: it already holds a store; restore into a new or empty directory", dir)
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("restore into %s: it is not empty (it holds %s); restore into a new or empty directory", dir, names[0].Name())
	}
	return nil
}

// verifyBackup reads the whole backup in r and says what it holds, or
// why it is refused. Nothing is written.
func verifyBackup(r io.ReaderAt, size int64, name string, unverified bool) (backupInfo, error) {
	if size == 0 {
		return backupInfo{}, backupErr(name, ErrBackupEmpty, "empty file")
	}
	head := make([]byte, min(size, int64(headerLen)))
	if _, err := r.ReadAt(head, 0); err != nil {
		return backupInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	n := min(len(head), len(backupMagic))
	switch {
	case string(head[:n]) != backupMagic[:n]:
		return verifyForeign(r, size, name, unverified)
	case len(head) < headerLen:
		return backupInfo{}, truncated(name, size)
	}
	version := binary.BigEndian.Uint32(head[len(backupMagic):])
	sc := &backupScanner{size: size}
	if size >= int64(headerLen+envelopeLen) {
		sc.br = bufio.NewReaderSize(io.TeeReader(io.NewSectionReader(r, 0, size-sha256.Size), sc.hashed()), readBuffer(size))
	}
	whole, sumOK, err := sc.checkSum(r, version == backupVersion)
	switch {
	case err != nil:
		return backupInfo{}, fmt.Errorf("%s: %w", name, err)
	case !sumOK && whole:
		return backupInfo{}, backupErr(name, ErrBackupDamaged, "checksum mismatch: the file is damaged")
	case !sumOK:
		return backupInfo{}, truncated(name, size)
	case version > backupVersion:
		return backupInfo{}, backupErr(name, ErrBackupNewer, "format version %d is newer than this quotabot understands (it reads version %d): restore it with the quotabot that wrote it, or a later one", version, backupVersion)
	case version != backupVersion:
		return backupInfo{}, backupErr(name, ErrNotBackup, "not a quotabot backup: format version %d was never written", version)
	case sc.err != nil:
		return backupInfo{}, backupErr(name, ErrBackupDamaged, "damaged, though its checksum matches: %v", sc.err)
	}
	return sc.info, nil
}

// readBuffer sizes the buffer a backup of size bytes is read through.
func readBuffer(size int64) int { return int(min(size, 64<<10)) }

func truncated(name string, size int64) error {
	return backupErr(name, ErrBackupTruncated, "truncated: ends after %d bytes", size)
}

// verifyForeign is verifyBackup for a file that does not start as a
// backup of today's: a damaged header, an older quotabot's Badger stream,
// or something else.
func verifyForeign(r io.ReaderAt, size int64, name string, unverified bool) (backupInfo, error) {
	if endIsWhole(r, size) {
		return backupInfo{}, backupErr(name, ErrBackupDamaged, "checksum mismatch: the file is damaged (its header is not a quotabot backup's, though its end is)")
	}
	if !looksLikeStream(r, size) {
		return backupInfo{}, backupErr(name, ErrNotBackup, "not a quotabot backup")
	}
	if !unverified {
		return backupInfo{}, backupErr(name, ErrBackupOld, "a backup from an older quotabot: a bare Badger stream, with no version, checksum or entry count to prove it whole")
	}
	info, err := scanStream(r, size, nil)
	if err != nil {
		return backupInfo{}, backupErr(name, ErrBackupDamaged, "damaged older backup (a Badger stream): %v", err)
	}
	return info, nil
}

// endIsWhole says whether the file ends as a backup does: its end mark in
// place, or the length it gives its own. One flipped byte breaks one of
// them at most; a file cut short has neither.
func endIsWhole(r io.ReaderAt, size int64) bool {
	if size < int64(headerLen+envelopeLen) {
		return false
	}
	b := make([]byte, len(backupEndMark)+8)
	if _, err := r.ReadAt(b, size-int64(envelopeLen)); err != nil {
		return false
	}
	return string(b[:len(backupEndMark)]) == backupEndMark ||
		binary.BigEndian.Uint64(b[len(backupEndMark):]) == uint64(size)
}

// backupScanner reads a backup from its first byte up to its checksum,
// hashing what it reads.
type backupScanner struct {
	br   *bufio.Reader // nil: the file is too short to hold a checksum
	sum  hash.Hash
	size int64
	off  int64
	info backupInfo
	err  error // what is wrong with the records, if anything

	key, value []byte // reused from record to record
}

func (sc *backupScanner) hashed() io.Writer {
	sc.sum = sha256.New()
	return sc.sum
}

// checkSum reads everything before the checksum (parsing the records on
// the way when parse is set) and compares the checksum. whole says the end
// is where a backup's end is.
func (sc *backupScanner) checkSum(r io.ReaderAt, parse bool) (whole, sumOK bool, err error) {
	if sc.br == nil {
		return false, false, nil
	}
	if parse {
		sc.err = sc.scan(nil)
	}
	if _, err := io.Copy(io.Discard, sc.br); err != nil {
		return false, false, err
	}
	want := make([]byte, sha256.Size)
	if _, err := r.ReadAt(want, sc.size-sha256.Size); err != nil {
		return false, false, err
	}
	sc.info.sum = want
	return endIsWhole(r, sc.size), bytes.Equal(sc.sum.Sum(nil), want), nil
}

// recordFunc takes one key as a backup holds it. The slices are reused
// after it returns.
type recordFunc func(key, value []byte, meta byte, expiresAt uint64) error

// scan reads a version 1 backup from the header to the length, calling fn
// (if not nil) for each record, and checks the trailer against what it
// read.
func (sc *backupScanner) scan(fn recordFunc) error {
	if _, err := sc.read(&sc.value, headerLen); err != nil {
		return err
	}
	for {
		at := sc.off
		keyLen, err := sc.uvarint(maxBackupKey)
		if err != nil {
			return fmt.Errorf("record %d at byte %d: key length: %w", sc.info.records+1, at, err)
		}
		if keyLen == 0 {
			break
		}
		if err := sc.record(int(keyLen), fn); err != nil {
			return fmt.Errorf("record %d at byte %d: %w", sc.info.records+1, at, err)
		}
	}
	return sc.trailer()
}

// record reads one record whose key is keyLen bytes long.
func (sc *backupScanner) record(keyLen int, fn recordFunc) error {
	key, err := sc.read(&sc.key, keyLen)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	valLen, err := sc.uvarint(maxBackupValue)
	if err != nil {
		return fmt.Errorf("value length: %w", err)
	}
	value, err := sc.read(&sc.value, int(valLen))
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	meta, err := sc.br.ReadByte()
	if err != nil {
		return fmt.Errorf("user meta: %w", sc.eof(err))
	}
	sc.off++
	expires, err := sc.uvarint(1<<63 - 1)
	if err != nil {
		return fmt.Errorf("expiry: %w", err)
	}
	sc.info.records++
	if key[0] == pEntry {
		sc.info.entries++
	}
	if fn != nil {
		return fn(key, value, meta, expires)
	}
	return nil
}

// trailer reads version 1's trailer after the records' end.
func (sc *backupScanner) trailer() error {
	at := sc.off
	b, err := sc.read(&sc.value, trailerLen-1-sha256.Size)
	if err != nil {
		return fmt.Errorf("trailer at byte %d: %w", at, err)
	}
	records, entries := binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	mark, length := string(b[16:16+len(backupEndMark)]), binary.BigEndian.Uint64(b[16+len(backupEndMark):])
	switch {
	case mark != backupEndMark:
		return fmt.Errorf("trailer at byte %d: no end mark", at)
	case length != uint64(sc.size) || sc.off != sc.size-sha256.Size:
		return fmt.Errorf("trailer at byte %d: the file is %d bytes, the trailer says %d", at, sc.size, length)
	case records != sc.info.records:
		return fmt.Errorf("the trailer counts %d records, the file holds %d", records, sc.info.records)
	case entries != sc.info.entries:
		return fmt.Errorf("the trailer counts %d entries, the file holds %d", entries, sc.info.entries)
	}
	sc.info.version = backupVersion
	return nil
}

// read reads n bytes into buf, refusing at once a length the rest of the
// file cannot hold.
func (sc *backupScanner) read(buf *[]byte, n int) ([]byte, error) {
	if int64(n) > sc.size-sc.off {
		return nil, fmt.Errorf("%d bytes, past the end of the file", n)
	}
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := io.ReadFull(sc.br, b); err != nil {
		return nil, sc.eof(err)
	}
	sc.off += int64(n)
	return b, nil
}

func (sc *backupScanner) uvarint(limit uint64) (uint64, error) {
	cr := &countingByteReader{r: sc.br}
	v, err := binary.ReadUvarint(cr)
	sc.off += cr.n
	if err != nil {
		return 0, sc.eof(err)
	}
	if v > limit {
		return 0, fmt.Errorf("%d is over the limit of %d", v, limit)
	}
	return v, nil
}

func (sc *backupScanner) eof(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("ends at byte %d", sc.off)
	}
	return err
}

type countingByteReader struct {
	r io.ByteReader
	n int64
}

func (c *countingByteReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// looksLikeStream says whether the file starts as Badger's backup stream
// does: a little-endian length, then that many bytes that decode as a
// list of keys.
func looksLikeStream(r io.ReaderAt, size int64) bool {
	var head [8]byte
	if size < 9 {
		return false
	}
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return false
	}
	n := binary.LittleEndian.Uint64(head[:])
	if n == 0 || n > uint64(size-8) || n > maxStreamFrame {
		return false
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, 8); err != nil {
		return false
	}
	var list pb.KVList
	return proto.Unmarshal(b, &list) == nil && len(list.Kv) > 0 && len(list.Kv[0].Key) > 0
}

// scanStream reads an older quotabot's backup, a Badger stream, to its
// end, calling fn (if not nil) for each key.
func scanStream(r io.ReaderAt, size int64, fn recordFunc) (backupInfo, error) {
	var info backupInfo
	var head [8]byte
	var buf, prev []byte
	for off := int64(0); off < size; {
		if size-off < 8 {
			return info, fmt.Errorf("truncated: ends after %d bytes, inside a frame's length", size)
		}
		if _, err := r.ReadAt(head[:], off); err != nil {
			return info, err
		}
		n := binary.LittleEndian.Uint64(head[:])
		if n > uint64(size-off-8) || n > maxStreamFrame {
			return info, fmt.Errorf("frame at byte %d: %d bytes, past the end of the file (truncated?)", off, n)
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		if _, err := r.ReadAt(buf[:n], off+8); err != nil {
			return info, err
		}
		var list pb.KVList
		if err := proto.Unmarshal(buf[:n], &list); err != nil {
			return info, fmt.Errorf("frame at byte %d does not decode: %v", off, err)
		}
		if err := streamFrame(&info, &prev, list.Kv, fn); err != nil {
			return info, fmt.Errorf("frame at byte %d: %w", off, err)
		}
		off += 8 + int64(n)
	}
	return info, nil
}

// streamFrame takes the keys of one frame of a Badger stream. The stream
// holds every version of a key, newest first, each with its own Badger
// version (which DB.Load replays): only the newest counts, and a key whose
// newest version is a deletion is left out. prev is the key before.
func streamFrame(info *backupInfo, prev *[]byte, kvs []*pb.KV, fn recordFunc) error {
	const bitDelete = 1 // Badger's value.go
	for _, kv := range kvs {
		if kv.StreamDone {
			continue
		}
		if len(kv.Key) == 0 || len(kv.Key) > maxBackupKey || len(kv.Value) > maxBackupValue {
			return fmt.Errorf("a key of %d bytes with a value of %d", len(kv.Key), len(kv.Value))
		}
		older := bytes.Equal(kv.Key, *prev)
		*prev = append((*prev)[:0], kv.Key...)
		if older || len(kv.Meta) > 0 && kv.Meta[0]&bitDelete != 0 {
			continue
		}
		var meta byte
		if len(kv.UserMeta) > 0 {
			meta = kv.UserMeta[0]
		}
		info.records++
		if kv.Key[0] == pEntry {
			info.entries++
		}
		if fn != nil {
			if err := fn(kv.Key, kv.Value, meta, kv.ExpiresAt); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachRecord reads a verified backup again, calling fn for each record.
func eachRecord(r io.ReaderAt, size int64, info backupInfo, fn recordFunc) error {
	if info.version == 0 {
		_, err := scanStream(r, size, fn)
		return err
	}
	// Hashed again: what is loaded must be what was verified, even if
	// someone writes to the file in between.
	sc := &backupScanner{size: size}
	sc.br = bufio.NewReaderSize(io.TeeReader(io.NewSectionReader(r, 0, size-sha256.Size), sc.hashed()), readBuffer(size))
	if err := sc.scan(fn); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, sc.br); err != nil {
		return err
	}
	if !bytes.Equal(sc.sum.Sum(nil), info.sum) {
		return errors.New("the file changed while it was being restored")
	}
	return nil
}

// beside returns the directory dir is in, created if need be, and dir's
// name in it: the new store and a spooled backup are made there, on the
// same disk, so that a rename moves them into place.
func beside(dir string) (parent, base string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("restore into %s: %w", dir, err)
	}
	parent, base = filepath.Split(abs)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", "", fmt.Errorf("restore into %s: %w", dir, err)
	}
	return parent, base, nil
}

// build loads the backup into a new directory beside dir, checks it, and
// moves it into place. On any failure the new directory is removed.
func build(dir string, src io.ReaderAt, size int64, info backupInfo, name string) (err error) {
	parent, base, err := beside(dir)
	if err != nil {
		return err
	}
	side, err := os.MkdirTemp(parent, "."+base+".restore-*")
	if err != nil {
		return fmt.Errorf("restore into %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(side)
		}
	}()
	var host hostError
	if err := load(side, src, size, info); errors.As(err, &host) {
		return fmt.Errorf("restore into %s: %w", dir, host.err)
	} else if err != nil {
		return backupErr(name, ErrBackupDamaged, "does not load: %v", err)
	}
	if err := checkRestored(side, info); errors.As(err, &host) {
		return fmt.Errorf("restore into %s: %w", dir, host.err)
	} else if err != nil {
		return backupErr(name, ErrBackupDamaged, "does not add up once loaded: %v", err)
	}
	return moveIntoPlace(side, filepath.Join(parent, base))
}

// hostError is a restore's failure that is the host's, not the file's:
// the store could not be opened or closed (a full disk, say, or a zone
// this system does not know). It is never reported as a damaged backup.
type hostError struct{ err error }

func (e hostError) Error() string { return e.err.Error() }

// load writes the backup's records into a new store in dir. A panic in
// the load (Badger's, or a bug here) is a refusal, never a crash: the
// directory is thrown away either way.
func load(dir string, src io.ReaderAt, size int64, info backupInfo) (err error) {
	db, err := openBadger(dir, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return hostError{err}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("loading failed: %v", p)
			func() {
				defer func() { _ = recover() }()
				db.Close()
			}()
			return
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	wb := db.NewWriteBatch()
	err = eachRecord(src, size, info, func(key, value []byte, meta byte, expiresAt uint64) error {
		// The batch keeps what it is given until it commits.
		e := badger.NewEntry(bytes.Clone(key), bytes.Clone(value)).WithMeta(meta)
		e.ExpiresAt = expiresAt
		return wb.SetEntry(e)
	})
	if err != nil {
		wb.Cancel()
		return err
	}
	return wb.Flush()
}

// moveIntoPlace renames the built store side to dir. dir must be absent
// or an empty directory, which is removed first (os.Rename will not
// replace a directory) and put back if the rename fails.
func moveIntoPlace(side, dir string) error {
	st, err := os.Lstat(dir)
	removed := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("restore into %s: %w", dir, err)
	default:
		if err := checkTarget(dir); err != nil {
			return err
		}
		_ = os.Chmod(side, st.Mode().Perm()) // keep the mode the operator gave it
		if err := os.Remove(dir); err != nil {
			return fmt.Errorf("restore into %s: %w", dir, err)
		}
		removed = true
	}
	if err := os.Rename(side, dir); err != nil {
		if removed {
			_ = os.Mkdir(dir, st.Mode().Perm())
		}
		return fmt.Errorf("restore into %s: %w", dir, err)
	}
	return syncDir(filepath.Dir(filepath.Clean(dir)))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !strings.Contains(err.Error(), "invalid argument") {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// checkRestored opens the store built from a backup as any start would
// (its files verified) and holds it to Check: the entries it holds, and
// every counter against a recount of them.
func checkRestored(dir string, info backupInfo) error {
	l, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		return hostError{err}
	}
	r, err := l.Check(context.Background())
	if cerr := l.Close(); err == nil && cerr != nil {
		return hostError{cerr}
	}
	switch {
	case err != nil:
		return err
	case uint64(r.Entries) != info.entries:
		return fmt.Errorf("%d entries loaded, the backup holds %d", r.Entries, info.entries)
	case !r.OK():
		return fmt.Errorf("the restored store disagrees with itself in %d places: %s", r.Found, strings.Join(r.Problems, "; "))
	}
	return nil
}
