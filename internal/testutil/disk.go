package testutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Disk is a small disk for full-disk tests. Where the test may mount one
// (as root on Linux) it is a real tmpfs, on which Badger's memory-mapped
// writes fault with SIGBUS exactly as on a full disk in the field.
// Elsewhere it is made up: a directory whose free space DiskFree reports
// as the size less what the directory holds and the filler, for the
// ledger's free-space check (store.Options.DiskFree).
type Disk struct {
	Dir  string // the disk's root; put the store in a directory under it
	Real bool   // a mounted tmpfs, not a made-up disk
	size int64

	mu     sync.Mutex
	filler int64 // a made-up disk's filler, in bytes
}

// NewDisk returns a disk of size bytes, unmounted at the end of the test.
func NewDisk(tb testing.TB, size int64) *Disk {
	tb.Helper()
	d := &Disk{Dir: tb.TempDir(), size: size}
	if err := mountTmpfs(d.Dir, size); err != nil {
		tb.Logf("no tmpfs for this test (%v): a made-up disk stands in front of the free-space check", err)
		return d
	}
	d.Real = true
	tb.Cleanup(func() { unmount(d.Dir) })
	return d
}

// DiskFree is the free-space function to give store.Options: nil on a
// real disk, which statfs reads.
func (d *Disk) DiskFree() func(string) (uint64, error) {
	if d.Real {
		return nil
	}
	return d.free
}

func (d *Disk) free(string) (uint64, error) {
	var used int64
	err := filepath.WalkDir(d.Dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if info, err := e.Info(); err == nil {
			used += allocated(info)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // a file went while the walk was on its way
	}
	d.mu.Lock()
	used += d.filler
	d.mu.Unlock()
	return uint64(max(d.size-used, 0)), err
}

// Fill takes n more bytes of the disk with the filler file. On a real disk
// it fails with ENOSPC once the disk is full.
func (d *Disk) Fill(n int64) error {
	if !d.Real {
		d.mu.Lock()
		d.filler += n
		d.mu.Unlock()
		return nil
	}
	f, err := os.OpenFile(filepath.Join(d.Dir, "filler"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(make([]byte, n)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Empty removes the filler: the disk has room again.
func (d *Disk) Empty() error {
	d.mu.Lock()
	d.filler = 0
	d.mu.Unlock()
	if err := os.Remove(filepath.Join(d.Dir, "filler")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
