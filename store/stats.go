package store

// LevelStats is one level of the store's log-structured merge tree, as
// Badger reports it: an operator watches level 0 (tables waiting for
// compaction; writes stall when it fills) and the total on disk.
type LevelStats struct {
	Level  int
	Tables int
	Bytes  int64 // the tables' size on disk
	// TargetBytes is the size past which Badger compacts the level into
	// the next one.
	TargetBytes int64
}

// Levels reports the store's levels, level 0 first. A closed ledger has
// none.
func (l *Ledger) Levels() []LevelStats {
	// Close marks the ledger closed before it closes Badger, and waits for
	// this read lock to do it.
	l.closeMu.RLock()
	defer l.closeMu.RUnlock()
	if l.closed {
		return nil
	}
	infos := l.db.Levels()
	out := make([]LevelStats, 0, len(infos))
	for _, li := range infos {
		out = append(out, LevelStats{Level: li.Level, Tables: li.NumTables, Bytes: li.Size, TargetBytes: li.TargetSize})
	}
	return out
}
