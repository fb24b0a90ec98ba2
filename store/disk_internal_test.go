package store

import (
	"log/slog"
	"testing"
)

// TestReserve: what the next write may need, term by term, from the
// options the store is opened with, so that retuning the memtable or the
// tables moves the reserve with them.
func TestReserve(t *testing.T) {
	o := badgerOptions("", false, slog.New(slog.DiscardHandler))
	batch := o.MemTableSize * 15 / 100 // Badger's MaxBatchSize
	mem := o.MemTableSize
	for _, tc := range []struct {
		name  string
		batch int64
		u     diskUsage
		want  int64
	}{
		{"open, empty store", 0, diskUsage{l0: -1}, o.BaseTableSize},
		{"open after a crash: replay, flush, compact", 0, diskUsage{tables: 10 << 20, logs: 3 << 20, mems: 1, l0: -1},
			o.BaseTableSize + 2*(3<<20) + 10<<20},
		{"next write, fresh memtable", batch, diskUsage{logs: 4 << 10, mems: 1},
			batch + (4<<10 + batch) + o.BaseTableSize},
		{"next write, full memtable, level 0 far from compaction", batch, diskUsage{tables: 20 << 20, logs: mem, mems: 1, l0: 1},
			batch + (mem + batch) + 20<<20 + o.BaseTableSize},
		{"next write, full memtable, level 0 at its compaction", batch,
			diskUsage{tables: 20 << 20, logs: mem, mems: 1, l0: o.NumLevelZeroTables - 1},
			batch + 2*(mem+batch) + 20<<20 + o.BaseTableSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reserve(o, tc.batch, tc.u); got != uint64(tc.want) {
				t.Errorf("got %d, want %d", got, tc.want)
			}
			t.Logf("%d bytes (memtable %d, batch %d, base table %d)", tc.want, mem, tc.batch, o.BaseTableSize)
		})
	}
	bigger := o.WithBaseTableSize(2 * o.BaseTableSize)
	if reserve(bigger, batch, diskUsage{l0: -1}) <= reserve(o, batch, diskUsage{l0: -1}) {
		t.Errorf("a bigger base table does not raise the reserve")
	}
}
