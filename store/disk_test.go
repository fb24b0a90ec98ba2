package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// acks logs entries from several goroutines at once, as members do, and
// keeps every entry the ledger acknowledged.
type acks struct {
	l   *store.Ledger
	mu  sync.Mutex
	ids map[string]bool
	n   int
}

// burst logs n entries at once and returns the first refusal, if any.
func (a *acks) burst(tb testing.TB, n int) error {
	tb.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		a.mu.Lock()
		i := a.n
		a.n++
		a.mu.Unlock()
		wg.Go(func() {
			res, err := a.l.Log(context.Background(), store.LogRequest{
				Member: fmt.Sprintf("U%d", i%17), Kind: quota.Message, Count: 1 + i%5,
				Note: strings.Repeat("x", 200), Key: fmt.Sprintf("trigger-%d", i)})
			if err == nil {
				a.mu.Lock()
				a.ids[res.Entry.ID] = true
				a.mu.Unlock()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var first error
	for err := range errs {
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// TestFullDisk fills the disk under a ledger that is logging: the ledger
// refuses with ErrDiskFull before Badger can fault, stays up and says so
// to health checks, logs again without a restart once the filler is gone,
// and every entry it acknowledged is there after a reopen.
func TestFullDisk(t *testing.T) {
	disk := testutil.NewDisk(t, 32<<20)
	dir := filepath.Join(disk.Dir, "data")
	opts := store.Options{DiskFree: disk.DiskFree()}
	l, err := store.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { l.Close() }()
	a := &acks{l: l, ids: map[string]bool{}}

	// A filler leaves 8 MiB, and then only the ledger's own entries take
	// room, in bursts, until it refuses. A filler that went on growing
	// would stand for another process taking the room the ledger keeps
	// for Badger's background flush, which could then fault: the guard
	// cannot stop that (store/disk.go says so), and a test must not race it.
	st := l.Disk()
	if !st.Known {
		t.Fatal("the ledger cannot read the disk's free space")
	}
	if err := disk.Fill(int64(st.Free) - 8<<20); err != nil {
		t.Fatal(err)
	}
	var refusal error
	for range 1000 {
		if refusal = a.burst(t, 64); refusal != nil {
			break
		}
	}
	var full *store.DiskFullError
	if !errors.As(refusal, &full) || !errors.Is(refusal, store.ErrDiskFull) {
		t.Fatalf("got %v, want a refusal with ErrDiskFull", refusal)
	}
	if full.Free >= full.Need {
		t.Errorf("refused with %d bytes free, need %d: want free < need", full.Free, full.Need)
	}
	t.Logf("refused after %d entries: %v", len(a.ids), refusal)

	// Refused, not broken: reads go on, health checks say why.
	if err := a.burst(t, 8); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("Log on a full disk: got %v, want ErrDiskFull", err)
	}
	if err := l.Ping(); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("Ping on a full disk: got %v, want ErrDiskFull", err)
	}
	if st := l.Disk(); !st.Known || !st.Full || st.Free >= st.Need {
		t.Errorf("Disk() on a full disk: got %+v, want Full with Free < Need", st)
	}
	if _, err := l.Usage(context.Background(), "U1"); err != nil {
		t.Errorf("Usage on a full disk: %v", err)
	}

	// Room again: logging resumes in the same ledger.
	if err := disk.Empty(); err != nil {
		t.Fatal(err)
	}
	if err := l.Ping(); err != nil {
		t.Errorf("Ping once there is room: %v", err)
	}
	if err := a.burst(t, 8); err != nil {
		t.Errorf("Log once there is room: %v", err)
	}
	if st := l.Disk(); st.Full {
		t.Errorf("Disk() once there is room: got %+v, want not Full", st)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st := l.Disk(); st.Full {
		t.Errorf("Disk() after Close: got %+v, want the last reading, not full", st)
	}

	// Nothing acknowledged is lost, nothing refused was written.
	l = mustOpen(t, dir, opts)
	found := 0
	for e, err := range l.Entries(context.Background(), time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		found++
		if !a.ids[e.ID] {
			t.Errorf("entry %s is in the store but was never acknowledged", e.ID)
		}
		delete(a.ids, e.ID)
	}
	if len(a.ids) > 0 {
		t.Errorf("%d acknowledged entries are missing after the reopen", len(a.ids))
	}
	t.Logf("%d entries after the reopen (real tmpfs: %v)", found, disk.Real)
}
