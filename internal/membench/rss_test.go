package membench_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// mem is one reading of a process's resident memory, in bytes: all of it
// (VmRSS), and its anonymous and file-backed parts (Badger maps its tables
// and logs).
type mem struct{ rss, anon, file float64 }

// sampler reads a process's resident memory every 100 ms and keeps the
// peaks since the last reset.
type sampler struct {
	pid  int
	mu   sync.Mutex
	last mem
	peak mem
	// where is the resident memory by kind at the peak of VmRSS.
	where breakdown
	done  chan struct{}
	wg    sync.WaitGroup
}

func newSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, ok := readMem(s.pid); ok {
				s.mu.Lock()
				if m.rss > s.peak.rss {
					// smaps is read only when the peak moves, which
					// after the first seconds of a phase is seldom.
					s.where = readSmaps(s.pid)
				}
				s.last = m
				s.peak.rss = max(s.peak.rss, m.rss)
				s.peak.anon = max(s.peak.anon, m.anon)
				s.peak.file = max(s.peak.file, m.file)
				s.mu.Unlock()
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peak = s.last
	s.where = readSmaps(s.pid)
}

// at is where the resident memory was at the peak of VmRSS.
func (s *sampler) at() breakdown {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.where
}

func (s *sampler) current() mem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// peaks returns the largest VmRSS, RssAnon and RssFile seen since the last
// reset (each its own maximum, not necessarily at the same moment).
func (s *sampler) peaks() (rss, anon, file float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak.rss, s.peak.anon, s.peak.file
}

func (s *sampler) close() {
	close(s.done)
	s.wg.Wait()
}

// readMem reads /proc/PID/status.
func readMem(pid int) (mem, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return mem{}, false
	}
	defer f.Close()
	var m mem
	found := false
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, rest, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "VmRSS":
			dst = &m.rss
			found = true
		case "RssAnon":
			dst = &m.anon
		case "RssFile":
			dst = &m.file
		default:
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
		if err == nil {
			*dst = kb * 1024
		}
	}
	return m, found
}

// breakdown is resident memory in bytes by what it maps: Badger's tables
// (.sst), value log (.vlog) and memtables' logs (.mem), other files (the
// binary), and anonymous memory (the Go heap, stacks and runtime).
type breakdown struct{ sst, vlog, mem, other, anon float64 }

func (w breakdown) String() string {
	const mib = 1 << 20
	return fmt.Sprintf("anon %.1f, sst %.1f, mem %.1f, vlog %.1f, other files %.1f MiB",
		w.anon/mib, w.sst/mib, w.mem/mib, w.vlog/mib, w.other/mib)
}

// readSmaps sums /proc/PID/smaps' Rss by the kind of each mapping.
func readSmaps(pid int) breakdown {
	var w breakdown
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps")
	if err != nil {
		return w
	}
	defer f.Close()
	dst := &w.anon
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "Rss:" && len(fields) >= 2:
			if kb, err := strconv.ParseFloat(fields[1], 64); err == nil {
				*dst += kb * 1024
			}
		case !strings.HasSuffix(fields[0], ":"):
			// A mapping's header: address, perms, offset, device, inode, path.
			dst = &w.anon
			if len(fields) >= 6 && strings.HasPrefix(fields[5], "/") {
				switch filepath.Ext(fields[5]) {
				case ".sst":
					dst = &w.sst
				case ".vlog":
					dst = &w.vlog
				case ".mem":
					dst = &w.mem
				default:
					dst = &w.other
				}
			}
		}
	}
	return w
}
