package commands_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/quota"
)

// TestCapCommands: an admin caps, lifts, pauses and resumes a member, each
// confirmed in words; the member's own replies then say why they are held
// back, and a /logsend over the cap warns at the capped limit.
func TestCapCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
	ctx := context.Background()

	r := e.do("UADMIN", "/quota cap <@U1|ana> invite 7d 30", "t1")
	if want := "Capped <@U1> at 30 invitations over any 7 days (their tier allows 100)."; r.Text != want {
		t.Errorf("cap: got %q, want %q", r.Text, want)
	}
	m, _ := e.ledger.Member(ctx, "U1")
	if len(m.Caps) != 1 || m.Caps[0].By != "UADMIN" || m.Caps[0].Limit != (quota.Limit{Span: 7 * 24 * time.Hour, Max: 30}) {
		t.Errorf("caps after /quota cap: got %+v", m.Caps)
	}
	if r := e.do("UADMIN", "/quota cap <@U1> invite 7d 30", "t1"); !strings.HasPrefix(r.Text, "Capped <@U1>") {
		t.Errorf("the same trigger again: got %q, want the same confirmation", r.Text)
	}

	// The member logs past the cap: recorded, and warned at 30, not 100.
	e.do("U1", "/logsend 25 invite", "")
	r = e.do("U1", "/logsend 6 invite", "")
	for _, want := range []string{"Over the 7-day invitation limit by 1", "Capped at 30 invitations over any 7 days by <@UADMIN> (the tier allows 100)."} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("/logsend over the cap: got %q, want %q in it", r.Text, want)
		}
	}

	r = e.do("UADMIN", "/quota pause <@U1> LinkedIn warning 2026-11-30", "t2")
	if want := "Paused <@U1>: LinkedIn warning 2026-11-30."; !strings.HasPrefix(r.Text, want) {
		t.Errorf("pause: got %q, want it to start %q", r.Text, want)
	}
	paused := "Paused by <@UADMIN> on Thu 26 Nov 2026: LinkedIn warning 2026-11-30. Sends are still recorded; LinkedIn has restricted this account."
	for _, line := range []string{"/quota", "/logsend 1 invite"} {
		if r := e.do("U1", line, ""); !strings.Contains(r.Text, paused) || !strings.Contains(blocksJSON(t, r), ":double_vertical_bar: *Paused by") {
			t.Errorf("%s of a paused member: got %q, want the pause in text and blocks", line, r.Text)
		}
	}
	if r := e.do("UADMIN", "/quota <@U1>", ""); !strings.Contains(r.Text, paused) || !strings.Contains(r.Text, "Capped at 30") {
		t.Errorf("/quota @them: got %q, want the pause and the cap", r.Text)
	}
	r = e.do("UADMIN", "/quota team", "")
	if j := blocksJSON(t, r); !strings.Contains(j, "<@U1> :double_vertical_bar: *paused*") || !strings.Contains(j, "invitations :lock: capped") {
		t.Errorf("/quota team: got %s, want U1 flagged paused and capped", j)
	}
	// The text (a notification, the console) says so too, not only the rows.
	if want := "1 paused: <@U1>. 1 capped below their tier: <@U1>."; !strings.HasSuffix(r.Text, want) {
		t.Errorf("/quota team text: got %q, want it to end %q", r.Text, want)
	}

	if r := e.do("UADMIN", "/quota resume <@U1>", "t3"); r.Text != "Resumed <@U1>: their account is no longer marked restricted." {
		t.Errorf("resume: got %q", r.Text)
	}
	if r := e.do("UADMIN", "/quota cap <@U1> invite off", "t4"); r.Text != "Lifted the caps on invitations for <@U1>: their tier's limits hold again." {
		t.Errorf("cap off: got %q", r.Text)
	}
	if r := e.do("U1", "/quota", ""); strings.Contains(r.Text, "Paused") || strings.Contains(r.Text, "Capped") {
		t.Errorf("/quota after resume and off: got %q, want neither pause nor cap", r.Text)
	}
}

// TestCapHoldsNothing: a cap that would not hold the member below their
// tier is refused with the tier's own limit, and nothing changes: the
// member is not even enrolled.
func TestCapHoldsNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ line, want string }{
		{"/quota cap <@U1> message day 500",
			"<@U1>'s tier, free, allows 100 messages a day: a cap holds someone below that, so 500 would hold nothing back. Nothing was changed."},
		{"/quota cap <@U1> invite 7d 100",
			"<@U1>'s tier, free, allows 100 invitations over any 7 days: a cap holds someone below that, so 100 would hold nothing back. Nothing was changed."},
		{"/quota cap <@U1> inmail day 5",
			"<@U1>'s tier, free, sends no InMails, so a cap on them would hold nothing back. Nothing was changed."},
	} {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
			res := e.h.Handle(context.Background(), requestOf("UADMIN", tc.line))
			if res.Reply.Text != tc.want || res.Outcome != commands.Refused {
				t.Errorf("got %q, %v; want %q, Refused", res.Reply.Text, res.Outcome, tc.want)
			}
			if n := e.ledger.MemberCount(); n != 0 {
				t.Errorf("members after a refusal: got %d, want 0", n)
			}
		})
	}
}

// TestCapWithoutTierLimit: a cap on a window the tier does not limit is
// kept and says so; one on a kind the tier pays for in credits says that
// instead.
func TestCapWithoutTierLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
	if r := e.do("UADMIN", "/quota cap <@U1> invite day 20", ""); r.Text != "Capped <@U1> at 20 invitations a day (their tier sets no limit on that window)." {
		t.Errorf("a window free does not limit: got %q", r.Text)
	}
	e.do("UADMIN", "/quota tier <@U2> sales_navigator", "")
	want := "Capped <@U2> at 5 InMails a day (their tier pays for InMails in credits, with no limit on that window)."
	if r := e.do("UADMIN", "/quota cap <@U2> inmail day 5", ""); r.Text != want {
		t.Errorf("a credit kind: got %q, want %q", r.Text, want)
	}
}

// TestMemberChangeNothingToDo: lifting caps that are not there, resuming a
// member who is not paused and pausing one who is are refused, say why,
// and change nothing; a refused key is not kept, so the same trigger acts
// once there is something to do.
func TestMemberChangeNothingToDo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup []string
		line  string
		want  string
	}{
		{"resume, not paused", nil, "/quota resume <@U1>", "<@U1> is not paused. Nothing was changed."},
		{"off, no cap", nil, "/quota cap <@U1> invite off", "<@U1> has no cap on invitations. Nothing was changed."},
		{"off, a cap on another kind", []string{"/quota cap <@U1> message day 10"}, "/quota cap <@U1> invite off",
			"<@U1> has no cap on invitations. Nothing was changed."},
		{"pause, paused", []string{"/quota pause <@U1> LinkedIn warning."}, "/quota pause <@U1> again",
			"<@U1> is already paused (by <@UADMIN>: LinkedIn warning). Nothing was changed; `/quota resume` lifts it."},
		{"pause, paused without a reason", []string{"/quota pause <@U1>"}, "/quota pause <@U1> again",
			"<@U1> is already paused (by <@UADMIN>). Nothing was changed; `/quota resume` lifts it."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UADMIN", "UADMIN2"}})
			ctx := context.Background()
			for _, line := range tc.setup {
				e.do("UADMIN", line, "")
			}
			before, _ := e.ledger.Member(ctx, "U1")
			n := e.ledger.MemberCount()
			req := requestOf("UADMIN2", tc.line)
			req.TriggerID = "t1"
			res := e.h.Handle(ctx, req)
			if res.Reply.Text != tc.want || res.Outcome != commands.Refused {
				t.Errorf("got %q, %v; want %q, Refused", res.Reply.Text, res.Outcome, tc.want)
			}
			if after, _ := e.ledger.Member(ctx, "U1"); !reflect.DeepEqual(after, before) || e.ledger.MemberCount() != n {
				t.Errorf("after a refusal: got %+v, want %+v", after, before)
			}
			if res := e.h.Handle(ctx, req); res.Reply.Text != tc.want {
				t.Errorf("the same trigger again: got %q, want the refusal again", res.Reply.Text)
			}
		})
	}
}

// TestCapRights: a member who is not an admin is refused every admin
// command, and nothing changes, their own account included.
func TestCapRights(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"/quota cap <@U2> invite 7d 30", "/quota cap <@U1> invite 7d 30", "/quota cap <@U2> invite off",
		"/quota pause <@U2> warned", "/quota resume <@U2>",
	} {
		t.Run(line, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}, Users: &fakeUsers{users: map[string]slack.User{"U1": {ID: "U1"}}}})
			r := e.do("U1", line, "")
			if want := "Only admins can cap, pause or resume a member. Nothing was changed."; r.Text != want {
				t.Errorf("got %q, want %q", r.Text, want)
			}
			for _, id := range []string{"U1", "U2"} {
				if m, _ := e.ledger.Member(context.Background(), id); m.Caps != nil || m.Pause != nil {
					t.Errorf("%s after a refusal: got %+v, want unchanged", id, m)
				}
			}
			if n := e.ledger.MemberCount(); n != 0 {
				t.Errorf("members after a refusal: got %d, want 0", n)
			}
		})
	}
}

// TestCapMalformed: every malformed admin command is refused with words
// that say what is wrong, and changes nothing.
func TestCapMalformed(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", quota.MaxNote+1)
	for _, tc := range []struct{ line, want string }{
		{"/quota cap", "Say whom, picked with @: for example `/quota cap @ana`. A cap reads `/quota cap @ana invite 7d 30`"},
		{"/quota cap invite 7d 30", "Say whom, picked with @"},
		{"/quota cap @ana invite 7d 30", "I can't tell who “@ana” is."},
		{"/quota cap <@U2>", "A cap needs a kind, a window and a limit, or `off`"},
		{"/quota cap <@U2> invite", "A cap needs a kind, a window and a limit, or `off`"},
		{"/quota cap <@U2> invite 7d", "A cap needs a kind, a window and a limit, or `off`"},
		{"/quota cap <@U2> invite 7d 30 more", "A cap needs a kind, a window and a limit, or `off`"},
		{"/quota cap <@U2> invite off now", "I can't make sense of “now” there."},
		{"/quota cap <@U2> invte 7d 30", "I don't know the kind “invte”. Did you mean *invite*?"},
		{"/quota cap <@U2> invite fortnight 30", "“fortnight” is not a window: say day, week, month, or a span of days or hours"},
		{"/quota cap <@U2> invite 0d 30", "“0d” is not a window"},
		{"/quota cap <@U2> invite 7d lots", "“lots” is not a limit I can take: a cap is a whole number from 0 to 1,000,000, in digits."},
		{"/quota cap <@U2> invite 7d -1", "“-1” is not a limit I can take"},
		{"/quota cap <@U2> invite 7d 1000001", "“1000001” is not a limit I can take"},
		{"/quota cap <@U2> invite 7d 2.5", "“2.5” is not a limit I can take"},
		{"/quota pause", "Say whom, picked with @: for example `/quota pause @ana`."},
		{"/quota pause warned", "Say whom, picked with @"},
		{"/quota pause <@U2> " + long, "That reason is 501 characters long: keep it to 500."},
		{"/quota resume", "Say whom, picked with @: for example `/quota resume @ana`."},
		{"/quota resume <@U2> now", "I can't make sense of “now” there."},
	} {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
			res := e.h.Handle(context.Background(), requestOf("UADMIN", tc.line))
			if !strings.HasPrefix(res.Reply.Text, tc.want) {
				t.Errorf("got %q, want it to start %q", res.Reply.Text, tc.want)
			}
			if res.Outcome != commands.Refused {
				t.Errorf("outcome: got %v, want Refused", res.Outcome)
			}
			if n := e.ledger.MemberCount(); n != 0 {
				t.Errorf("members after a refusal: got %d, want 0", n)
			}
		})
	}
}

// TestCapParse: the forms of the admin commands as parsed.
func TestCapParse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{})
	plan := e.ledger.Plan()
	for _, tc := range []struct {
		text string
		want commands.Command
	}{
		{"cap <@U2> invite 7d 30", commands.Cap{Member: "U2", Kind: "invite", Limit: quota.Limit{Span: 7 * 24 * time.Hour, Max: 30}}},
		{"CAP <@U2> Invite Week 0", commands.Cap{Member: "U2", Kind: "invite", Limit: quota.Limit{Window: quota.Week}}},
		{"cap <@U2> message 24h 1000000", commands.Cap{Member: "U2", Kind: "message", Limit: quota.Limit{Span: 24 * time.Hour, Max: 1_000_000}}},
		{"cap <@U2> invite OFF", commands.Cap{Member: "U2", Kind: "invite", Off: true}},
		{"pause <@U2>", commands.Pause{Member: "U2"}},
		{"pause <@U2>  LinkedIn  &lt;warning&gt;", commands.Pause{Member: "U2", Reason: "LinkedIn  <warning>"}},
		{"pause <@U2> warned. ", commands.Pause{Member: "U2", Reason: "warned"}},
		{"pause <@U2> warned on 30.11...", commands.Pause{Member: "U2", Reason: "warned on 30.11"}},
		{"pause <@U2> .", commands.Pause{Member: "U2"}},
		{"pause <@U2> . . .", commands.Pause{Member: "U2"}},
		{"resume <@U2|ana>", commands.Resume{Member: "U2"}},
	} {
		got, err := commands.ParseQuota(plan, tc.text)
		if err != nil || got != tc.want {
			t.Errorf("ParseQuota(%q): got %#v, %v; want %#v", tc.text, got, err, tc.want)
		}
	}
	var pe *commands.ParseError
	if _, err := commands.ParseQuota(plan, "cap <@U2> invite 7d x"); !errors.As(err, &pe) || !errors.Is(err, commands.ErrBadCap) {
		t.Errorf("a bad limit: got %v, want a ParseError wrapping ErrBadCap", err)
	}
}

// requestOf is a slash command as Slack sends it, without a trigger.
func requestOf(user, line string) commands.Request {
	cmd, text, _ := strings.Cut(line, " ")
	return commands.Request{Command: cmd, Text: text, UserID: user, TeamID: "T1", ChannelID: "C1"}
}

// TestPauseReasonFullStop: a reason typed with its own full stop does not
// make two, in the confirmation or in the member's replies.
func TestPauseReasonFullStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, commands.Options{Admins: []string{"UADMIN"}})
	if r := e.do("UADMIN", "/quota pause <@U2> warned.", ""); !strings.HasPrefix(r.Text, "Paused <@U2>: warned. Their sends") {
		t.Errorf("pause: got %q", r.Text)
	}
	if r := e.do("U2", "/quota", ""); !strings.Contains(r.Text, ": warned. Sends are still recorded") {
		t.Errorf("/quota of the paused member: got %q", r.Text)
	}
	// A reason of dots alone is no reason, in the reply and as kept.
	if r := e.do("UADMIN", "/quota pause <@U3> .", ""); !strings.HasPrefix(r.Text, "Paused <@U3>. Their sends") {
		t.Errorf("pause with a reason of a dot: got %q", r.Text)
	}
	if m, _ := e.ledger.Member(context.Background(), "U3"); m.Pause == nil || m.Pause.Reason != "" {
		t.Errorf("the pause kept: got %+v, want one without a reason", m.Pause)
	}
}
