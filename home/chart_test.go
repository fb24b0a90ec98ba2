package home_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// perDay returns the chart's values for a series by day label.
func perDay(tb testing.TB, p published, series string) map[string]float64 {
	tb.Helper()
	c := p.chart()
	if c == nil {
		tb.Fatalf("no chart")
	}
	for _, s := range c.Series {
		if s.Name == series {
			out := map[string]float64{}
			for _, d := range s.Data {
				out[d.Label] = d.Value
			}
			return out
		}
	}
	tb.Fatalf("no series %s in the chart", series)
	return nil
}

// TestChartAcrossDST: days are cut at local midnight, so the 25-hour Sun
// 1 Nov 2026 in New York holds both of its 01:30s and its 23:30.
func TestChartAcrossDST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	loc := testutil.NewYork(t)
	// In time order: the ledger never records an entry before the last.
	for _, tc := range []struct {
		at    time.Time
		count int
	}{
		{time.Date(2026, 10, 22, 23, 59, 0, 0, loc), 64}, // before the fourteen days
		{time.Date(2026, 10, 31, 23, 30, 0, 0, loc), 1},
		{time.Date(2026, 11, 1, 0, 30, 0, 0, loc), 2},
		{time.Date(2026, 11, 1, 1, 30, 0, 0, loc), 4},                // EDT
		{time.Date(2026, 11, 1, 1, 30, 0, 0, loc).Add(time.Hour), 8}, // EST, the second 01:30
		{time.Date(2026, 11, 1, 23, 30, 0, 0, loc), 16},              // after a 24-hour day would end
		{time.Date(2026, 11, 2, 0, 0, 0, 0, loc), 32},                // the next day's first instant
		{time.Date(2026, 11, 5, 9, 0, 0, 0, loc), 128},               // today
	} {
		e.clock.Set(tc.at)
		e.log("U1", quota.Message, tc.count, "")
	}
	e.clock.Set(time.Date(2026, 11, 5, 10, 0, 0, 0, loc))
	got := perDay(t, e.publish("U1"), "Messages")
	want := map[string]float64{"Sat 31 Oct": 1, "Sun 1 Nov": 2 + 4 + 8 + 16, "Mon 2 Nov": 32, "Thu 5 Nov": 128}
	if len(got) != 14 {
		t.Errorf("got %d days, want 14", len(got))
	}
	for day, n := range got {
		if n != want[day] {
			t.Errorf("%s: got %v, want %v", day, n, want[day])
		}
	}
	if _, ok := got["Fri 23 Oct"]; !ok {
		t.Errorf("the first day is not Fri 23 Oct: %v", got)
	}
}

// TestChartBusyMember: a member with more entries in 14 days than one home
// reads still gets exact days: those the entries read do not cover come
// from the counters. Undone entries count nowhere.
func TestChartBusyMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	loc := testutil.NewYork(t)
	start := time.Date(2026, 11, 12, 20, 0, 0, 0, loc) // before the chart's first day
	want := map[string]float64{}
	for i := range 4600 {
		at := start.Add(time.Duration(i) * 4 * time.Minute)
		e.clock.Set(at)
		en := e.log("U1", quota.Message, 1, "")
		if i%100 == 7 {
			if _, err := e.ledger.UndoEntry(context.Background(), "U1", en.ID, ""); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want[at.In(loc).Format("Mon 2 Jan")]++
	}
	e.clock.Set(thursday(t))
	got := perDay(t, e.publish("U1"), "Messages")
	for day, n := range got {
		if n != want[day] {
			t.Errorf("%s: got %v, want %v", day, n, want[day])
		}
	}
	if got["Fri 13 Nov"] == 0 {
		t.Errorf("the oldest day is empty: the history did not reach it and the fallback did not fill it")
	}
}

// TestManyKindsAndTiers: a plan with sixty kinds and 150 tiers, some with
// names too long for a menu, still gives an admin a home within Slack's
// limits with every optional part shown at once (the outcome of a press,
// the kinds their tier lacks, an Undo on an entry older than the five
// listed): kinds past the room are counted in a line, the chart keeps to
// six series, and each tier menu to 100 options with the member's own.
func TestManyKindsAndTiers(t *testing.T) {
	t.Parallel()
	most := map[quota.Kind][]quota.Limit{}
	for i := range 59 {
		most[quota.Kind(fmt.Sprintf("kind%02d", i))] = []quota.Limit{{Window: quota.Day, Max: 10}, {Window: quota.Week, Max: 50}, {Window: quota.Month, Max: 100}}
	}
	tiers := map[string]quota.Tier{}
	for i := range 150 {
		tiers[fmt.Sprintf("tier%03d", i)] = quota.Tier{Limits: most}
	}
	tiers[strings.Repeat("long", 40)] = quota.Tier{Limits: map[quota.Kind][]quota.Limit{"kind59": {{Window: quota.Day, Max: 1}}}}
	plan, err := quota.NewPlan(tiers, "tier149")
	if err != nil {
		t.Fatal(err)
	}
	c := testutil.NewClock(thursday(t))
	l, err := store.Open(t.TempDir(), store.Options{InMemory: true, Now: c.Now, Location: testutil.NewYork(t), Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for i := range 100 {
		for k := range 8 {
			mustLog(t, l, fmt.Sprintf("U%03d", i), quota.Kind(fmt.Sprintf("kind%02d", k)), 1+i%12, "")
		}
	}
	for range 5 {
		e := mustLog(t, l, "U000", "kind00", 1, "")
		if _, err := l.UndoEntry(context.Background(), "U000", e.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	h := home.New(l, commands.New(l, commands.Options{Admins: []string{"U000"}}), rec, home.Options{})
	_, err = h.HandleAction(context.Background(), commands.ActionRequest{ActionID: commands.ActionLog1, Value: "1 kind59", UserID: "U000"})
	if err != nil {
		t.Fatal(err)
	}
	calls := rec.published()
	if len(calls) != 1 {
		t.Fatalf("got %d publishes, want 1", len(calls))
	}
	var blocks slack.Blocks
	if err := blocks.UnmarshalJSON([]byte(calls[0].view)); err != nil {
		t.Fatal(err)
	}
	checkBlocks(t, blocks.BlockSet)
	p := published{raw: []byte(calls[0].view), blocks: blocks.BlockSet}
	for _, want := range []string{
		"Not logged: your tier, tier149, has no kind59",
		"more kinds: see them all with `/quota`",
		"No kind59s on your tier, tier149.",
		"\"action_id\":\"quotabot.undo\"",
	} {
		if !strings.Contains(p.text(), want) {
			t.Errorf("view lacks %q", want)
		}
	}
	if got := len(blocks.BlockSet); got < blockkit.MaxHomeBlocks-2 {
		t.Errorf("got %d blocks, want the room used up to about %d", got, blockkit.MaxHomeBlocks)
	}
	if c := p.chart(); c == nil || len(c.Series) != 6 {
		t.Errorf("chart: want 6 series of the 8 kinds used")
	}
	ids, menus := p.teamRows()
	if len(ids) != home.DefaultPageSize {
		t.Errorf("got %d team rows, want %d", len(ids), home.DefaultPageSize)
	}
	for i, m := range menus {
		if m == nil || len(m.Options) != blockkit.MaxOptions || m.InitialOption == nil || m.InitialOption.Value != ids[i]+":tier149" {
			t.Fatalf("%s's tier menu: want %d options starting at their tier149", ids[i], blockkit.MaxOptions)
		}
	}
}
