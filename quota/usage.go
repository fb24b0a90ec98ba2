package quota

import (
	"strconv"
	"time"
)

// Member is someone in the workspace who logs sends: a Slack user ID.
type Member struct {
	ID        string
	Tier      string
	Enrolled  time.Time
	TierSetBy string    // who last set the tier; "" when it is the default
	TierSetAt time.Time // when; zero when it is the default
	// Caps hold the member below their tier, set by an admin; none by
	// default.
	Caps []Cap
	// Pause is set while LinkedIn has restricted the account; nil
	// otherwise.
	Pause *Pause
}

// TierStart is when the member began on their tier: when it was last set,
// or when they enrolled on the default. Credits count from then.
func (m Member) TierStart() time.Time {
	if !m.TierSetAt.IsZero() {
		return m.TierSetAt
	}
	return m.Enrolled
}

// Entry is one logged batch of sends.
type Entry struct {
	// ID is unique and sorts by time; it is what an Undo button names.
	ID     string
	At     time.Time
	Member string
	Kind   Kind
	Count  int
	Note   string
	// Undone is when the entry was taken back; zero if it stands.
	Undone time.Time
	// Refund marks credits given back (/logsend refund): not a send, so
	// no window counts it and export leaves it out.
	Refund bool
}

// Stands reports whether the entry still counts.
func (e Entry) Stands() bool { return e.Undone.IsZero() }

// WindowUsage is how much of one limit a member has used in the current
// period.
type WindowUsage struct {
	Limit  Limit
	Period Period
	Used   int
}

// Left is how many more fit in this window; never negative.
func (w WindowUsage) Left() int { return max(0, w.Limit.Max-w.Used) }

// Over is by how much the window has been exceeded; zero when within it.
func (w WindowUsage) Over() int { return max(0, w.Used-w.Limit.Max) }

// ResetsAt is when the window starts afresh.
func (w WindowUsage) ResetsAt() time.Time { return w.Period.End() }

// Fraction is the share used, 0 for an unused window; above 1 when over.
// A zero limit that has been used at all reads as 1 plus the overshoot.
func (w WindowUsage) Fraction() float64 {
	if w.Limit.Max == 0 {
		if w.Used == 0 {
			return 0
		}
		return 1 + float64(w.Used)
	}
	return float64(w.Used) / float64(w.Limit.Max)
}

// KindUsage is a member's use of one kind across all the windows their tier
// limits it by.
type KindUsage struct {
	Kind    Kind
	Windows []WindowUsage // calendar windows, shortest first
	Rolling []RollingUsage
	// Credits is the balance when the tier pays for the kind in credits;
	// nil otherwise.
	Credits *CreditBalance
	// Caps are the member's caps that hold them below their tier on this
	// kind; the limits above are already the capped ones.
	Caps []CapHold
}

// Capped reports whether a cap holds the member below their tier on this
// kind.
func (k KindUsage) Capped() bool { return len(k.Caps) > 0 }

// Left is what the member can still send now: the least left over all
// windows, calendar and rolling, and the credit balance.
func (k KindUsage) Left() int {
	left := -1
	if k.Credits != nil {
		left = max(0, k.Credits.Balance)
	}
	for _, w := range k.Windows {
		if left < 0 || w.Left() < left {
			left = w.Left()
		}
	}
	for _, r := range k.Rolling {
		if left < 0 || r.Left() < left {
			left = r.Left()
		}
	}
	return max(left, 0)
}

// Binding returns the window that limits the member now: the one with the
// least left, the longer window on a tie (it resets later).
func (k KindUsage) Binding() WindowUsage {
	var b WindowUsage
	for i, w := range k.Windows {
		if i == 0 || w.Left() <= b.Left() {
			b = w
		}
	}
	return b
}

// Window returns the usage for window w, if the tier limits it.
func (k KindUsage) Window(w Window) (WindowUsage, bool) {
	for _, wu := range k.Windows {
		if wu.Limit.Window == w {
			return wu, true
		}
	}
	return WindowUsage{}, false
}

// Over returns the windows that are over their limit.
func (k KindUsage) Over() []WindowUsage {
	var over []WindowUsage
	for _, w := range k.Windows {
		if w.Over() > 0 {
			over = append(over, w)
		}
	}
	return over
}

// Usage is one member's standing at a moment.
type Usage struct {
	Member Member
	At     time.Time
	Kinds  []KindUsage // in the plan's kind order, only kinds the tier has
}

// Kind returns the usage for kind k, if the member's tier has it.
func (u Usage) Kind(k Kind) (KindUsage, bool) {
	for _, ku := range u.Kinds {
		if ku.Kind == k {
			return ku, true
		}
	}
	return KindUsage{}, false
}

// Summary is a team's use over one finished period: a day or a month.
type Summary struct {
	Period  Period
	Members []MemberSummary // by member ID; members with no use are left out
	Totals  map[Kind]int
	// Credits holds, for a month, the account of every member on a tier
	// that pays a kind in credits, by member ID, then kind.
	Credits []CreditAccount
}

// MemberSummary is one member's use over a summary's period.
type MemberSummary struct {
	Member Member
	Kinds  []KindSummary // kinds the member used or their tier limits, plan order
}

// KindSummary is one member's use of one kind over a period, against the
// limit their tier sets for that period's window, if it sets one.
type KindSummary struct {
	Kind     Kind
	Used     int
	Limit    Limit
	HasLimit bool
	// Paid says the tier pays for the kind in credits.
	Paid bool
}

// Over is by how much the member went over; 0 within the limit or with none.
func (k KindSummary) Over() int {
	if !k.HasLimit {
		return 0
	}
	return max(0, k.Used-k.Limit.Max)
}

// Share is used over limit, 0 with no limit.
func (k KindSummary) Share() float64 {
	if !k.HasLimit || k.Limit.Max == 0 {
		return 0
	}
	return float64(k.Used) / float64(k.Limit.Max)
}

// FormatCount writes n with thousands separators, as every reply and post
// shows counts: 1,495.
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	var b []byte
	if s[0] == '-' {
		b, s = append(b, '-'), s[1:]
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
