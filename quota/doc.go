// Package quota is quotabot's domain: the sending limits a LinkedIn account
// lives under, the members of a team who log what they sent, and the ledger
// that keeps those counts durably in Badger.
//
// # Limits
//
// A [Plan] names the [Tier]s a member can be on (free, premium, and whatever
// the config adds) and, for each tier, the [Limit]s per [Kind] of send. A limit
// applies to a calendar [Window] (a day, an ISO week or a month) in the
// workspace's time zone, so a day runs from local midnight to local midnight
// and is 23 or 25 hours long on a daylight-saving day. Every window of a kind
// applies at once: what a member can still send now is the smallest amount
// left over all of them ([KindUsage.Left]).
//
// # The ledger
//
// A [Ledger] records each [Entry] (who sent how many of what, and when) and
// keeps a counter per member, kind and period beside the entries, so that a
// reply, a team table or a month's summary reads a handful of counters rather
// than every entry. Logging is recorded even over a limit, because the sends
// already happened; the result says by how much.
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
// Time comes from the clock in [Options]; nothing in this package calls
// time.Now on its own.
package quota
