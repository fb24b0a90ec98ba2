package quota

// Standing is how a use stands against its limit. Replies, the team view,
// the App Home and the scheduled posts all ask StandingOf, so that they
// draw the same edges.
type Standing int

const (
	Within  Standing = iota // under 80% of the limit
	Near                    // 80% of it or more, something left
	Reached                 // nothing left, none over
	Over                    // more used than the limit
)

// StandingOf is the rule: over past the limit; reached when nothing is
// left (a limit of 0 before any use, too); near from 80% of the limit, in
// whole numbers so that no rounding moves the edge.
func StandingOf(used, limit int) Standing {
	switch {
	case used > limit:
		return Over
	case used >= limit:
		return Reached
	case used*5 >= limit*4:
		return Near
	}
	return Within
}

// Standing is the window's standing.
func (w WindowUsage) Standing() Standing { return StandingOf(w.Used, w.Limit.Max) }

// Standing is the kind's standing over the period; Within when the tier
// sets no limit for its window.
func (k KindSummary) Standing() Standing {
	if !k.HasLimit {
		return Within
	}
	return StandingOf(k.Used, k.Limit.Max)
}
