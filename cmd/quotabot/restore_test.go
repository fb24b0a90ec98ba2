package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// olderBackup is a backup written by the quotabot before backups carried
// a version and a checksum: a bare Badger stream of a store with four
// entries that stand (and one undone).
const olderBackup = "../../store/testdata/badger-stream.bak"

// TestRestoreRefused: through the command line, from a file and from
// standard input, an empty, truncated, damaged, random, text or older
// backup is refused with the file and the reason, exits non-zero, and
// leaves the target absent and nothing beside it; a good backup then
// restores into the same place, and --unverified loads the older one.
func TestRestoreRefused(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	mustRun(t, nil, "/logsend 5\n/logsend 7 message follow-ups\n/logsend 2\n/logsend undo\n", "console", "--data", src, "--user", "U1")
	good := []byte(mustRun(t, nil, "", "backup", "--data", src).stdout)
	older, err := os.ReadFile(olderBackup)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x20
	random := make([]byte, 100<<10)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "data")
	for _, tc := range []struct {
		name   string
		file   []byte
		reason string
	}{
		{"empty", nil, "empty file"},
		{"truncated", good[:len(good)/2], "truncated: ends after"},
		{"flipped", flipped, "checksum mismatch: the file is damaged"},
		{"random", random, "not a quotabot backup"},
		{"text", []byte("hello\n"), "not a quotabot backup"},
		{"older", older, "a backup from an older quotabot"},
	} {
		file := filepath.Join(t.TempDir(), tc.name+".bak")
		if err := os.WriteFile(file, tc.file, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"restore", "--data", dir, file}, {"restore", "--data", dir, "-"}} {
			res := runWith(t, nil, string(tc.file), args...)
			name := file
			if args[3] == "-" {
				name = "standard input"
			}
			if res.err == nil || !strings.Contains(res.err.Error(), name+": "+tc.reason) || !strings.Contains(res.err.Error(), dir+" refused, leaving it as it was") {
				t.Errorf("%s from %s: got %v, want a refusal naming %s and %q", tc.name, name, res.err, dir, tc.reason)
			}
			if left, err := os.ReadDir(parent); err != nil || len(left) != 0 {
				t.Errorf("%s from %s: the parent holds %v (%v), want nothing", tc.name, name, left, err)
			}
		}
	}
	if r := runWith(t, nil, "", "restore", "--data", dir, olderBackup); r.err == nil || !strings.Contains(r.err.Error(), "--unverified") {
		t.Errorf("older backup: got %v, want it to name --unverified", r.err)
	}

	res := mustRun(t, nil, string(good), "restore", "--data", dir, "-")
	if !strings.Contains(res.stdout, "restored 3 entries") || !strings.Contains(res.stdout, "checksum verified") {
		t.Errorf("restore said %q, want 3 entries restored, checksum verified", res.stdout)
	}
	if got, want := mustRun(t, nil, "", "export", "--data", dir).stdout, mustRun(t, nil, "", "export", "--data", src).stdout; got != want {
		t.Errorf("restored after the refusals:\n%s\nwant:\n%s", got, want)
	}
	unverified := filepath.Join(t.TempDir(), "older")
	res = mustRun(t, nil, "", "restore", "--unverified", "--data", unverified, olderBackup)
	if !strings.Contains(res.stdout, "restored 5 entries") || !strings.Contains(res.stdout, "unverified") {
		t.Errorf("restore --unverified said %q, want 5 entries restored, unverified", res.stdout)
	}
	if rows := readCSV(t, mustRun(t, nil, "", "export", "--data", unverified).stdout); len(rows) != 4 {
		t.Errorf("the older backup restored: %d rows, want 4", len(rows))
	}
}
