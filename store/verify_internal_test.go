package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// damageStore logs n entries, one a batch, into a new store in dir. With
// keep it returns a copy of the directory taken while the ledger is still
// open (what a SIGKILL leaves: the entries in the write-ahead log);
// otherwise it closes the ledger first, which flushes them into tables.
func damageStore(t *testing.T, n int, crash bool) string {
	t.Helper()
	dir := t.TempDir()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	l, err := Open(dir, Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		at = at.Add(time.Second)
		req := LogRequest{Member: fmt.Sprintf("U%03d", i%40), Kind: quota.Message, Count: 1 + i%7, Note: strings.Repeat("n", i%50)}
		if _, err := l.Log(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if !crash {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cp := t.TempDir()
	copyDir(t, dir, cp)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return cp
}

// killedStore has a child process log into a new store until it has
// acknowledged at least n entries, and kills it with SIGKILL (TestCrash's
// child, in crash_test.go).
func killedStore(t *testing.T, n int) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), "QUOTA_CRASH_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(out)
	for acked < n && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ack ") {
			acked++
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if acked < n {
		t.Fatalf("the child acknowledged %d entries before dying, want %d", acked, n)
	}
	return dir
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot is every file in dir, by name, as a hash of its bytes.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// biggest returns the largest file in dir with the extension ext.
func biggest(t *testing.T, dir, ext string) string {
	t.Helper()
	var name string
	var size int64 = -1
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && filepath.Ext(e.Name()) == ext && info.Size() > size {
			name, size = e.Name(), info.Size()
		}
	}
	if name == "" {
		t.Fatalf("no %s file in %s", ext, dir)
	}
	return name
}

// fullestLog returns the write-ahead log holding the most committed
// entries, and where its replay ends.
func fullestLog(t *testing.T, dir string) (string, int) {
	t.Helper()
	var name string
	end := 0
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".mem" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := replayEnd(b); n > end {
			name, end = e.Name(), n
		}
	}
	if end <= walHeader {
		t.Fatalf("no write-ahead log in %s holds an entry", dir)
	}
	return name, end
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off = int64(len(b)) / 2
	}
	b[off] ^= 0x5a
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRefuseDamagedStore damages a real store the ways disks and people
// do, and opens it: each is refused with the file named, and not one byte
// of the directory changes.
func TestRefuseDamagedStore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		crash  bool
		damage func(t *testing.T, dir string) string // returns the file to name
	}{
		{"byte flipped in a table", false, func(t *testing.T, dir string) string {
			f := biggest(t, dir, ".sst")
			flipByte(t, filepath.Join(dir, f), -1)
			return f
		}},
		{"table truncated", false, func(t *testing.T, dir string) string {
			f := biggest(t, dir, ".sst")
			info, _ := os.Stat(filepath.Join(dir, f))
			if err := os.Truncate(filepath.Join(dir, f), info.Size()/3); err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"table missing", false, func(t *testing.T, dir string) string {
			f := biggest(t, dir, ".sst")
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"MANIFEST missing", false, func(t *testing.T, dir string) string {
			if err := os.Remove(filepath.Join(dir, badger.ManifestFilename)); err != nil {
				t.Fatal(err)
			}
			return "MANIFEST is missing"
		}},
		{"byte flipped in the MANIFEST", false, func(t *testing.T, dir string) string {
			flipByte(t, filepath.Join(dir, badger.ManifestFilename), 12)
			return badger.ManifestFilename
		}},
		{"byte flipped mid-log after a SIGKILL", true, func(t *testing.T, dir string) string {
			f, end := fullestLog(t, dir)
			flipByte(t, filepath.Join(dir, f), int64(end/2))
			return f
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var dir string
			if tc.crash {
				dir = killedStore(t, 600)
			} else {
				dir = damageStore(t, 600, false)
			}
			want := tc.damage(t, dir)
			before := snapshot(t, dir)
			l, err := Open(dir, Options{})
			if err == nil {
				l.Close()
				t.Fatalf("Open: got a ledger, want it refused as damaged")
			}
			var de *DamageError
			if !errors.Is(err, ErrDamaged) || !errors.As(err, &de) {
				t.Fatalf("Open: got %v, want a DamageError", err)
			}
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "restore") {
				t.Errorf("Open: got %q, want it to name %q, the directory and what to do", err, want)
			}
			after := snapshot(t, dir)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("a refused open changed the directory:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// TestTornLogTail: a crash in the middle of writing the last transaction
// (never acknowledged: the reply waits for the sync) is ordinary recovery.
// The store opens with every entry before it.
func TestTornLogTail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tear func(b []byte, from, to int)
	}{
		{"zeros", func(b []byte, from, to int) { clear(b[from:to]) }},
		// A power cut can land some sectors of the last write and not
		// others; its commit marker may survive a hole before it.
		{"a hole, then the rest", func(b []byte, from, to int) { clear(b[from : from+(to-from)/4]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n = 300
			dir := damageStore(t, n, true)
			name, end := fullestLog(t, dir)
			path := filepath.Join(dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			last := lastTxn(b, end)
			tc.tear(b, last+(end-last)/2, end)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Open(dir, Options{})
			if err != nil {
				t.Fatalf("Open after a torn tail: %v", err)
			}
			defer l.Close()
			got := 0
			for _, err := range l.Entries(context.Background(), time.Time{}, time.Time{}) {
				if err != nil {
					t.Fatal(err)
				}
				got++
			}
			if got != n-1 {
				t.Errorf("got %d entries, want %d: all but the torn last one", got, n-1)
			}
			r, err := l.Check(context.Background())
			if err != nil || !r.OK() {
				t.Errorf("Check after a torn tail: %+v, %v; want whole", r, err)
			}
		})
	}
}

// lastTxn returns where the last complete transaction before end starts.
func lastTxn(b []byte, end int) int {
	start, off := walHeader, walHeader
	for off < end {
		e, _ := walEntry(b, off)
		if e.meta&bitFinTxn != 0 && off+e.n < end {
			start = off + e.n
		}
		off += e.n
	}
	return start
}

// TestCheck: a whole store checks out, with its figures; a counter that
// disagrees with the entries is named.
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := damageStore(t, 200, false)
	l, err := Open(dir, Options{Now: func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if _, err := l.Undo(ctx, "U005", ""); err != nil {
		t.Fatal(err)
	}
	r, err := l.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Entries != 200 || r.Standing != 199 || r.Members != 40 || r.Counters == 0 {
		t.Fatalf("Check of a whole store: got %+v, want OK with 200 entries, 199 standing, 40 members", r)
	}

	p := quota.Month.Period(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), time.UTC)
	err = l.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(counterKey(p, "U007", quota.Message), countValue(3)); err != nil {
			return err
		}
		return txn.Delete(indexKey("U008", time.Date(2026, 11, 2, 9, 0, 9, 0, time.UTC).UnixNano()))
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err = l.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Problems, "\n")
	for _, want := range []string{"month 2026-11 of U007, message holds 3, the entries add up to", "of U008: not in the member's index"} {
		if !strings.Contains(got, want) {
			t.Errorf("Check problems:\n%s\nwant one with %q", got, want)
		}
	}
	if r.OK() || r.Found != 2 {
		t.Errorf("Check found %d problems, want 2", r.Found)
	}
}

// TestDamagedWhileRunning: a table byte that goes bad while the bot runs
// is found by the periodic verification; from then on the ledger takes no
// writes and Ping fails, naming the damage.
func TestDamagedWhileRunning(t *testing.T) {
	t.Parallel()
	dir := damageStore(t, 600, false)
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if err := l.Ping(); err != nil {
		t.Fatalf("Ping of a whole store: %v", err)
	}
	if err := l.verifyTables(); err != nil {
		t.Fatalf("verifying a whole store: %v", err)
	}
	// The files are read, not Badger's cache: a block read (and cached)
	// since the open is found too.
	if _, err := l.Usage(ctx, "U001"); err != nil {
		t.Fatal(err)
	}
	name := biggest(t, dir, ".sst")
	flipByte(t, filepath.Join(dir, name), -1)
	if err := l.verifyTables(); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), name) {
		t.Errorf("verifying after the damage: got %v, want ErrDamaged naming %s", err, name)
	}
	if err := l.Ping(); !errors.Is(err, ErrDamaged) {
		t.Errorf("Ping after the damage: got %v, want ErrDamaged", err)
	}
	_, err = l.Log(ctx, LogRequest{Member: "U1", Kind: quota.Message, Count: 1})
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("Log after the damage: got %v, want ErrDamaged", err)
	}
}

// TestBackupOfDamagedStore: a backup of a store whose table went bad is
// refused, not written short: Badger reads a bad block as the end of its
// table, and the backup would prove itself whole all the same.
func TestBackupOfDamagedStore(t *testing.T) {
	t.Parallel()
	dir := damageStore(t, 600, false)
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	name := biggest(t, dir, ".sst")
	flipByte(t, filepath.Join(dir, name), -1)
	var buf strings.Builder
	if err := l.Backup(context.Background(), &buf); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), name) {
		t.Errorf("Backup of a damaged store: got %v, want ErrDamaged naming %s", err, name)
	}
}
