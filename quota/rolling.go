package quota

import "time"

// Sent is one standing entry as a rolling window counts it: when it was
// logged and how many it counts. A refund (credits given back) is read
// with the sends so that a credit balance comes from the same read; no
// window counts it: it is not an unsent message.
type Sent struct {
	At     time.Time
	Count  int
	Refund bool
}

// RollingUsage is how much of a rolling limit (so many over the last span,
// such as 100 invitations over the last 7 days) is used at a moment.
type RollingUsage struct {
	Span time.Duration
	Max  int
	At   time.Time
	// Used is what was logged in the span before At: every entry that
	// has not yet turned Span old.
	Used int
	// NextFree is the first whole minute by which some of Used has turned
	// Span old, and Freeing how many have by then. Both are zero when
	// nothing is used. A reply shows the minute, so it is rounded up: at
	// the minute shown, all of Freeing is free.
	NextFree time.Time
	Freeing  int
}

// Rolling is the rule for a rolling window: at now, an entry counts until
// it turns span old (it frees up at At+span, not a moment later), whatever
// the calendar and its daylight-saving days do. An entry dated after now
// (the clock stepped back) counts too: it happened.
func Rolling(span time.Duration, limit int, sent []Sent, now time.Time) RollingUsage {
	r := RollingUsage{Span: span, Max: limit, At: now}
	var oldest time.Time
	for _, s := range sent {
		free := s.At.Add(span)
		if s.Refund || !free.After(now) {
			continue
		}
		r.Used += s.Count
		if oldest.IsZero() || free.Before(oldest) {
			oldest = free
		}
	}
	if r.Used == 0 {
		return r
	}
	r.NextFree = ceilMinute(oldest)
	for _, s := range sent {
		free := s.At.Add(span)
		if !s.Refund && free.After(now) && !free.After(r.NextFree) {
			r.Freeing += s.Count
		}
	}
	return r
}

// ceilMinute rounds t up to the next whole minute, keeping its location.
func ceilMinute(t time.Time) time.Time {
	m := t.Truncate(time.Minute)
	if m.Before(t) {
		m = m.Add(time.Minute)
	}
	return m
}

// Left is how many more fit now; never negative.
func (r RollingUsage) Left() int { return max(0, r.Max-r.Used) }

// Over is by how much the window is exceeded now; zero when within it.
func (r RollingUsage) Over() int { return max(0, r.Used-r.Max) }

// Standing is the window's standing now, by the one rule.
func (r RollingUsage) Standing() Standing { return StandingOf(r.Used, r.Max) }
