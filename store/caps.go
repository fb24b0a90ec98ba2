package store

// This file holds an admin's changes to one member other than the tier:
// caps that hold the member below their tier, and a pause.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/quotabot/quotabot/quota"
)

// changeKeyPrefix keeps these changes' idempotency keys apart from
// SetTier's ("tier:"), Log's and Undo's in their one key space.
const changeKeyPrefix = "member:"

func memberChangeKey(id string, at int64) []byte {
	k := append([]byte{pChange}, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(at))
}

// memberChange is one cap or pause set or lifted, as logged: who, when
// and what.
type memberChange struct {
	What   string     `json:"what"` // "cap", "uncap", "pause" or "resume"
	Kind   quota.Kind `json:"kind,omitempty"`
	Window string     `json:"window,omitempty"`
	Max    int        `json:"max,omitempty"`
	Reason string     `json:"reason,omitempty"`
	By     string     `json:"by"`
	At     time.Time  `json:"at"`
}

// SetCapRequest asks the ledger to hold a member to at most Limit.Max of
// Kind in Limit's window, in place of any cap on that kind and window.
type SetCapRequest struct {
	Member string
	Kind   quota.Kind
	Limit  quota.Limit
	By     string // the admin setting it
	// Key makes the request idempotent as SetTierRequest's does.
	Key string
}

// RemoveCapsRequest asks the ledger to lift every cap on Kind.
type RemoveCapsRequest struct {
	Member string
	Kind   quota.Kind
	By     string
	Key    string // as SetTierRequest's
}

// PauseRequest asks the ledger to mark a member's account restricted, or,
// with Resume, no longer so.
type PauseRequest struct {
	Member string
	Reason string // optional; at most quota.MaxNote characters
	Resume bool
	By     string
	Key    string // as SetTierRequest's
}

// SetCap caps a member below their tier, recording who did it and when,
// enrolling the member if need be. Permission is the caller's business.
func (l *Ledger) SetCap(ctx context.Context, req SetCapRequest) (quota.Member, error) {
	if err := l.plan.CheckLog(req.Kind, quota.MinCount, ""); err != nil {
		return quota.Member{}, fmt.Errorf("cap %s: %w", req.Member, err)
	}
	if req.Limit.Max < 0 {
		return quota.Member{}, fmt.Errorf("cap %s: %w: %d", req.Member, quota.ErrBadCount, req.Limit.Max)
	}
	return l.changeMember(ctx, req.Member, req.Key, func(m quota.Member, now time.Time) (quota.Member, memberChange, error) {
		c := quota.Cap{Kind: req.Kind, Limit: req.Limit, By: req.By, At: now}
		// Against the tier the member is on as the writer applies it: a
		// tier set a moment before counts.
		if err := quota.CheckCap(m, l.plan.Tier(m.Tier), c); err != nil {
			return m, memberChange{}, err
		}
		m.Caps = quota.SetCap(m.Caps, c)
		return m, memberChange{What: "cap", Kind: req.Kind, Window: req.Limit.WindowName(), Max: req.Limit.Max, By: req.By, At: now}, nil
	})
}

// RemoveCaps lifts a member's caps on one kind, recording who did it and
// when. With none to lift it is refused (quota.ErrNoCap) and changes
// nothing, not even enrolling the member.
func (l *Ledger) RemoveCaps(ctx context.Context, req RemoveCapsRequest) (quota.Member, error) {
	return l.changeMember(ctx, req.Member, req.Key, func(m quota.Member, now time.Time) (quota.Member, memberChange, error) {
		if err := quota.CheckUncap(m, req.Kind); err != nil {
			return m, memberChange{}, err
		}
		m.Caps = quota.RemoveCaps(m.Caps, req.Kind)
		if len(m.Caps) == 0 {
			m.Caps = nil
		}
		return m, memberChange{What: "uncap", Kind: req.Kind, By: req.By, At: now}, nil
	})
}

// Pause marks a member's account restricted, or with req.Resume lifts
// that, recording who did it and when. Logging goes on either way.
// Pausing a paused member (quota.ErrAlreadyPaused) or resuming one who is
// not paused (quota.ErrNotPaused) is refused and changes nothing.
func (l *Ledger) Pause(ctx context.Context, req PauseRequest) (quota.Member, error) {
	if len([]rune(req.Reason)) > quota.MaxNote {
		return quota.Member{}, fmt.Errorf("pause %s: %w", req.Member, quota.ErrNoteTooLong)
	}
	return l.changeMember(ctx, req.Member, req.Key, func(m quota.Member, now time.Time) (quota.Member, memberChange, error) {
		if req.Resume {
			if err := quota.CheckResume(m); err != nil {
				return m, memberChange{}, err
			}
			m.Pause = nil
			return m, memberChange{What: "resume", By: req.By, At: now}, nil
		}
		if err := quota.CheckPause(m); err != nil {
			return m, memberChange{}, err
		}
		m.Pause = &quota.Pause{Reason: req.Reason, By: req.By, At: now}
		return m, memberChange{What: "pause", Reason: req.Reason, By: req.By, At: now}, nil
	})
}

// memberChangeFunc is an admin's change to one member, applied in the
// writer to the member as they stand. A non-nil error refuses the change
// (one of quota's rules said no): nothing is written, not even the
// member's enrollment or the idempotency key.
type memberChangeFunc func(m quota.Member, now time.Time) (quota.Member, memberChange, error)

// changeMember submits change to the writer for member, idempotent by key.
func (l *Ledger) changeMember(ctx context.Context, member, key string, change memberChangeFunc) (quota.Member, error) {
	if err := quota.CheckMember(member); err != nil {
		return quota.Member{}, fmt.Errorf("change member: %w", err)
	}
	w := &memberWrite{member: member, key: key, change: change}
	if err := l.submit(ctx, w); err != nil {
		return quota.Member{}, fmt.Errorf("change %s: %w", member, err)
	}
	return w.res, nil
}

// memberWrite applies an admin's change to one member (SetCap, RemoveCaps,
// Pause).
type memberWrite struct {
	member, key string
	change      memberChangeFunc
	res         quota.Member
}

func (w *memberWrite) apply(l *Ledger, txn *badger.Txn, b *batchState) error {
	key := ""
	if w.key != "" {
		key = changeKeyPrefix + w.key
		m, found, err := l.keyedMember(txn, b, key)
		if err != nil {
			return storeError{err}
		}
		if found {
			w.res = m
			return nil
		}
	}
	now := l.now().UTC()
	m, _ := l.memberFor(b, w.member, now)
	m, change, err := w.change(m, now)
	if err != nil {
		return err // a refusal, not the store's failure: nothing written
	}
	if err := setJSON(txn, memberKey(m.ID), recordOf(m)); err != nil {
		return err
	}
	l.lastChange = max(now.UnixNano(), l.lastChange+1)
	if err := setJSON(txn, memberChangeKey(m.ID, l.lastChange), change); err != nil {
		return err
	}
	b.members[m.ID] = m
	if key != "" {
		v, err := json.Marshal(recordOf(m))
		if err != nil {
			return storeError{err}
		}
		if err := txn.SetEntry(badger.NewEntry(idemKey(tierKeyPrefix+key), v).WithTTL(keyTTL)); err != nil {
			return storeError{err}
		}
		b.tierKeys[key] = m
	}
	w.res = m
	return nil
}
