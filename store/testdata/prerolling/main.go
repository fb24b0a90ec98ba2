// Command prerolling wrote testdata/pre-rolling and pre-rolling.json
// with the ledger as it was before the rolling index (commit dabe8e7):
//
//	git worktree add /tmp/fixture-src dabe8e7
//	cp -r store/testdata/prerolling /tmp/fixture-src/
//	cd /tmp/fixture-src && go run ./prerolling write /tmp/pre-rolling
//	cp /tmp/pre-rolling/{000001.sst,000001.vlog,KEYREGISTRY,MANIFEST} <repo>/store/testdata/pre-rolling/
//	cp -r <repo>/store/testdata/pre-rolling /tmp/copy && go run ./prerolling read /tmp/copy > <repo>/store/testdata/pre-rolling.json
//
// DISCARD, a megabyte of zeros, is left out: Badger makes it afresh.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: prerolling write|read dir")
		os.Exit(2)
	}
	if os.Args[1] == "write" {
		write(os.Args[2])
	} else {
		read(os.Args[2])
	}
}

func write(dir string) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	l, err := store.Open(dir, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	_, err = l.SetTier(ctx, store.SetTierRequest{Member: "U2", Tier: "premium", By: "UADMIN"})
	must(err)
	for i := range 24 {
		now = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Hour)
		for j, m := range []string{"U1", "U2", "U3"} {
			if (i+j)%3 == 2 {
				continue
			}
			_, err := l.Log(ctx, store.LogRequest{Member: m, Kind: quota.Message, Count: 1 + (i*7+j*3)%20, Note: fmt.Sprintf("batch %d", i)})
			must(err)
		}
		if i%4 == 1 {
			_, err := l.Log(ctx, store.LogRequest{Member: "U2", Kind: quota.InMail, Count: 1 + i%5})
			must(err)
		}
	}
	now = now.Add(time.Hour)
	_, err = l.Undo(ctx, "U1", "")
	must(err)
	must(l.Close())
}

type dump struct {
	Check   store.CheckReport
	Usage   []quota.Usage
	History map[string][]quota.Entry
	Entries []quota.Entry
}

func read(dir string) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	l, err := store.Open(dir, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	ctx := context.Background()
	var d dump
	if d.Check, err = l.Check(ctx); err != nil {
		panic(err)
	}
	d.History = map[string][]quota.Entry{}
	for _, m := range []string{"U1", "U2", "U3"} {
		u, err := l.Usage(ctx, m)
		if err != nil {
			panic(err)
		}
		d.Usage = append(d.Usage, u)
		if d.History[m], err = l.History(ctx, m, 100); err != nil {
			panic(err)
		}
	}
	for e, err := range l.Entries(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			panic(err)
		}
		d.Entries = append(d.Entries, e)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		panic(err)
	}
}
