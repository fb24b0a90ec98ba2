package quota

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// The rules the store applies inside its transactions. Each is a function
// of the values it is given, time included, so that it is tested without
// a store and reads the same wherever it runs.

// CheckMember accepts Slack-shaped member IDs: letters, digits, '_', '-'
// and '.', at most 64 of them. Anything else (an empty ID, a NUL that
// would run into the next part of a storage key) is ErrInvalidMember.
func CheckMember(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w %q", ErrInvalidMember, id)
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("%w %q", ErrInvalidMember, id)
		}
	}
	return nil
}

// CheckLog refuses what no member may log under p: a count outside
// MinCount..MaxCount (ErrBadCount), a kind the plan does not know (an
// *UnknownError, ErrUnknownKind) or a note longer than MaxNote characters
// (ErrNoteTooLong). Whether a member's tier can send the kind is Allows's
// to say.
func (p Plan) CheckLog(k Kind, count int, note string) error {
	if count < MinCount || count > MaxCount {
		return fmt.Errorf("%w: %d (%d to %d)", ErrBadCount, count, MinCount, MaxCount)
	}
	if !slices.Contains(p.kinds, k) {
		return p.unknownKind(string(k))
	}
	if n := utf8.RuneCountInString(note); n > MaxNote {
		return fmt.Errorf("%w (%d characters, at most %d)", ErrNoteTooLong, n, MaxNote)
	}
	return nil
}

// Allows says whether a member on tier t may log kind k: nil, or a
// *NoKindError (ErrNoKind) naming the tiers of p that can send it, those
// that limit k by windows before those that pay for it in credits (the
// first is the one a reply suggests: for InMail on the built-in plan, the
// article's premium rather than a paid plan's credits). An InMail on the
// free tier is refused, not recorded as over a limit of 0.
func (p Plan) Allows(t Tier, k Kind) error {
	if t.Has(k) {
		return nil
	}
	var windows, credits []string
	for _, name := range p.TierNames() {
		switch {
		case len(p.Tiers[name].Limits[k]) > 0:
			windows = append(windows, name)
		case p.Tiers[name].Has(k):
			credits = append(credits, name)
		}
	}
	return &NoKindError{Tier: t.Name, Kind: k, Tiers: append(windows, credits...)}
}

// Missing returns the plan's kinds u's tier cannot send, in the plan's
// order, and a tier that can send them all, for a reply to suggest: of
// those, the first in Allows' order (windows before credits), or "" when
// no tier has them all.
func (p Plan) Missing(u Usage) (kinds []Kind, tier string) {
	for _, k := range p.kinds {
		if _, ok := u.Kind(k); !ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil, ""
	}
	var windows, credits []string
	for _, name := range p.TierNames() {
		t := p.Tiers[name]
		if name == u.Member.Tier || !all(kinds, t.Has) {
			continue
		}
		if all(kinds, func(k Kind) bool { return len(t.Limits[k]) > 0 }) {
			windows = append(windows, name)
		} else {
			credits = append(credits, name)
		}
	}
	if with := append(windows, credits...); len(with) > 0 {
		return kinds, with[0]
	}
	return kinds, ""
}

// all reports whether every k in ks satisfies f.
func all(ks []Kind, f func(Kind) bool) bool {
	for _, k := range ks {
		if !f(k) {
			return false
		}
	}
	return true
}

// UndoWindow is how long after it was logged an entry may be taken back.
const UndoWindow = 24 * time.Hour

// UndoableSince is the oldest an entry may be dated and still be taken
// back at now.
func UndoableSince(now time.Time) time.Time { return now.Add(-UndoWindow) }

// Undoable reports whether e may be taken back at now: it still stands and
// was logged at most UndoWindow before now, an entry exactly 24 hours old
// included.
func (e Entry) Undoable(now time.Time) bool {
	return e.Stands() && !e.At.Before(UndoableSince(now))
}

// Usage is member m's standing at now under p: for each kind m's tier can
// send, in the plan's order, what m has used in each window the tier
// limits, lowered by m's caps (Limits), in the period of that window
// holding now, cut in loc. count says
// how much of a kind m used in a period, sent what m sent of a kind since
// an instant (see Tier.Usage); an error of either ends Usage.
func (p Plan) Usage(m Member, now time.Time, loc *time.Location, count func(Kind, Period) (int, error), sent func(Kind, time.Time) ([]Sent, error)) (Usage, error) {
	tier := p.Tier(m.Tier)
	capped := tier.WithCaps(m.Caps)
	u := Usage{Member: m, At: now}
	for _, k := range p.kinds {
		if !tier.Has(k) {
			continue
		}
		var sentK func(time.Time) ([]Sent, error)
		if sent != nil {
			sentK = func(since time.Time) ([]Sent, error) { return sent(k, since) }
		}
		ku, err := capped.Usage(k, now, loc, func(pd Period) (int, error) { return count(k, pd) }, sentK)
		if err == nil {
			ku.Credits, err = tier.Balance(k, m.TierStart(), now, loc, sentK)
		}
		if err != nil {
			return Usage{}, err
		}
		ku.Caps = Holds(tier, m.Caps, k)
		u.Kinds = append(u.Kinds, ku)
	}
	return u, nil
}

// Usage is the use of kind k under t at now: one WindowUsage per calendar
// limit t sets on k, shortest window first, each in the period holding
// now, cut in loc, and one RollingUsage per rolling limit, shortest span
// first. count says how much of k was used in a period; sent gives the
// standing entries of k dated at or after an instant, those dated after
// now included, and is called once, for the longest span (nil will do for
// a tier without rolling limits). An error of either ends Usage. A tier
// without k gives a KindUsage with no windows.
func (t Tier) Usage(k Kind, now time.Time, loc *time.Location, count func(Period) (int, error), sent func(time.Time) ([]Sent, error)) (KindUsage, error) {
	ku := KindUsage{Kind: k}
	var longest time.Duration
	for _, lim := range t.Limits[k] {
		if lim.Rolling() {
			longest = max(longest, lim.Span)
			continue
		}
		pd := lim.Window.Period(now, loc)
		n, err := count(pd)
		if err != nil {
			return KindUsage{}, err
		}
		ku.Windows = append(ku.Windows, WindowUsage{Limit: lim, Period: pd, Used: n})
	}
	if longest == 0 {
		return ku, nil
	}
	if sent == nil {
		return KindUsage{}, fmt.Errorf("usage of %s: a rolling limit and nothing to read what was sent", k)
	}
	ss, err := sent(now.Add(-longest))
	if err != nil {
		return KindUsage{}, err
	}
	for _, lim := range t.Limits[k] {
		if lim.Rolling() {
			ku.Rolling = append(ku.Rolling, Rolling(lim.Span, lim.Max, ss, now))
		}
	}
	return ku, nil
}

// Balance is the credit balance of kind k under t at now for a member who
// began on t at start, or nil when t does not pay for k in credits. sent
// gives the member's standing entries of k, refunds included, dated at or
// after an instant (as for Usage); it is asked from start, since the
// moves before that were made under another tier.
func (t Tier) Balance(k Kind, start, now time.Time, loc *time.Location, sent func(time.Time) ([]Sent, error)) (*CreditBalance, error) {
	c, ok := t.Credits[k]
	if !ok {
		return nil, nil
	}
	if sent == nil {
		return nil, fmt.Errorf("credits of %s: nothing to read what was spent", k)
	}
	if start.IsZero() {
		start = now // a member not yet enrolled starts now, with one grant
	}
	ss, err := sent(start)
	if err != nil {
		return nil, err
	}
	b := CreditsAt(c, start, CreditMoves(ss), now, loc)
	return &b, nil
}

// MemberSummary is m's use over a period of window w under p, from what m
// used of each kind in it: every kind m used or m's tier can send, in the
// plan's order, against the limit the tier sets for w, lowered by m's
// caps, if either sets one.
func (p Plan) MemberSummary(m Member, w Window, used map[Kind]int) MemberSummary {
	tier := p.Tier(m.Tier).WithCaps(m.Caps)
	ms := MemberSummary{Member: m}
	for _, k := range p.kinds {
		n, usedIt := used[k]
		if !usedIt && !tier.Has(k) {
			continue
		}
		lim, has := tier.Limit(k, w)
		_, paid := tier.Credits[k]
		ms.Kinds = append(ms.Kinds, KindSummary{Kind: k, Used: n, Limit: lim, HasLimit: has, Paid: paid})
	}
	return ms
}
