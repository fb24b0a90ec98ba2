// Package store keeps quota's values durably in Badger: the [Ledger] of
// members, entries and counters, backups and restores, the checks that
// refuse a damaged store and the guard that refuses a full disk. quota
// holds the rules; the ledger applies them inside its transactions and
// holds none of its own.
//
// # The ledger
//
// A [Ledger] records each entry and keeps a counter per member, kind and
// period beside the entries, so that a reply, a team table or a month's
// summary reads a handful of counters rather than every entry. Log, Undo,
// UndoEntry, SetTier, SetCap, RemoveCaps and Pause take an idempotency
// key: the same key again changes nothing and answers as the first time
// did, across restarts.
//
// All writes go through one goroutine that gathers concurrent requests into a
// single Badger transaction with SyncWrites on. One fsync then covers a whole
// group of requests (group commit), no two writers ever conflict, and a busy
// member cannot cause the retry storms that Badger's optimistic transactions
// suffer on a hot key. A call returns only after its write is on disk. The
// writer keeps the counters it committed in a cache that [Ledger.Usage]
// reads without a Badger transaction, so a member sees their own entry at
// once. If a commit ever fails, the ledger takes no more writes
// ([ErrStoreFailed]) until it is opened again, since it can no longer know
// what the disk holds. A full disk is refused before the write instead
// ([ErrDiskFull], disk.go): Badger writes through memory maps and would
// fault, so the ledger keeps a reserve of free space and takes writes
// again by itself once there is room.
//
// A rolling limit (so many over the last 7 days) has no period for a
// counter to hold. The ledger indexes every standing entry by member, kind
// and time, its count beside it, in the transaction that logs it, and
// reads a member's span from there (rolling.go). A store written before
// the index was kept has it built once, at its first open.
//
// The scheduler keeps its outbox here too: one [PostRecord] per scheduled
// post ([Ledger.Post], [Ledger.SetPost]).
//
// Time comes from the clock in [Options]; nothing in this package calls
// time.Now on its own.
package store
