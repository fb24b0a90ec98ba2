//go:build linux

package store

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// A pass pages out the tables a read brought in, and the store reads
// back every entry after it.
func TestPageoutPass(t *testing.T) {
	t.Parallel()
	const n = 4000
	dir := t.TempDir()
	ctx := context.Background()
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range n / 8 {
				note := strings.Repeat("n", 40+i%60)
				if _, err := l.Log(ctx, LogRequest{Member: "U" + strconv.Itoa(w), Kind: quota.Message, Count: 1, Note: note}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Closing flushes the memtable into a table.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	readAll(t, l, n)
	prefix, err := tablePrefix(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := tableRss(t, prefix)
	if before == 0 {
		t.Fatalf("no table pages resident after reading every entry; mappings: %v", tableMappingsNow(t, prefix))
	}
	p := &pager{}
	if !p.pass(prefix) {
		t.Fatal("pass: the kernel refused MADV_PAGEOUT")
	}
	after := tableRss(t, prefix)
	t.Logf("tables resident: %d kB before the pass, %d kB after; %d bytes advised", before, after, p.advised.Load())
	if after >= before {
		t.Errorf("tables resident: %d kB after the pass, want under %d kB", after, before)
	}

	readAll(t, l, n)
	r, err := l.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Errorf("check after the pass: %+v", r)
	}
}

// readAll reads every entry, and fails unless there are want of them.
func readAll(t *testing.T, l *Ledger, want int) {
	t.Helper()
	got := 0
	for _, err := range l.Entries(context.Background(), time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != want {
		t.Fatalf("read %d entries, want %d", got, want)
	}
}

func tableMappingsNow(t *testing.T, prefix string) []mapping {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return tableMappings(maps, prefix)
}

// tableRss sums the Rss, in kB, /proc/self/smaps gives the mappings of
// tables under prefix.
func tableRss(t *testing.T, prefix string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	total, inTable := 0, false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			// A mapping's header line.
			slash := strings.IndexByte(line, '/')
			inTable = slash >= 0 && filepath.Ext(line[slash:]) == ".sst" && filepath.Dir(line[slash:])+"/" == prefix
			continue
		}
		if inTable && f[0] == "Rss:" {
			kb, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			total += kb
		}
	}
	return total
}
