package quota_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
)

// The rules, held to their edges with no store opened: every input is a
// plain value, the time included.

func TestUndoable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)
	undone := now.Add(-time.Hour)
	for _, tc := range []struct {
		name   string
		at     time.Time
		undone time.Time
		want   bool
	}{
		{"just logged", now, time.Time{}, true},
		{"an hour old", now.Add(-time.Hour), time.Time{}, true},
		{"exactly 24 hours old", now.Add(-24 * time.Hour), time.Time{}, true},
		{"24 hours and a nanosecond old", now.Add(-24*time.Hour - 1), time.Time{}, false},
		{"a week old", now.AddDate(0, 0, -7), time.Time{}, false},
		{"dated after now (the clock was set back)", now.Add(time.Hour), time.Time{}, true},
		{"taken back already", now.Add(-2 * time.Hour), undone, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := quota.Entry{At: tc.at, Member: "U1", Kind: quota.Message, Count: 1, Undone: tc.undone}
			if got := e.Undoable(now); got != tc.want {
				t.Errorf("Undoable at %s of an entry at %s: got %t, want %t", now, tc.at, got, tc.want)
			}
		})
	}
	if got, want := quota.UndoableSince(now), now.Add(-24*time.Hour); !got.Equal(want) {
		t.Errorf("UndoableSince(%s): got %s, want %s", now, got, want)
	}
}

// TestUndoableAcrossDaylightSaving: the undo window is 24 hours of
// elapsed time, not a calendar day, so on a 25-hour day an entry logged
// just after midnight is out of reach before the day ends.
func TestUndoableAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	at := time.Date(2026, 11, 1, 0, 30, 0, 0, ny) // the fall-back day, 25 hours long
	e := quota.Entry{At: at.UTC(), Member: "U1", Kind: quota.Message, Count: 1}
	if !e.Undoable(time.Date(2026, 11, 1, 23, 30, 0, 0, ny)) {
		t.Error("23 wall-clock hours later (24 elapsed): got not undoable, want undoable")
	}
	if e.Undoable(time.Date(2026, 11, 1, 23, 31, 0, 0, ny)) {
		t.Error("24 elapsed hours and a minute later, the same calendar day: got undoable, want not")
	}
}

func TestCheckMember(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"U123ABC", true},
		{"W0_a-b.c", true},
		{strings.Repeat("U", 64), true},
		{"", false},
		{strings.Repeat("U", 65), false},
		{"U1\x00", false},
		{"U 1", false},
		{"<@U1>", false},
	} {
		err := quota.CheckMember(tc.id)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, quota.ErrInvalidMember)) {
			t.Errorf("CheckMember(%q): got %v, want ok %t (else ErrInvalidMember)", tc.id, err, tc.ok)
		}
	}
}

func TestCheckLog(t *testing.T) {
	t.Parallel()
	p := quota.DefaultPlan()
	for _, tc := range []struct {
		name  string
		kind  quota.Kind
		count int
		note  string
		want  error
	}{
		{"one message", quota.Message, 1, "", nil},
		{"the most at once", quota.InMail, quota.MaxCount, "", nil},
		{"zero", quota.Message, 0, "", quota.ErrBadCount},
		{"negative", quota.Message, -5, "", quota.ErrBadCount},
		{"one too many", quota.Message, quota.MaxCount + 1, "", quota.ErrBadCount},
		{"a kind the plan lacks", "connect", 1, "", quota.ErrUnknownKind},
		{"a plural is the parser's business", "messages", 1, "", quota.ErrUnknownKind},
		{"the longest note, in runes", quota.Message, 1, strings.Repeat("😀", quota.MaxNote), nil},
		{"a note one rune too long", quota.Message, 1, strings.Repeat("😀", quota.MaxNote+1), quota.ErrNoteTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := p.CheckLog(tc.kind, tc.count, tc.note)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("CheckLog(%q, %d, %d-rune note): got %v, want %v", tc.kind, tc.count, len([]rune(tc.note)), err, tc.want)
			}
		})
	}
	var ue *quota.UnknownError
	if err := p.CheckLog("inmial", 1, ""); !errors.As(err, &ue) || ue.Suggestion != "inmail" {
		t.Errorf("CheckLog(inmial): got %v, want an *UnknownError suggesting inmail", err)
	}
}

func TestAllows(t *testing.T) {
	t.Parallel()
	builtin := quota.DefaultTiers()
	tiers := map[string]quota.Tier{"free": builtin["free"], "premium": builtin["premium"], "sales_navigator": builtin["sales_navigator"]}
	tiers["sales"] = quota.Tier{Limits: map[quota.Kind][]quota.Limit{
		quota.InMail: {{Window: quota.Day, Max: 50}},
		"connect":    {{Window: quota.Week, Max: 100}},
	}}
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tier  string
		kind  quota.Kind
		tiers []string // nil: allowed
	}{
		{"free", quota.Message, nil},
		{"premium", quota.InMail, nil},
		{"free", quota.InMail, []string{"premium", "sales", "sales_navigator"}},
		{"sales_navigator", quota.InMail, nil}, // credits, no windows
		{"sales", quota.Message, []string{"free", "premium", "sales_navigator"}},
		{"premium", "connect", []string{"sales"}},
		{"sales", quota.Invite, []string{"free", "premium", "sales_navigator"}},
	} {
		err := p.Allows(p.Tier(tc.tier), tc.kind)
		var nk *quota.NoKindError
		switch {
		case tc.tiers == nil && err != nil:
			t.Errorf("Allows(%s, %s): got %v, want nil", tc.tier, tc.kind, err)
		case tc.tiers == nil:
		case !errors.As(err, &nk) || !errors.Is(err, quota.ErrNoKind):
			t.Errorf("Allows(%s, %s): got %v, want a *NoKindError", tc.tier, tc.kind, err)
		case nk.Tier != tc.tier || nk.Kind != tc.kind || !slices.Equal(nk.Tiers, tc.tiers):
			t.Errorf("Allows(%s, %s): got %+v, want the tiers with it %v", tc.tier, tc.kind, nk, tc.tiers)
		}
	}
}

// counts is what a member used, by kind and period key, as a store would
// count it.
type counts map[string]int

func (c counts) count(k quota.Kind, p quota.Period) (int, error) {
	return c[string(k)+" "+p.Key()], nil
}

// TestUsage reads a member's standing from counts over a day, a week and
// a month at once, on New York's 23-hour spring-forward day.
func TestUsage(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	tiers := quota.DefaultTiers()
	tiers["sales"] = quota.Tier{Limits: map[quota.Kind][]quota.Limit{
		quota.Message: {{Window: quota.Month, Max: 1500}, {Window: quota.Day, Max: 100}, {Window: quota.Week, Max: 400}},
		"invite":      {{Window: quota.Week, Max: 100}},
	}}
	p, err := quota.NewPlan(tiers, "free")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 on Sunday 8 March 2026: the day began at 00:00 EST and ends at
	// 00:00 EDT, 23 hours later; ISO week 10 began on Monday the 2nd.
	now := time.Date(2026, 3, 8, 23, 30, 0, 0, ny)
	c := counts{
		"message 2026-03-08": 85, "message 2026-W10": 390, "message 2026-03": 1000,
		"message 2026-03-07": 100, // yesterday: not today's
		"invite 2026-W10":    100,
		"inmail 2026-03-08":  7, // not a kind of sales
	}
	u, err := p.Usage(quota.Member{ID: "U1", Tier: "sales"}, now, ny, c.count, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ku := range u.Kinds {
		for _, w := range ku.Windows {
			got = append(got, fmt.Sprintf("%s %s %s..%s used %d left %d standing %d",
				ku.Kind, w.Limit.Window, w.Period.Start.Format(time.RFC3339), w.ResetsAt().Format(time.RFC3339), w.Used, w.Left(), w.Standing()))
		}
		got = append(got, fmt.Sprintf("%s left %d, bound by the %s", ku.Kind, ku.Left(), ku.Binding().Limit.Window))
	}
	want := []string{
		fmt.Sprintf("message day 2026-03-08T00:00:00-05:00..2026-03-09T00:00:00-04:00 used 85 left 15 standing %d", quota.Near),
		fmt.Sprintf("message week 2026-03-02T00:00:00-05:00..2026-03-09T00:00:00-04:00 used 390 left 10 standing %d", quota.Near),
		fmt.Sprintf("message month 2026-03-01T00:00:00-05:00..2026-04-01T00:00:00-04:00 used 1000 left 500 standing %d", quota.Within),
		"message left 10, bound by the week",
		fmt.Sprintf("invite week 2026-03-02T00:00:00-05:00..2026-03-09T00:00:00-04:00 used 100 left 0 standing %d", quota.Reached),
		"invite left 0, bound by the week",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Usage:\ngot  %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if day := u.Kinds[0].Windows[0]; day.ResetsAt().Sub(day.Period.Start) != 23*time.Hour {
		t.Errorf("the spring-forward day lasts %v, want 23h", day.ResetsAt().Sub(day.Period.Start))
	}
	if u.Member.ID != "U1" || !u.At.Equal(now) {
		t.Errorf("Usage of %s at %s, want U1 at %s", u.Member.ID, u.At, now)
	}

	// A member whose tier the config dropped reads as on the default tier.
	sent := func(quota.Kind, time.Time) ([]quota.Sent, error) {
		return []quota.Sent{{At: now.Add(-time.Hour), Count: 30}}, nil
	}
	u, err = p.Usage(quota.Member{ID: "U2", Tier: "gone"}, now, ny, c.count, sent)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Kinds) != 2 || u.Kinds[0].Kind != quota.Message || u.Kinds[0].Left() != 15 || u.Kinds[1].Kind != quota.Invite || u.Kinds[1].Left() != 70 {
		t.Errorf("Usage on a dropped tier: got %+v, want free's messages with 15 left today and 70 invitations", u.Kinds)
	}

	// Counts past a limit: over, nothing left.
	c["message 2026-03-08"] = 130
	u, _ = p.Usage(quota.Member{ID: "U1", Tier: "sales"}, now, ny, c.count, nil)
	if ku := u.Kinds[0]; ku.Left() != 0 || len(ku.Over()) != 1 || ku.Over()[0].Over() != 30 || ku.Windows[0].Standing() != quota.Over {
		t.Errorf("130 of 100 today: got left %d, over %+v; want 0 left, the day 30 over", ku.Left(), ku.Over())
	}

	boom := errors.New("the store is gone")
	if _, err := p.Usage(quota.Member{ID: "U1", Tier: "sales"}, now, ny, func(quota.Kind, quota.Period) (int, error) { return 0, boom }, nil); !errors.Is(err, boom) {
		t.Errorf("Usage with a failing count: got %v, want its error", err)
	}
}

// TestTierUsage: a tier without the kind gives no windows, as after an
// undo, which reports no standing.
func TestTierUsage(t *testing.T) {
	t.Parallel()
	free := quota.DefaultPlan().Tier("free")
	now := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	ku, err := free.Usage(quota.InMail, now, time.UTC, func(quota.Period) (int, error) { return 3, nil }, nil)
	if err != nil || ku.Kind != quota.InMail || len(ku.Windows) != 0 {
		t.Errorf("free's InMail usage: got %+v, %v; want no windows", ku, err)
	}
	ku, _ = free.Usage(quota.Message, now, time.UTC, func(p quota.Period) (int, error) {
		return map[quota.Window]int{quota.Day: 40, quota.Month: 1490}[p.Window], nil
	}, nil)
	if ku.Left() != 10 || ku.Binding().Limit.Window != quota.Month || ku.Binding().ResetsAt() != time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("free's messages, 40 today and 1,490 this month: got %d left bound by %s, want 10 bound by the month", ku.Left(), ku.Binding().Limit.Window)
	}
}

func TestMemberSummary(t *testing.T) {
	t.Parallel()
	p := quota.DefaultPlan()
	for _, tc := range []struct {
		name string
		tier string
		w    quota.Window
		used map[quota.Kind]int
		want string
	}{
		{"free, messages over the month", "free", quota.Month, map[quota.Kind]int{quota.Message: 1600},
			"message 1600/1500 over 100; invite 0/- over 0"},
		{"premium, InMail unused still shown", "premium", quota.Day, map[quota.Kind]int{quota.Message: 5},
			"message 5/100 over 0; inmail 0/20 over 0; invite 0/- over 0"},
		{"free with InMail from an earlier tier", "free", quota.Day, map[quota.Kind]int{quota.InMail: 3},
			"message 0/100 over 0; inmail 3/- over 0; invite 0/- over 0"},
		{"no limit for the window", "free", quota.Week, map[quota.Kind]int{quota.Message: 700},
			"message 700/- over 0; invite 0/- over 0"},
		{"a rolling limit is no calendar one", "free", quota.Month, map[quota.Kind]int{quota.Invite: 120},
			"message 0/1500 over 0; invite 120/- over 0"},
		{"credits are no calendar limit", "sales_navigator", quota.Month, map[quota.Kind]int{quota.InMail: 60},
			"message 0/1500 over 0; inmail 60/- over 0; invite 0/- over 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms := p.MemberSummary(quota.Member{ID: "U1", Tier: tc.tier}, tc.w, tc.used)
			var parts []string
			for _, k := range ms.Kinds {
				lim := "-"
				if k.HasLimit {
					lim = fmt.Sprint(k.Limit.Max)
				}
				parts = append(parts, fmt.Sprintf("%s %d/%s over %d", k.Kind, k.Used, lim, k.Over()))
			}
			if got := strings.Join(parts, "; "); got != tc.want || ms.Member.ID != "U1" {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTierUsageRolling: a rolling limit is read from what was sent since
// its span began, not from a period's count, and sits beside the
// calendar windows, shortest span first.
func TestTierUsageRolling(t *testing.T) {
	t.Parallel()
	p, err := quota.NewPlan(map[string]quota.Tier{"sales": {Limits: map[quota.Kind][]quota.Limit{
		"invite": {{Span: 7 * 24 * time.Hour, Max: 100}, {Window: quota.Day, Max: 30}, {Span: 36 * time.Hour, Max: 40}},
	}}}, "sales")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)
	sent := []quota.Sent{{At: now.Add(-6 * 24 * time.Hour), Count: 50}, {At: now.Add(-time.Hour), Count: 20}}
	var since []time.Time
	ku, err := p.Tier("sales").Usage("invite", now, time.UTC, func(quota.Period) (int, error) { return 20, nil },
		func(t time.Time) ([]quota.Sent, error) { since = append(since, t); return sent, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 1 || !since[0].Equal(now.Add(-7*24*time.Hour)) {
		t.Errorf("sent asked since %v, want once, since 7 days before now", since)
	}
	if len(ku.Windows) != 1 || ku.Windows[0].Limit.Window != quota.Day || ku.Windows[0].Used != 20 {
		t.Errorf("calendar windows: got %+v, want the day with 20 used", ku.Windows)
	}
	want := []quota.RollingUsage{
		quota.Rolling(36*time.Hour, 40, sent, now),
		quota.Rolling(7*24*time.Hour, 100, sent, now),
	}
	if !slices.Equal(ku.Rolling, want) || ku.Rolling[0].Used != 20 || ku.Rolling[1].Used != 70 {
		t.Errorf("rolling: got %+v, want %+v", ku.Rolling, want)
	}
	if ku.Left() != 10 {
		t.Errorf("left: got %d, want 10 (the day's)", ku.Left())
	}
	if _, err := p.Tier("sales").Usage("invite", now, time.UTC, func(quota.Period) (int, error) { return 0, nil }, nil); err == nil {
		t.Error("a rolling limit with no sent func: got no error")
	}
}
