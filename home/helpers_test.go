package home_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// thursday is the tests' "now": Thursday 26 November 2026, 10:00 in New
// York. The chart's fourteen days run from Fri 13 Nov, and 1 Nov, a
// 25-hour day, is before them.
func thursday(tb testing.TB) time.Time {
	return time.Date(2026, 11, 26, 10, 0, 0, 0, testutil.NewYork(tb))
}

// openLedger opens an in-memory ledger on clock c, closed at cleanup.
func openLedger(tb testing.TB, c *testutil.Clock) *store.Ledger {
	tb.Helper()
	l, err := store.Open(tb.TempDir(), store.Options{InMemory: true, Now: c.Now, Location: testutil.NewYork(tb)})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := l.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
			tb.Errorf("Close: %v", err)
		}
	})
	return l
}

// env is a Home on a real ledger, publishing through slack-go's real
// client to the fake Slack, which also answers users.info for admin
// checks.
type env struct {
	t      *testing.T
	clock  *testutil.Clock
	ledger *store.Ledger
	fake   *slackfake.Server
	h      *commands.Handler
	home   *home.Home
}

// newEnv starts an env; admins are config admins, and the fake Slack
// knows UOWNER as a workspace owner and U1, U2, U3 and UNEW as members.
func newEnv(t *testing.T, admins ...string) *env {
	t.Helper()
	c := testutil.NewClock(thursday(t))
	l := openLedger(t, c)
	fake := slackfake.New(t)
	fake.SetUser(slack.User{ID: "UOWNER", IsOwner: true})
	for _, id := range []string{"U1", "U2", "U3", "UNEW"} {
		fake.SetUser(slack.User{ID: id})
	}
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	h := commands.New(l, commands.Options{Admins: admins, Users: api, Now: c.Now})
	return &env{t: t, clock: c, ledger: l, fake: fake, h: h, home: home.New(l, h, api, home.Options{})}
}

// log records sends for member at the clock's time, failing the test on
// error.
func (e *env) log(member string, kind quota.Kind, count int, note string) quota.Entry {
	e.t.Helper()
	return mustLog(e.t, e.ledger, member, kind, count, note)
}

func mustLog(tb testing.TB, l *store.Ledger, member string, kind quota.Kind, count int, note string) quota.Entry {
	tb.Helper()
	res, err := l.Log(context.Background(), store.LogRequest{Member: member, Kind: kind, Count: count, Note: note})
	if err != nil {
		tb.Fatalf("Log(%s, %d %s): %v", member, count, kind, err)
	}
	return res.Entry
}

func (e *env) setTier(member, tier string) {
	e.t.Helper()
	if _, err := e.ledger.SetTier(context.Background(), store.SetTierRequest{Member: member, Tier: tier, By: member}); err != nil {
		e.t.Fatalf("SetTier: %v", err)
	}
}

// used returns how many of kind member used today.
func (e *env) used(member string, kind quota.Kind) int {
	e.t.Helper()
	u, err := e.ledger.Usage(context.Background(), member)
	if err != nil {
		e.t.Fatal(err)
	}
	ku, _ := u.Kind(kind)
	d, _ := ku.Window(quota.Day)
	return d.Used
}

// published is one views.publish call as the fake Slack received it.
type published struct {
	user   string
	raw    json.RawMessage // the view
	blocks []slack.Block
}

// publishes returns the views.publish calls so far, each checked: the
// fake Slack took it, and it keeps Block Kit's limits for a Home tab.
func (e *env) publishes() []published {
	e.t.Helper()
	var out []published
	for _, c := range e.fake.Calls("views.publish") {
		out = append(out, mustView(e.t, c))
	}
	return out
}

// publish runs Publish and returns the view it published.
func (e *env) publish(user string) published {
	e.t.Helper()
	before := len(e.fake.Calls("views.publish"))
	if err := e.home.Publish(context.Background(), user); err != nil {
		e.t.Fatalf("Publish(%s): %v", user, err)
	}
	return e.onlyNew(before, user)
}

// press runs HandleAction and returns the view it published.
func (e *env) press(user, actionID, value, key string) published {
	e.t.Helper()
	before := len(e.fake.Calls("views.publish"))
	a := commands.ActionRequest{ActionID: actionID, Value: value, UserID: user, TeamID: slackfake.TeamID, Key: key}
	if _, err := e.home.HandleAction(context.Background(), a); err != nil {
		e.t.Fatalf("HandleAction(%s %q): %v", actionID, value, err)
	}
	return e.onlyNew(before, user)
}

// onlyNew returns the one view published for user since the first before
// calls, failing the test if there is not exactly one. Run may publish
// other members' homes meanwhile.
func (e *env) onlyNew(before int, user string) published {
	e.t.Helper()
	var mine []published
	for _, p := range e.publishes()[before:] {
		if p.user == user {
			mine = append(mine, p)
		}
	}
	if len(mine) != 1 {
		e.t.Fatalf("got %d views.publish calls for %s, want 1", len(mine), user)
	}
	return mine[0]
}

// waitPublished waits for a view published for user, by Run, and returns
// the first.
func (e *env) waitPublished(user string) published {
	e.t.Helper()
	for n := 1; ; n++ {
		for _, c := range e.fake.WaitCalls(e.t, "views.publish", n) {
			if p := mustView(e.t, c); p.user == user {
				return p
			}
		}
	}
}

// mustView reads a views.publish call and fails the test unless the fake
// Slack took it and it passes slackfake.CheckBlocks for a Home tab, its
// chart passes slack-go's own validation, and it is under Slack's 250 kB.
func mustView(tb testing.TB, c slackfake.Call) published {
	tb.Helper()
	if c.Error != "" {
		tb.Fatalf("views.publish answered %q", c.Error)
	}
	var req struct {
		UserID string          `json:"user_id"`
		View   json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(c.JSON, &req); err != nil {
		tb.Fatalf("views.publish body: %v", err)
	}
	var v struct {
		Type   string       `json:"type"`
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(req.View, &v); err != nil {
		tb.Fatalf("view: %v", err)
	}
	if v.Type != "home" {
		tb.Errorf("view type %q, want home", v.Type)
	}
	checkBlocks(tb, v.Blocks.BlockSet)
	if n := len(req.View); n > 250_000 {
		tb.Errorf("view is %d bytes; Slack refuses one over about 250 kB", n)
	}
	return published{user: req.UserID, raw: req.View, blocks: v.Blocks.BlockSet}
}

func checkBlocks(tb testing.TB, blocks []slack.Block) {
	tb.Helper()
	if err := slackfake.CheckBlocks(blocks, blockkit.MaxHomeBlocks); err != nil {
		tb.Errorf("CheckBlocks: %v", err)
	}
	for _, b := range blocks {
		if dv, ok := b.(*slack.DataVisualizationBlock); ok {
			if err := dv.Validate(); err != nil {
				tb.Errorf("chart: %v", err)
			}
		}
	}
}

// text is the view's text as a reader would look for it: the JSON with
// the HTML escapes undone.
func (p published) text() string {
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(p.raw))
}

// block returns the block with id, or nil.
func (p published) block(id string) slack.Block {
	for _, b := range p.blocks {
		if b.ID() == id {
			return b
		}
	}
	return nil
}

// buttons returns the view's buttons (in actions blocks and accessories)
// by action ID and value.
func (p published) buttons() map[string]*slack.ButtonBlockElement {
	out := map[string]*slack.ButtonBlockElement{}
	for _, b := range p.blocks {
		switch b := b.(type) {
		case *slack.ActionBlock:
			for _, el := range b.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					out[btn.ActionID+" "+btn.Value] = btn
				}
			}
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				btn := b.Accessory.ButtonElement
				out[btn.ActionID+" "+btn.Value] = btn
			}
		}
	}
	return out
}

// teamRows returns the member IDs of the team section's rows, in order,
// and their tier menus.
func (p published) teamRows() ([]string, []*slack.SelectBlockElement) {
	var ids []string
	var menus []*slack.SelectBlockElement
	for _, b := range p.blocks {
		s, ok := b.(*slack.SectionBlock)
		if !ok || !strings.HasPrefix(s.BlockID, "team.") {
			continue
		}
		ids = append(ids, strings.TrimPrefix(s.BlockID, "team."))
		if s.Accessory != nil {
			menus = append(menus, s.Accessory.SelectElement)
		} else {
			menus = append(menus, nil)
		}
	}
	return ids, menus
}

// chart returns the view's chart, or nil.
func (p published) chart() *slack.DataVisualizationBarChart {
	for _, b := range p.blocks {
		if dv, ok := b.(*slack.DataVisualizationBlock); ok {
			c, _ := dv.Chart.(*slack.DataVisualizationBarChart)
			return c
		}
	}
	return nil
}

// golden compares the view with testdata/name.json, rewriting it under
// -update.
func golden(tb testing.TB, name string, p published) {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, p.raw, "", "  "); err != nil {
		tb.Fatal(err)
	}
	buf.WriteByte('\n')
	testutil.Golden(tb, filepath.Join("testdata", name+".json"), buf.Bytes(), *update)
}
