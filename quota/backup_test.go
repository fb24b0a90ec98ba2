package quota_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
)

func TestBackupRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := mustOpen(t, "", quota.Options{})
	mustLog(t, l, "U1", quota.Message, 7)
	if _, err := l.SetTier(ctx, "U2", "premium", "UADMIN"); err != nil {
		t.Fatal(err)
	}
	mustLog(t, l, "U2", quota.InMail, 2)

	var buf bytes.Buffer
	if err := l.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	// Writes after the backup are not in it.
	mustLog(t, l, "U1", quota.Message, 1)

	dir := t.TempDir()
	if _, err := quota.RestoreFrom(dir, bytes.NewReader(buf.Bytes()), quota.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, dir, quota.Options{})
	u1, _ := r.Usage(ctx, "U1")
	u2, _ := r.Usage(ctx, "U2")
	if got := u1.Kinds[0].Windows[0].Used; got != 7 {
		t.Errorf("U1 restored: used %d, want 7", got)
	}
	if k, ok := u2.Kind(quota.InMail); !ok || k.Windows[0].Used != 2 || u2.Member.Tier != "premium" {
		t.Errorf("U2 restored: got %+v", u2)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := quota.RestoreFrom(dir, bytes.NewReader(buf.Bytes()), quota.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("restore over a store: got %v, want an error naming %s", err, dir)
	}
}

// TestBackupWhileLogging takes backups while 16 members log and checks
// that each restores to a store whose entries, index and counters agree.
// Badger's own DB.Backup, which reads ranges in eight transactions, tore
// 2 of 15 backups of a busier store in a probe too slow to keep here; this
// test guards the property, and catches such a tear only now and then.
func TestBackupWhileLogging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var tick atomic.Int64
	clock := func() time.Time { return day.Add(time.Duration(tick.Add(1)) * time.Microsecond) }
	l := mustOpen(t, "", quota.Options{Now: clock})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if _, err := l.Log(ctx, quota.LogRequest{Member: fmt.Sprintf("U%03d", (w*50+i)%400), Kind: quota.Message, Count: 1, Key: fmt.Sprintf("fill-%d-%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	for round := range 3 {
		stop := make(chan struct{})
		busy := make(chan struct{}, 16) // each logger says when it has logged once this round
		var loggers sync.WaitGroup
		for w := range 16 {
			loggers.Add(1)
			go func() {
				defer loggers.Done()
				for i := 0; ; i++ {
					if _, err := l.Log(ctx, quota.LogRequest{Member: fmt.Sprintf("U%03d", (w*7+i)%400), Kind: quota.Message, Count: 1}); err != nil {
						t.Error(err)
						return
					}
					if i == 0 {
						busy <- struct{}{}
					}
					select {
					case <-stop:
						return
					default:
					}
				}
			}()
		}
		for range 16 {
			<-busy
		}
		var buf bytes.Buffer
		err := l.Backup(ctx, &buf)
		close(stop)
		loggers.Wait()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := quota.RestoreFrom(dir, &buf, quota.RestoreOptions{}); err != nil {
			t.Fatal(err)
		}
		r := mustOpen(t, dir, quota.Options{Now: clock, ReadOnly: true})
		entries := map[string]int{}
		sum := map[string]int{}
		for e, err := range r.Entries(ctx, time.Time{}, time.Time{}) {
			if err != nil {
				t.Fatal(err)
			}
			entries[e.Member]++
			sum[e.Member] += e.Count
		}
		s, err := r.Summary(ctx, quota.Day.Period(day, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		counted := map[string]int{}
		for _, m := range s.Members {
			for _, k := range m.Kinds {
				counted[m.Member.ID] += k.Used
			}
		}
		bad := 0
		for _, m := range r.Members() {
			h, err := r.History(ctx, m.ID, 1<<20)
			if err != nil {
				t.Fatalf("round %d: history of %s: %v", round, m.ID, err)
			}
			if len(h) != entries[m.ID] || counted[m.ID] != sum[m.ID] {
				if bad < 3 {
					t.Errorf("round %d: %s has %d entries summing to %d, %d indexed, day counter %d", round, m.ID, entries[m.ID], sum[m.ID], len(h), counted[m.ID])
				}
				bad++
			}
		}
		if len(r.Members()) != len(entries) {
			t.Errorf("round %d: %d members enrolled, %d with entries", round, len(r.Members()), len(entries))
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if bad > 0 {
			t.Fatalf("round %d: the backup is not one snapshot: %d members disagree", round, bad)
		}
	}
}
