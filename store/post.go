package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// PostState is where a scheduled post stands in the scheduler's outbox.
type PostState int

const (
	// PostNone: there is no record; the post was never tried.
	PostNone PostState = iota
	// Posting: an attempt that may have posted began at Since. Whether it
	// did, only the channel's history can say.
	Posting
	// Posted: Slack took the post, as the message TS.
	Posted
	// PostFailed: the last attempt certainly did not post, for Reason.
	PostFailed
)

// PostRecord is a scheduled post's outbox record: the scheduler writes one
// durably before each attempt that may post and after Slack answers, so
// that a post goes out once whatever restarts in between.
type PostRecord struct {
	State PostState
	// Since is when the attempt that may have posted began (Posting);
	// zero when a stored record's time does not read.
	Since  time.Time
	TS     string // Slack's timestamp of the message (Posted)
	Reason string // why the last attempt did not post (PostFailed)
}

// A record is stored as a word and its field, as quotabot has always
// stored it: "posting <RFC 3339 time>", "posted <ts>" or "failed <reason>".
const (
	wordPosting = "posting"
	wordPosted  = "posted"
	wordFailed  = "failed"
)

func (r PostRecord) encode() []byte {
	switch r.State {
	case Posting:
		return []byte(wordPosting + " " + r.Since.UTC().Format(time.RFC3339Nano))
	case Posted:
		return []byte(wordPosted + " " + r.TS)
	case PostFailed:
		return []byte(wordFailed + " " + r.Reason)
	}
	panic(fmt.Sprintf("store: encode a post record in state %d", r.State)) // SetPost refuses it
}

func decodePost(v []byte) (PostRecord, error) {
	word, rest, _ := strings.Cut(string(v), " ")
	switch word {
	case wordPosting:
		since, err := time.Parse(time.RFC3339Nano, rest)
		if err != nil {
			since = time.Time{}
		}
		return PostRecord{State: Posting, Since: since}, nil
	case wordPosted:
		return PostRecord{State: Posted, TS: rest}, nil
	case wordFailed:
		return PostRecord{State: PostFailed, Reason: rest}, nil
	}
	return PostRecord{}, fmt.Errorf("unknown record %q", v)
}

// Post returns the outbox record of the scheduled post name
// ("daily/2026-11-26"); one never stored reads as PostNone.
func (l *Ledger) Post(ctx context.Context, name string) (PostRecord, error) {
	var r PostRecord
	err := l.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(postKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			r, err = decodePost(v)
			return err
		})
	})
	if err != nil {
		return PostRecord{}, fmt.Errorf("post %s: %w", name, err)
	}
	return r, nil
}

// SetPost durably stores the outbox record of the scheduled post name.
func (l *Ledger) SetPost(ctx context.Context, name string, r PostRecord) error {
	if r.State < Posting || r.State > PostFailed {
		return fmt.Errorf("set post %s: no record for state %d", name, r.State)
	}
	if err := l.submit(ctx, &postWrite{name: name, rec: r}); err != nil {
		return fmt.Errorf("set post %s: %w", name, err)
	}
	return nil
}
