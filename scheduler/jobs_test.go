package scheduler_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

type entry struct {
	at     time.Time
	member string
	kind   quota.Kind
	count  int
}

// The jobs, called with the time they run at, on the days a calendar gets
// wrong: daylight-saving days of 23 and 25 hours in two zones, month ends,
// 29 February and New Year. Entries just outside the period must not count.
func TestJobsOnCalendarEdges(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	berlin := testutil.MustLoadLocation(t, "Europe/Berlin")
	edt := func(y int, m time.Month, d, h, min int) time.Time { // a time on the fall-back day's second pass
		return date(ny, y, m, d, h, min).Add(time.Hour)
	}
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		entries []entry // in time order
		monthly bool    // MonthlySummary, else DailyReset
		now     time.Time
		key     string
		want    []string // in the text
	}{
		{
			name: "New York spring forward: a 23-hour day", loc: ny,
			entries: []entry{
				{date(ny, 2026, 3, 7, 23, 59), "U1", quota.Message, 500 / 100},
				{date(ny, 2026, 3, 8, 0, 0), "U1", quota.Message, 1},
				{date(ny, 2026, 3, 8, 1, 59), "U1", quota.Message, 2},
				{date(ny, 2026, 3, 8, 3, 0), "U2", quota.Message, 3},
				{date(ny, 2026, 3, 8, 23, 59), "U2", quota.Message, 4},
				{date(ny, 2026, 3, 9, 0, 0), "U2", quota.Message, 60},
			},
			now: date(ny, 2026, 3, 9, 0, 0), key: "daily/2026-03-08",
			want: []string{"*Sun 8 Mar 2026*: the team sent *10 messages*", "(2 members logged sends)"},
		},
		{
			name: "New York fall back: a 25-hour day, 01:30 twice", loc: ny,
			entries: []entry{
				{date(ny, 2026, 11, 1, 1, 30), "U1", quota.Message, 7},
				{edt(2026, 11, 1, 1, 30), "U1", quota.Message, 8},
				{date(ny, 2026, 11, 1, 23, 59), "U1", quota.Message, 9},
				{date(ny, 2026, 11, 2, 0, 0), "U1", quota.Message, 100},
			},
			now: date(ny, 2026, 11, 2, 0, 0), key: "daily/2026-11-01",
			want: []string{"*Sun 1 Nov 2026*: the team sent *24 messages*", "(1 member logged sends)"},
		},
		{
			name: "Berlin spring forward", loc: berlin,
			entries: []entry{
				{date(berlin, 2026, 3, 29, 1, 59), "U1", quota.Message, 3},
				{date(berlin, 2026, 3, 29, 3, 0), "U1", quota.Message, 4},
				{date(berlin, 2026, 3, 30, 0, 0), "U1", quota.Message, 50},
			},
			now: date(berlin, 2026, 3, 30, 0, 0), key: "daily/2026-03-29",
			want: []string{"*Sun 29 Mar 2026*: the team sent *7 messages*"},
		},
		{
			name: "Berlin fall back", loc: berlin,
			entries: []entry{
				{date(berlin, 2026, 10, 25, 2, 30), "U1", quota.Message, 5},
				{date(berlin, 2026, 10, 25, 2, 30).Add(time.Hour), "U1", quota.Message, 6},
				{date(berlin, 2026, 10, 26, 0, 0), "U1", quota.Message, 50},
			},
			now: date(berlin, 2026, 10, 26, 0, 0), key: "daily/2026-10-25",
			want: []string{"*Sun 25 Oct 2026*: the team sent *11 messages*"},
		},
		{
			name: "month end: the summary of January", loc: ny,
			entries: []entry{
				{date(ny, 2025, 12, 31, 23, 59), "U1", quota.Message, 1},
				{date(ny, 2026, 1, 1, 0, 0), "U1", quota.Message, 2},
				{date(ny, 2026, 1, 31, 23, 59), "U2", quota.Message, 10},
				{date(ny, 2026, 2, 1, 0, 0), "U2", quota.Message, 20},
			},
			monthly: true, now: date(ny, 2026, 2, 1, 9, 0), key: "monthly/2026-01",
			want: []string{"*January 2026*: the team sent *12 messages*; 2 members logged sends"},
		},
		{
			name: "month end on a fall-back day: the summary of October", loc: ny,
			entries: []entry{
				{date(ny, 2026, 10, 31, 23, 59), "U1", quota.Message, 10},
				{edt(2026, 11, 1, 1, 30), "U1", quota.Message, 20},
			},
			monthly: true, now: date(ny, 2026, 11, 1, 9, 0), key: "monthly/2026-10",
			want: []string{"*October 2026*: the team sent *10 messages*"},
		},
		{
			name: "29 February: the day", loc: ny,
			entries: []entry{
				{date(ny, 2028, 2, 29, 12, 0), "U1", quota.Message, 30},
				{date(ny, 2028, 3, 1, 0, 0), "U1", quota.Message, 40},
			},
			now: date(ny, 2028, 3, 1, 0, 0), key: "daily/2028-02-29",
			want: []string{"*Tue 29 Feb 2028*: the team sent *30 messages*", "last day of February 2028, so monthly limits have reset too"},
		},
		{
			name: "29 February: the month", loc: ny,
			entries: []entry{
				{date(ny, 2028, 2, 1, 0, 0), "U1", quota.Message, 5},
				{date(ny, 2028, 2, 29, 23, 59), "U1", quota.Message, 30},
				{date(ny, 2028, 3, 1, 0, 0), "U1", quota.Message, 40},
			},
			monthly: true, now: date(ny, 2028, 3, 1, 9, 0), key: "monthly/2028-02",
			want: []string{"*February 2028*: the team sent *35 messages*", "<@U1>: 35 of 1,500 messages (2%)"},
		},
		{
			name: "New Year: the last day", loc: ny,
			entries: []entry{
				{date(ny, 2026, 12, 31, 23, 30), "U1", quota.Message, 12},
				{date(ny, 2027, 1, 1, 0, 10), "U1", quota.Message, 1},
			},
			now: date(ny, 2027, 1, 1, 0, 0), key: "daily/2026-12-31",
			want: []string{"*Thu 31 Dec 2026*: the team sent *12 messages*", "last day of December 2026"},
		},
		{
			name: "New Year: December", loc: ny,
			entries: []entry{
				{date(ny, 2026, 12, 1, 0, 0), "U1", quota.Message, 3},
				{date(ny, 2026, 12, 31, 23, 30), "U1", quota.Message, 12},
				{date(ny, 2027, 1, 1, 0, 10), "U1", quota.Message, 1},
			},
			monthly: true, now: date(ny, 2027, 1, 1, 9, 0), key: "monthly/2026-12",
			want: []string{"*December 2026*: the team sent *15 messages*"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.loc, tc.entries[0].at)
			for _, en := range tc.entries {
				e.log(en.at, en.member, en.kind, en.count)
			}
			e.clock.Set(tc.now)
			run := e.sched.DailyReset
			if tc.monthly {
				run = e.sched.MonthlySummary
			}
			if err := run(ctx, tc.now); err != nil {
				t.Fatal(err)
			}
			wantKeys(t, e.fake, tc.key)
			p := posts(e.fake)[0]
			if p.Channel != channel {
				t.Errorf("posted to %q, want %q", p.Channel, channel)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, p.Text)
				}
			}
			checkLimits(t, p)
		})
	}
}

// populate logs for n members on day (in the ledger's zone): member i sends
// a varying number of messages, every third goes over the daily limit and
// some over the monthly one, and every fourth is on premium and sends
// InMails too. Writes run concurrently, so the ledger commits them in
// groups.
func populate(t testing.TB, e *env, n int, day time.Time) {
	t.Helper()
	e.clock.Set(day)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range work {
				id := fmt.Sprintf("U%05d", i)
				logs := []store.LogRequest{{Member: id, Kind: quota.Message, Count: 1 + (i*37)%1000}}
				if i%3 == 0 {
					logs = append(logs, store.LogRequest{Member: id, Kind: quota.Message, Count: 1000})
				}
				if i%4 == 0 {
					if _, err := e.ledger.SetTier(ctx, store.SetTierRequest{Member: id, Tier: "premium", By: "UADMIN"}); err != nil {
						t.Error(err)
						return
					}
					logs = append(logs, store.LogRequest{Member: id, Kind: quota.InMail, Count: 1 + i%300})
				}
				for _, r := range logs {
					if _, err := e.ledger.Log(ctx, r); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// Both posts stay within Slack's limits for any team size, and say what
// they left out.
func TestTeamSizes(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	for _, tc := range []struct {
		name       string
		members    int
		wantDaily  []string
		wantMonth  []string
		tableRows  int // with the header; 0 for no table
		chartBars  int
		truncation bool
	}{
		{
			name: "no members", members: 0,
			wantDaily: []string{"*Thu 26 Nov 2026*: nobody logged any sends."},
			wantMonth: []string{"*November 2026*: nobody logged any sends."},
		},
		{
			name: "one member", members: 1,
			wantDaily: []string{"the team sent *1,001 messages* and *1 InMail* (1 member logged sends)",
				"*Reached a daily limit* (1 member)\n• <@U00000>: 1,001 of 100 messages, 901 over"},
			wantMonth: []string{"the team sent *1,001 messages* and *1 InMail*; 1 member logged sends. Nobody went over",
				"<@U00000>: 1,001 of 1,500 messages (66%), 1 of 300 InMails (0%)"},
			tableRows: 2, chartBars: 1,
		},
		{
			name: "2,000 members", members: 2000,
			wantDaily: []string{"2,000 members logged sends", "*Reached a daily limit* (", "more"},
			wantMonth: []string{"2,000 members logged sends", "*Went over a monthly limit* (", "more"},
			tableRows: 100, chartBars: 20, truncation: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, ny, date(ny, 2026, 11, 26, 12, 0))
			populate(t, e, tc.members, date(ny, 2026, 11, 26, 12, 0))
			if t.Failed() {
				return
			}
			if err := e.sched.DailyReset(ctx, date(ny, 2026, 11, 27, 0, 0)); err != nil {
				t.Fatal(err)
			}
			if err := e.sched.MonthlySummary(ctx, date(ny, 2026, 12, 1, 9, 0)); err != nil {
				t.Fatal(err)
			}
			wantKeys(t, e.fake, "daily/2026-11-26", "monthly/2026-11")
			ps := posts(e.fake)
			for i, want := range [][]string{tc.wantDaily, tc.wantMonth} {
				checkLimits(t, ps[i])
				// Each list the fallback text cut short says so, rather
				// than the text stopping mid-line.
				if got, want := len(leftOut.FindAllString(ps[i].Text, -1)), map[bool]int{true: 2}[tc.truncation]; got != want {
					t.Errorf("%s: %d lists say how many they left out, want %d:\n%s", ps[i].key(), got, want, ps[i].Text)
				}
				for _, w := range want {
					if !strings.Contains(ps[i].Text, w) {
						t.Errorf("%s lacks %q:\n%s", ps[i].key(), w, ps[i].Text)
					}
				}
			}
			rows, bars, caption := tableAndChart(t, ps[1])
			if rows != tc.tableRows || bars != tc.chartBars {
				t.Errorf("table of %d rows and chart of %d bars, want %d and %d", rows, bars, tc.tableRows, tc.chartBars)
			}
			if got := strings.Contains(caption, "fullest of 2,000 members"); got != tc.truncation {
				t.Errorf("caption %q says it is cut short: %v, want %v", caption, got, tc.truncation)
			}
			if tc.truncation && !strings.Contains(string(ps[1].Blocks), "quotabot export") {
				t.Error("a cut-short table does not say where the rest is")
			}
		})
	}
}

// leftOut is how a list cut short ends.
var leftOut = regexp.MustCompile(`\n…and [0-9,]+ more(\n|$)`)

// tableAndChart returns the monthly summary's table rows (with the
// header), bars per series and caption.
func tableAndChart(t testing.TB, p posted) (rows, bars int, caption string) {
	t.Helper()
	var blocks []struct {
		Type    string            `json:"type"`
		Caption string            `json:"caption"`
		Rows    []json.RawMessage `json:"rows"`
		Chart   struct {
			Series []struct {
				Data []json.RawMessage `json:"data"`
			} `json:"series"`
		} `json:"chart"`
	}
	if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		switch b.Type {
		case "data_table":
			rows, caption = len(b.Rows), b.Caption
		case "data_visualization":
			bars = len(b.Chart.Series[0].Data)
		}
	}
	return rows, bars, caption
}
