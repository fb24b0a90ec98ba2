package store

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// oldPosts are outbox records as the scheduler stored them itself, as
// strings under "o" + "scheduler/" + the post, before the store typed
// them: the keys and values a data directory holds today.
var oldPosts = []struct {
	key, value string
	name       string
	want       PostRecord
}{
	{"oscheduler/daily/2026-11-26", "posted 1764201601.000100", "daily/2026-11-26",
		PostRecord{State: Posted, TS: "1764201601.000100"}},
	{"oscheduler/monthly/2026-10", "posting 2026-11-01T09:00:00.123456789Z", "monthly/2026-10",
		PostRecord{State: Posting, Since: time.Date(2026, 11, 1, 9, 0, 0, 123456789, time.UTC)}},
	{"oscheduler/dm/2026-11/U123/message", "failed post dm/2026-11/U123/message: channel_not_found", "dm/2026-11/U123/message",
		PostRecord{State: PostFailed, Reason: "post dm/2026-11/U123/message: channel_not_found"}},
	// A time that does not read: look back as far as the lookup goes.
	{"oscheduler/daily/2026-11-25", "posting yesterday", "daily/2026-11-25",
		PostRecord{State: Posting}},
}

// TestOldPosts: a store whose outbox records were written in the old form
// opens and reads them as they were, and a record set through the ledger
// is stored in exactly that form, so either quotabot reads the other's.
func TestOldPosts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	db, err := openBadger(dir, false, log)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		for _, p := range oldPosts {
			if err := txn.Set([]byte(p.key), []byte(p.value)); err != nil {
				return err
			}
		}
		return txn.Set([]byte("oscheduler/daily/2026-11-24"), []byte("sent 1.0"))
	})
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		t.Fatal(err)
	}

	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range oldPosts {
		got, err := l.Post(ctx, p.name)
		if err != nil || got.State != p.want.State || !got.Since.Equal(p.want.Since) || got.TS != p.want.TS || got.Reason != p.want.Reason {
			t.Errorf("Post(%s) of %q: got %+v, %v; want %+v", p.name, p.value, got, err, p.want)
		}
	}
	if _, err := l.Post(ctx, "daily/2026-11-24"); err == nil || !strings.Contains(err.Error(), `"sent 1.0"`) {
		t.Errorf("Post of a record in no known form: got %v, want an error naming it", err)
	}

	for _, p := range oldPosts[:3] {
		if err := l.SetPost(ctx, p.name, p.want); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = openBadger(dir, false, log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(txn *badger.Txn) error {
		for _, p := range oldPosts[:3] {
			item, err := txn.Get([]byte(p.key))
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if string(v) != p.value {
				t.Errorf("SetPost(%s, %+v) stored %q, want %q", p.name, p.want, v, p.value)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
