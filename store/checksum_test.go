package store_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestFlippedTableByte: a byte flipped in a table's data blocks (bit rot,
// a bad disk) is an error when read, never counts served as if they were
// right. The store verifies each block's checksum as it reads it.
func TestFlippedTableByte(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := mustOpen(t, dir, store.Options{})
	ctx := context.Background()
	for i := range 300 {
		if _, err := l.Log(ctx, store.LogRequest{Member: "U1", Kind: quota.Message, Count: 1, Note: strings.Repeat("n", i%50)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table written at close")
	}
	for _, tbl := range tables {
		flipBlocks(t, tbl)
	}

	l, err := store.Open(dir, store.Options{})
	if err != nil {
		return // refused at open: an error, as it should be
	}
	defer l.Close()
	u, err := l.Usage(ctx, "U1")
	if err == nil {
		t.Fatalf("damaged table: Usage gave %+v and no error", u)
	}
}

// flipBlocks flips one byte in every 512 of a table's data blocks, leaving
// its index (at the end, with its own checksum) whole.
func flipBlocks(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The end of a table: index, index length (4), checksum, checksum
	// length (4).
	n := len(b)
	ckLen := int(binary.BigEndian.Uint32(b[n-4:]))
	idxLen := int(binary.BigEndian.Uint32(b[n-8-ckLen : n-4-ckLen]))
	data := n - 8 - ckLen - idxLen
	if data <= 0 {
		t.Fatalf("%s: no data blocks (size %d, index %d, checksum %d)", path, n, idxLen, ckLen)
	}
	for i := 7; i < data; i += 512 {
		b[i] ^= 0x20
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
