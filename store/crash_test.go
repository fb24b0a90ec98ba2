package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

const crashEnv = "QUOTA_CRASH_CHILD_DIR"

// TestCrash logs under load in a child process, kills it with SIGKILL
// mid-flight, and reopens the store: every entry the child was told was
// logged must be there, and no more than it tried.
func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	tried := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		verb, arg, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "try":
			tried++
		case "ack":
			acked[arg] = true
		}
		if len(acked) == 400 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Lines written before the kill are still in the pipe: they count.
	for sc.Scan() {
		verb, arg, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "try":
			tried++
		case "ack":
			acked[arg] = true
		}
	}
	_ = cmd.Wait()
	if len(acked) < 400 {
		t.Fatalf("child acknowledged %d entries before dying, want 400", len(acked))
	}

	l := mustOpen(t, dir, store.Options{})
	found := 0
	for e, err := range l.Entries(context.Background(), time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		found++
		delete(acked, e.ID)
	}
	if len(acked) > 0 {
		t.Errorf("%d acknowledged entries are missing after SIGKILL", len(acked))
	}
	if found > tried {
		t.Errorf("store holds %d entries, only %d were tried", found, tried)
	}
	t.Logf("tried %d, found %d after SIGKILL", tried, found)
}

func crashChild(dir string) {
	l, err := store.Open(dir, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	say := func(s string) {
		mu.Lock()
		fmt.Fprintln(w, s)
		w.Flush()
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				say("try")
				res, err := l.Log(context.Background(), store.LogRequest{Member: fmt.Sprintf("U%d", g%5), Kind: quota.Message, Count: 1, Key: fmt.Sprintf("%d-%d", g, i)})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				say("ack " + res.Entry.ID)
			}
		}()
	}
	wg.Wait()
}
