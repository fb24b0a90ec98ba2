package store

import (
	"log/slog"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// badgerOptions tunes Badger for a bot that holds a few megabytes to a
// year of entries, not for the database server its defaults assume (64 MB
// memtables x5, a 256 MB block cache, unbounded index memory). docs/ARCHITECTURE.md §5
// allows 32 MiB idle and 96 MiB under load, at any store size; the figures
// behind each choice are in internal/membench and the commits that set
// them.
func badgerOptions(dir string, inMemory bool, log *slog.Logger) badger.Options {
	// The writer's batches (128 requests, notes up to MaxNote bytes that
	// JSON may escape to six times as many) must stay under 15% of it.
	const memtable = 4 << 20
	if inMemory {
		dir = ""
	}
	opts := badger.DefaultOptions(dir).
		WithInMemory(inMemory).
		// A reply says "logged" only after the entry is on disk.
		WithSyncWrites(true).
		// Each block is checked as it is read from disk (cached blocks
		// were checked then), so a flipped byte is never decoded as data.
		// Badger does not report it either: a read skips the block's
		// table, so the key reads as missing. Damage is refused by
		// verifyDir at open and found by verifyTables each day.
		WithChecksumVerificationMode(options.OnBlockRead).
		WithMemTableSize(memtable).
		WithNumMemtables(2).
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(8).
		// Compaction builds up to 8 tables at once, plus one per
		// subcompaction, each in a builder that holds the table both
		// uncompressed and compressed (the table size counts compressed
		// bytes, so that is several times the size) and, at its end, a
		// 3 MB index buffer: small tables of one size at every level
		// (TableSizeMultiplier below) keep that heap small.
		WithBaseTableSize(128 << 10).
		// ZSTD tables are smaller than Snappy's: less to map, to read
		// back when merging, and to hold on disk (see compression).
		WithCompression(compression(inMemory)).
		// Badger requires a block cache for compressed tables. There is
		// no index cache: without encryption a table's index is read in
		// place from its map, and an index cache would never be used.
		WithBlockCacheSize(4 << 20).
		WithValueLogFileSize(16 << 20).
		// Values are small records; keeping them in the LSM tree spares
		// value-log reads. Must stay under 15% of the memtable.
		WithValueThreshold(4 << 10).
		// Badger's minimum: one compactor kept for level 0, one for the rest.
		WithNumCompactors(2).
		// Every write goes through the ledger's single writer goroutine,
		// so there is nothing for conflict detection to find.
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithLogger(badgerLogger{log})
	opts.TableSizeMultiplier = 1 // no With method for it
	return opts
}

// compression is ZSTD on disk. A store in memory (tests) gets none: it has
// no disk to spare, and Badger's ZSTD shares one encoder across the process,
// whose channels belong to the synctest bubble that first used it, so a
// second bubble's store would crash the test binary.
func compression(inMemory bool) options.CompressionType {
	if inMemory {
		return options.None
	}
	return options.ZSTD
}
