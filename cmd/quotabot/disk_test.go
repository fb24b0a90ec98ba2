//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestToolsOnFullDisk runs export, backup, check and console on a tmpfs with no
// byte free. Opening Badger read-write there would fault with SIGBUS (a
// new memtable log, a new value log). A store shut down cleanly is read
// in Badger's read-only mode, which writes nothing; one a crash left with
// a memtable log is refused in words, since replaying that log writes.
// Either way no file changes, and once there is room the crashed store
// gives every entry back.
func TestToolsOnFullDisk(t *testing.T) {
	disk := testutil.NewDisk(t, 32<<20)
	if !disk.Real {
		t.Skip("needs a real tmpfs, where Badger's writes fault as on a full disk; mounting one is not permitted here")
	}
	clean := filepath.Join(disk.Dir, "clean")
	mustRun(t, nil, strings.Repeat("/logsend 3 message to Acme\n", 40), "console", "--data", clean)
	crashed := filepath.Join(disk.Dir, "crashed")
	crashedStore(t, crashed, 30)
	fillUp(t, disk)

	for _, tc := range []struct {
		name string
		args []string
		want string // in stdout; "" when refused
		fail string // in the error when refused
	}{
		{"export, clean", []string{"export", "--data", clean}, "logged_at,user_id,kind,count,note", ""},
		{"backup, clean", []string{"backup", "--data", clean}, "", ""},
		{"export, crashed", []string{"export", "--data", crashed}, "", "the disk holding " + crashed + " is full (0 bytes free, need "},
		{"backup, crashed", []string{"backup", "--data", crashed}, "", "the disk holding " + crashed + " is full (0 bytes free, need "},
		{"check, clean", []string{"check", "--data", clean}, "is whole: 40 entries", ""},
		{"check, crashed", []string{"check", "--data", crashed}, "", "the disk holding " + crashed + " is full (0 bytes free, need "},
		{"console", []string{"console", "--data", clean}, "", "the disk holding " + clean + " is full (0 bytes free, need "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.args[2]
			before := snapshot(t, dir)
			r := runWith(t, nil, "/logsend 1\n", tc.args...)
			switch {
			case tc.fail == "" && r.err != nil:
				t.Errorf("got %v, want it to work", r.err)
			case tc.fail == "" && !strings.Contains(r.stdout, tc.want):
				t.Errorf("stdout %.200q lacks %q", r.stdout, tc.want)
			case tc.fail == "" && r.stdout == "":
				t.Errorf("wrote nothing")
			case tc.fail != "" && (r.err == nil || !strings.Contains(r.err.Error(), tc.fail)):
				t.Errorf("got %v, want an error with %q", r.err, tc.fail)
			}
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Errorf("files changed on a full disk:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	if err := disk.Empty(); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, mustRun(t, nil, "", "export", "--data", crashed).stdout)
	if len(rows) != 30 {
		t.Errorf("export of the crashed store once there is room: got %d rows, want 30", len(rows))
	}
}

// crashedStore leaves in dir a store as a SIGKILL leaves it: n entries in
// its memtable log, never flushed. The files are copied from a store that
// is still open, sparse as Badger made them: a memtable log is stretched
// to twice the memtable, and only its start holds data.
func crashedStore(t *testing.T, dir string, n int) {
	t.Helper()
	src := t.TempDir()
	l, err := store.Open(src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range n {
		if _, err := l.Log(context.Background(), store.LogRequest{Member: "U1", Kind: quota.Message, Count: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		end := len(bytes.TrimRight(b, "\x00"))
		f, err := os.Create(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(b[:end]); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(f.Truncate(int64(len(b))), f.Close()); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.mem")); len(m) == 0 {
		t.Fatal("the copied store has no memtable log: it is not a crashed one")
	}
}

// fillUp fills the disk until not one byte more fits.
func fillUp(t *testing.T, disk *testutil.Disk) {
	t.Helper()
	for _, chunk := range []int64{1 << 20, 4 << 10, 1} {
		for disk.Fill(chunk) == nil {
		}
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(disk.Dir, &st); err != nil || st.Bavail != 0 {
		t.Fatalf("the disk is not full: %d blocks free (%v)", st.Bavail, err)
	}
}

// snapshot names every file in dir with its size and digest.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}
