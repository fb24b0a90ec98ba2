package quota

import (
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
