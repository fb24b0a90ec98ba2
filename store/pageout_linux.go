//go:build linux

package store

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// pageoutEvery is how often the running bot asks the kernel to page out
// Badger's table mappings. Badger always maps its tables (read-only,
// shared) and has no way to read them with pread, so every table page
// a read touched stays in the process's RSS until the kernel needs the
// memory, and grows with the store (docs/ARCHITECTURE.md §5). A pass
// costs one read of /proc/self/maps and one madvise per table; the pages
// a request needs again fault back in from the page cache or the disk.
const pageoutEvery = 5 * time.Second

// pageoutOff turns paging out off for good once the kernel has refused
// MADV_PAGEOUT on a mapping that exists (Linux before 5.4).
var pageoutOff atomic.Bool

// pager pages out the tables of one store every pageoutEvery.
type pager struct {
	stop func()
	// advised counts the bytes of table mappings advised so far.
	advised atomic.Int64
}

// startPageout starts paging out the tables of the store in dir; nil for
// a store in memory. A nil pager stops as a no-op.
func startPageout(dir string, inMemory bool) *pager {
	if inMemory || pageoutOff.Load() {
		return nil
	}
	prefix, err := tablePrefix(dir)
	if err != nil {
		return nil
	}
	p := &pager{}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(pageoutEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if !p.pass(prefix) {
					return
				}
			}
		}
	}()
	p.stop = sync.OnceFunc(func() { close(quit); wg.Wait() })
	return p
}

// tablePrefix is the path /proc/self/maps names dir's files under.
func tablePrefix(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return abs + string(filepath.Separator), nil
}

// Stop stops the pager and waits for a pass under way.
func (p *pager) Stop() {
	if p != nil {
		p.stop()
	}
}

// pass advises the kernel to page out every mapping of a table under
// prefix, and reports whether paging out still works.
//
// It must be MADV_PAGEOUT (or MADV_COLD), never MADV_DONTNEED: between
// reading /proc/self/maps and the madvise, Badger may unmap a table and
// the Go runtime may map anonymous memory at the same address.
// MADV_DONTNEED would zero that memory; MADV_PAGEOUT on anonymous memory
// (with no swap) only fails to reclaim it, and never loses data. For the
// same reason EINVAL and ENOMEM (the range went away or changed) are
// ignored, except on a range that is still a table, which means the
// kernel does not know MADV_PAGEOUT.
func (p *pager) pass(prefix string) bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return true
	}
	for _, m := range tableMappings(maps, prefix) {
		err := madvise(m.start, m.end-m.start, unix.MADV_PAGEOUT)
		if errors.Is(err, unix.EINVAL) && !p.advisedAny() && stillMapped(m, prefix) {
			pageoutOff.Store(true)
			return false
		}
		if err == nil {
			p.advised.Add(int64(m.end - m.start))
		}
	}
	return true
}

func (p *pager) advisedAny() bool { return p.advised.Load() > 0 }

// stillMapped reports whether m is still a table mapping, so that an
// EINVAL on it was the kernel refusing the advice, not a race.
func stillMapped(m mapping, prefix string) bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return false
	}
	for _, n := range tableMappings(maps, prefix) {
		if n == m {
			return true
		}
	}
	return false
}

// mapping is one line of /proc/self/maps: an address range and its file.
type mapping struct {
	start, end uintptr
	path       string
}

// tableMappings picks, from the text of /proc/self/maps, the mappings of
// a *.sst file directly under prefix (a table unlinked but still mapped
// reads "path (deleted)" and is left alone).
func tableMappings(maps []byte, prefix string) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// start-end perms offset dev inode path, where only the path
		// has a slash and may have spaces.
		line := sc.Bytes()
		slash := bytes.IndexByte(line, '/')
		f := bytes.Fields(line)
		if slash < 0 || len(f) < 6 {
			continue
		}
		path := string(line[slash:])
		if filepath.Ext(path) != ".sst" || filepath.Dir(path)+string(filepath.Separator) != prefix {
			continue
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, mapping{start: uintptr(start), end: uintptr(end), path: path})
	}
	return out
}

// madvise advises on a range given by address: unix.Madvise wants a
// slice, and a slice made over memory Badger may unmap must never be
// touched, only passed to the kernel.
func madvise(addr, length uintptr, advice int) error {
	_, _, e := unix.Syscall(unix.SYS_MADVISE, addr, length, uintptr(advice))
	if e != 0 {
		return e
	}
	return nil
}
