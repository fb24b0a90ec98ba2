package membench_test

import (
	"bufio"
	"os"
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
	done chan struct{}
	wg   sync.WaitGroup
}

func newSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, ok := readMem(s.pid); ok {
				s.mu.Lock()
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
