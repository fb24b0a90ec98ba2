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
