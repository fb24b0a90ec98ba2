package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzBackupReader feeds the backup reader arbitrary files, starting from
// the seeds in testdata/fuzz/FuzzBackupReader (backups of this format and
// of an older quotabot, and bad files). Each input is read as it is and
// again resealed: its end rewritten with its own length and checksum, so
// that the fuzzer reaches the records behind the checksum. The reader must
// never panic; what it refuses must be a *BackupError naming the file with
// a reason; what it accepts must read again record by record, to the same
// counts.
//
//	go test ./store -run '^$' -fuzz FuzzBackupReader -fuzztime 60s -fuzzminimizetime 100x
//
// (Go's fuzzer counts no execs while it minimizes a new input, so without
// a bound on minimizing it can show "0/sec" for a minute: golang/go#51484.)
func FuzzBackupReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, resealed(data)} {
			for _, unverified := range []bool{false, true} {
				checkReader(t, b, unverified)
			}
		}
	})
}

func checkReader(t *testing.T, b []byte, unverified bool) {
	info, err := verifyBackup(bytes.NewReader(b), int64(len(b)), "fuzz.bak", unverified)
	if err != nil {
		var be *BackupError
		if !errors.As(err, &be) || be.File != "fuzz.bak" || be.Reason == "" || be.Kind == nil || !errors.Is(err, be.Kind) {
			t.Fatalf("got %T %v, want a *BackupError naming fuzz.bak with a kind and a reason", err, err)
		}
		return
	}
	if info.version == 0 && !unverified {
		t.Fatalf("accepted an unverified stream without being asked to")
	}
	var got backupInfo
	err = eachRecord(bytes.NewReader(b), int64(len(b)), info, func(key, value []byte, meta byte, expiresAt uint64) error {
		if len(key) == 0 || len(key) > maxBackupKey || len(value) > maxBackupValue {
			t.Fatalf("a record with a key of %d bytes and a value of %d", len(key), len(value))
		}
		got.records++
		if key[0] == pEntry {
			got.entries++
		}
		return nil
	})
	if err != nil || got.records != info.records || got.entries != info.entries {
		t.Fatalf("read again: %d records, %d entries, %v; verified %d, %d", got.records, got.entries, err, info.records, info.entries)
	}
}

// resealed is b with its last 40 bytes rewritten as a backup's length and
// checksum, where it is long enough to hold them.
func resealed(b []byte) []byte {
	n := len(b)
	if n < headerLen+envelopeLen {
		return b
	}
	b = bytes.Clone(b)
	binary.BigEndian.PutUint64(b[n-40:], uint64(n))
	sum := sha256.Sum256(b[:n-32])
	copy(b[n-32:], sum[:])
	return b
}

// TestLoadRechecksSum: the load pass hashes what it loads again, so a
// file changed after it was verified is refused, even when it is a
// well-formed backup of its own.
func TestLoadRechecksSum(t *testing.T) {
	b, err := os.ReadFile("testdata/backup-v1.qbak")
	if err != nil {
		t.Fatal(err)
	}
	info, err := verifyBackup(bytes.NewReader(b), int64(len(b)), "v1", false)
	if err != nil {
		t.Fatal(err)
	}
	// A note's letter changed ("Acme" to "Bcme"), the end resealed.
	at := bytes.Index(b, []byte("Acme"))
	changed := bytes.Clone(b)
	changed[at] = 'B'
	changed = resealed(changed)
	if _, err := verifyBackup(bytes.NewReader(changed), int64(len(changed)), "v1", false); err != nil {
		t.Fatalf("the changed file, resealed: %v; want it to verify on its own", err)
	}
	err = eachRecord(bytes.NewReader(changed), int64(len(changed)), info, func([]byte, []byte, byte, uint64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "changed while it was being restored") {
		t.Errorf("got %v, want the change noticed", err)
	}
}
