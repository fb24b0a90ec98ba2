package quota

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Cap holds one member below their tier for one kind in one window: an
// account warming up, or one LinkedIn has warned.
type Cap struct {
	Kind  Kind
	Limit Limit
	By    string // the admin who set it
	At    time.Time
}

// Pause marks an account LinkedIn has restricted. Logging still records
// (the sends happened) but every reply and summary says so loudly.
type Pause struct {
	Reason string
	By     string
	At     time.Time
}

// Limits returns the limits a member with caps is held to for kind k on
// tier t: each of the tier's limits lowered by a cap on the same window,
// and any capped window the tier does not limit added. A cap never raises
// a limit; the lower of the two holds.
func Limits(t Tier, caps []Cap, k Kind) []Limit {
	ls := slices.Clone(t.Limits[k])
	for _, c := range caps {
		if c.Kind != k {
			continue
		}
		i := slices.IndexFunc(ls, c.Limit.SameWindow)
		if i < 0 {
			ls = append(ls, c.Limit)
			continue
		}
		ls[i].Max = min(ls[i].Max, c.Limit.Max)
	}
	slices.SortFunc(ls, func(a, b Limit) int {
		switch {
		case a.less(b):
			return -1
		case b.less(a):
			return 1
		}
		return 0
	})
	return ls
}

// Capped reports whether one of caps holds the member below tier t for
// kind k, in some window; a cap at or above the tier's limit holds nobody.
func Capped(t Tier, caps []Cap, k Kind) bool {
	for _, c := range caps {
		if c.Kind != k {
			continue
		}
		i := slices.IndexFunc(t.Limits[k], c.Limit.SameWindow)
		if i < 0 || c.Limit.Max < t.Limits[k][i].Max {
			return true
		}
	}
	return false
}

// SetCap returns caps with c in place of any cap on the same kind and
// window.
func SetCap(caps []Cap, c Cap) []Cap {
	out := slices.DeleteFunc(slices.Clone(caps), func(o Cap) bool {
		return o.Kind == c.Kind && o.Limit.SameWindow(c.Limit)
	})
	return append(out, c)
}

// RemoveCaps returns caps without those on kind k.
func RemoveCaps(caps []Cap, k Kind) []Cap {
	return slices.DeleteFunc(slices.Clone(caps), func(o Cap) bool { return o.Kind == k })
}

// WithCaps returns t with its limits lowered by caps, as Limits says, for
// the kinds t can send; a cap on a kind t cannot send is left waiting for
// a tier that can. t itself is not changed.
func (t Tier) WithCaps(caps []Cap) Tier {
	if len(caps) == 0 {
		return t
	}
	out := t
	out.Limits = make(map[Kind][]Limit, len(t.Limits))
	for k, ls := range t.Limits {
		out.Limits[k] = ls
	}
	for _, c := range caps {
		if t.Has(c.Kind) {
			out.Limits[c.Kind] = Limits(t, caps, c.Kind)
		}
	}
	return out
}

// CapHold is a cap that holds a member below their tier, beside the limit
// the tier itself sets on the same window, if it sets one.
type CapHold struct {
	Cap     Cap
	Tier    Limit // the tier's own limit on the cap's window
	TierHas bool  // whether the tier limits that window at all
}

// Holds returns the caps on kind k that hold a member on tier t below it
// (Capped's sense), in the order of caps.
func Holds(t Tier, caps []Cap, k Kind) []CapHold {
	var hs []CapHold
	for _, c := range caps {
		if c.Kind != k || !Capped(t, []Cap{c}, k) {
			continue
		}
		h := CapHold{Cap: c}
		if i := slices.IndexFunc(t.Limits[k], c.Limit.SameWindow); i >= 0 {
			h.Tier, h.TierHas = t.Limits[k][i], true
		}
		hs = append(hs, h)
	}
	return hs
}

// ParseLimitWindow reads a window as the commands and the store write it
// (Limit.WindowName): "day", "week", "month", or a span such as "7d" or
// "24h". The Limit it returns has Max 0. An error wraps ErrUnknownWindow.
func ParseLimitWindow(s string) (Limit, error) {
	if w, err := ParseWindow(s); err == nil {
		return Limit{Window: w}, nil
	}
	d, err := ParseSpan(s)
	if err != nil {
		return Limit{}, err
	}
	return Limit{Span: d}, nil
}

// Why an admin's change to a member was refused. Each leaves the member
// as they were: the change would hold nothing back, undo nothing, or
// silently replace what an admin set before.
var (
	// ErrHoldsNothing: a cap at or above the tier's own limit on its
	// window, or on a kind the tier cannot send. A *HoldError matches it.
	ErrHoldsNothing = errors.New("cap holds nothing back")
	// ErrNoCap: lifting the caps on a kind the member has none on.
	ErrNoCap = errors.New("no cap to lift")
	// ErrNotPaused: resuming a member who is not paused.
	ErrNotPaused = errors.New("not paused")
	// ErrAlreadyPaused: pausing a member who is paused already; a
	// *ChangeError carrying the pause that stands matches it.
	ErrAlreadyPaused = errors.New("already paused")
)

// HoldError says a cap would not hold its member below their tier, so it
// was refused. It matches ErrHoldsNothing.
type HoldError struct {
	Member string
	Tier   string // the member's tier's name
	Kind   Kind
	Cap    Limit // the cap refused
	// TierLimit is the tier's own limit on the cap's window, which the
	// cap does not go below; meaningless when NoKind.
	TierLimit Limit
	NoKind    bool // the tier cannot send Kind at all
}

func (e *HoldError) Error() string {
	if e.NoKind {
		return fmt.Sprintf("cap %s on %s: tier %s has no %s", e.Member, e.Kind, e.Tier, e.Kind)
	}
	return fmt.Sprintf("cap %s on %s at %d: tier %s allows %d on that window", e.Member, e.Kind, e.Cap.Max, e.Tier, e.TierLimit.Max)
}

// Is makes errors.Is(err, ErrHoldsNothing) work.
func (e *HoldError) Is(target error) bool { return target == ErrHoldsNothing }

// ChangeError says an admin's change to Member was refused as one that
// would change nothing (ErrNoCap, ErrNotPaused) or replace the pause that
// stands (ErrAlreadyPaused, with Pause). It matches Err.
type ChangeError struct {
	Member string
	Kind   Kind   // the kind, for ErrNoCap
	Pause  *Pause // the pause that stands, for ErrAlreadyPaused
	Err    error
}

func (e *ChangeError) Error() string {
	if e.Kind != "" {
		return fmt.Sprintf("%s %s: %v", e.Member, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Member, e.Err)
}

func (e *ChangeError) Unwrap() error { return e.Err }

// CheckCap refuses, with a *HoldError, a cap c that would not hold m below
// their tier t: one on a kind t cannot send, or at or above t's own limit
// on c's window (Capped's sense). A cap on a window t does not limit holds,
// and so does one on a kind t pays for only in credits.
func CheckCap(m Member, t Tier, c Cap) error {
	e := &HoldError{Member: m.ID, Tier: t.Name, Kind: c.Kind, Cap: c.Limit}
	if !t.Has(c.Kind) {
		e.NoKind = true
		return e
	}
	if Capped(t, []Cap{c}, c.Kind) {
		return nil
	}
	i := slices.IndexFunc(t.Limits[c.Kind], c.Limit.SameWindow)
	e.TierLimit = t.Limits[c.Kind][i] // Capped found it, or it would hold
	return e
}

// CheckUncap refuses, with ErrNoCap, lifting m's caps on k when m has
// none on k.
func CheckUncap(m Member, k Kind) error {
	if slices.ContainsFunc(m.Caps, func(c Cap) bool { return c.Kind == k }) {
		return nil
	}
	return &ChangeError{Member: m.ID, Kind: k, Err: ErrNoCap}
}

// CheckPause refuses, with ErrAlreadyPaused and the pause that stands,
// pausing m again: a second pause would silently replace who paused them
// and why.
func CheckPause(m Member) error {
	if m.Pause == nil {
		return nil
	}
	p := *m.Pause
	return &ChangeError{Member: m.ID, Pause: &p, Err: ErrAlreadyPaused}
}

// CheckResume refuses, with ErrNotPaused, resuming m when m is not paused.
func CheckResume(m Member) error {
	if m.Pause != nil {
		return nil
	}
	return &ChangeError{Member: m.ID, Err: ErrNotPaused}
}
