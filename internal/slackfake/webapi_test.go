package slackfake_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/slackfake"
)

const (
	botToken = "xoxb-test-token"
	appToken = "xapp-test-token"
)

// newClient returns slack-go's real client pointed at fake.
func newClient(fake *slackfake.Server) *slack.Client {
	return slack.New(botToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionAppLevelToken(appToken))
}

func TestPostMessage(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)

	channel, ts1, err := api.PostMessage("C123", slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if channel != "C123" || ts1 == "" {
		t.Errorf("got channel %q, ts %q; want C123 and a ts", channel, ts1)
	}
	_, ts2, err := api.PostMessage("C123", slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hi*", false, false), nil, nil)))
	if err != nil {
		t.Fatalf("PostMessage with blocks: %v", err)
	}
	if ts2 <= ts1 {
		t.Errorf("got ts %q after %q, want it later", ts2, ts1)
	}

	calls := fake.WaitCalls(t, "chat.postMessage", 2)
	if len(calls) != 2 {
		t.Fatalf("got %d calls, want 2", len(calls))
	}
	c := calls[0]
	if c.Token != botToken || c.Form.Get("channel") != "C123" || c.Form.Get("text") != "hello" {
		t.Errorf("got call %+v, want token %s, channel C123, text hello", c, botToken)
	}
	if c.Status != http.StatusOK || c.Error != "" {
		t.Errorf("got answer %d %q, want 200 and no error", c.Status, c.Error)
	}
	if !strings.Contains(calls[1].Form.Get("blocks"), "*hi*") {
		t.Errorf("got blocks %s, want the section", calls[1].Form.Get("blocks"))
	}
}

func TestFail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		failure slackfake.Failure
		check   func(error) string // "" when err is as wanted
	}{
		{
			name:    "rate limited",
			failure: slackfake.Failure{Status: http.StatusTooManyRequests, RetryAfter: 3},
			check: func(err error) string {
				var rl *slack.RateLimitedError
				if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
					return "want *slack.RateLimitedError after 3s"
				}
				return ""
			},
		},
		{
			name:    "ok false",
			failure: slackfake.Failure{Error: "not_in_channel"},
			check: func(err error) string {
				var se slack.SlackErrorResponse
				if !errors.As(err, &se) || se.Err != "not_in_channel" {
					return "want SlackErrorResponse not_in_channel"
				}
				return ""
			},
		},
		{
			name:    "server error",
			failure: slackfake.Failure{Status: http.StatusServiceUnavailable},
			check: func(err error) string {
				var sc slack.StatusCodeError
				if !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
					return "want StatusCodeError 503"
				}
				return ""
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := slackfake.New(t)
			api := newClient(fake)
			fake.Fail("chat.postMessage", tc.failure)

			_, _, err := api.PostMessage("C1", slack.MsgOptionText("one", false))
			if want := tc.check(err); want != "" {
				t.Errorf("got error %#v, %s", err, want)
			}
			if _, _, err := api.PostMessage("C1", slack.MsgOptionText("two", false)); err != nil {
				t.Errorf("second PostMessage: got %v, want success (one failure queued)", err)
			}
			calls := fake.Calls("chat.postMessage")
			if len(calls) != 2 || calls[0].Error == "" || calls[1].Error != "" {
				t.Errorf("got calls %+v, want a failed one then a good one", calls)
			}
		})
	}
}

func TestUsersInfo(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)
	fake.SetUser(slack.User{ID: "UADMIN", Name: "ada", IsAdmin: true})
	fake.SetUser(slack.User{ID: "UOWNER", Name: "olga", IsOwner: true, IsPrimaryOwner: true})
	fake.SetUser(slack.User{ID: "UPLAIN", Name: "pat"})

	for _, tc := range []struct {
		id           string
		admin, owner bool
		wantErr      string
		wantName     string
		wantBot      bool
	}{
		{id: "UADMIN", admin: true, wantName: "ada"},
		{id: "UOWNER", owner: true, wantName: "olga"},
		{id: "UPLAIN", wantName: "pat"},
		{id: slackfake.BotUserID, wantName: slackfake.BotName, wantBot: true},
		{id: "UNOBODY", wantErr: "user_not_found"},
	} {
		u, err := api.GetUserInfo(tc.id)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: got error %v, want %s", tc.id, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: GetUserInfo: %v", tc.id, err)
		}
		if u.ID != tc.id || u.Name != tc.wantName || u.IsAdmin != tc.admin || u.IsOwner != tc.owner ||
			u.IsBot != tc.wantBot || u.TeamID != slackfake.TeamID {
			t.Errorf("%s: got %+v, want name %s, admin %v, owner %v, bot %v, team %s",
				tc.id, u, tc.wantName, tc.admin, tc.owner, tc.wantBot, slackfake.TeamID)
		}
	}
}

func TestAuthTest(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)

	got, err := api.AuthTest()
	if err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if got.TeamID != slackfake.TeamID || got.UserID != slackfake.BotUserID || got.BotID != slackfake.BotID {
		t.Errorf("got %+v, want team %s, user %s, bot %s", got, slackfake.TeamID, slackfake.BotUserID, slackfake.BotID)
	}

	fake.SetAuthError("invalid_auth")
	if _, err := api.AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("after SetAuthError: got %v, want invalid_auth", err)
	}
	fake.SetAuthError("")
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("after SetAuthError(\"\"): got %v, want success", err)
	}
}

// TestTokens posts by hand to see how the fake checks tokens and methods.
func TestTokens(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	for _, tc := range []struct {
		name, method, formToken, bearer string
		wantErr                         string
	}{
		{name: "form token", method: "chat.postMessage", formToken: botToken},
		{name: "bearer token", method: "chat.postMessage", bearer: botToken},
		{name: "no token", method: "chat.postMessage", wantErr: "not_authed"},
		{name: "app token for a bot method", method: "chat.postMessage", bearer: appToken, wantErr: "not_allowed_token_type"},
		{name: "bot token to open a socket", method: "apps.connections.open", bearer: botToken, wantErr: "not_allowed_token_type"},
		{name: "unknown method", method: "chat.fly", bearer: botToken, wantErr: "unknown_method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"channel": {"C1"}, "text": {"hi"}}
			if tc.formToken != "" {
				form.Set("token", tc.formToken)
			}
			req, err := http.NewRequest(http.MethodPost, fake.APIURL()+tc.method, strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body slack.SlackResponse
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if resp.StatusCode != http.StatusOK || body.Ok != (tc.wantErr == "") || body.Error != tc.wantErr {
				t.Errorf("got %d %+v, want 200, error %q", resp.StatusCode, body, tc.wantErr)
			}
			calls := fake.Calls(tc.method)
			if last := calls[len(calls)-1]; last.Token != tc.formToken+tc.bearer || last.Error != tc.wantErr {
				t.Errorf("got recorded %+v, want token %q, error %q", last, tc.formToken+tc.bearer, tc.wantErr)
			}
		})
	}
}

func TestMessagesRefused(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)
	text := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	section := slack.NewSectionBlock(text("ok"), nil, nil)
	many := func(n int, b slack.Block) []slack.Block {
		out := make([]slack.Block, n)
		for i := range out {
			out[i] = b
		}
		return out
	}
	fields := make([]*slack.TextBlockObject, 11)
	for i := range fields {
		fields[i] = text("f")
	}

	for _, tc := range []struct {
		name    string
		opts    []slack.MsgOption
		wantErr string
	}{
		{name: "50 blocks", opts: []slack.MsgOption{slack.MsgOptionBlocks(many(50, slack.NewDividerBlock())...)}},
		{name: "51 blocks", opts: []slack.MsgOption{slack.MsgOptionBlocks(many(51, slack.NewDividerBlock())...)}, wantErr: "invalid_blocks"},
		{name: "section of 3000", opts: []slack.MsgOption{slack.MsgOptionBlocks(slack.NewSectionBlock(text(strings.Repeat("é", 3000)), nil, nil))}},
		{name: "section of 3001", opts: []slack.MsgOption{slack.MsgOptionBlocks(slack.NewSectionBlock(text(strings.Repeat("x", 3001)), nil, nil))}, wantErr: "invalid_blocks"},
		{name: "11 fields", opts: []slack.MsgOption{slack.MsgOptionBlocks(slack.NewSectionBlock(nil, fields, nil))}, wantErr: "invalid_blocks"},
		{name: "header of 151", opts: []slack.MsgOption{slack.MsgOptionBlocks(slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false)))}, wantErr: "invalid_blocks"},
		{name: "duplicate block_id", opts: []slack.MsgOption{slack.MsgOptionBlocks(
			slack.NewSectionBlock(text("a"), nil, nil, slack.SectionBlockOptionBlockID("b1")),
			slack.NewSectionBlock(text("b"), nil, nil, slack.SectionBlockOptionBlockID("b1")))}, wantErr: "invalid_blocks"},
		{name: "no text", opts: nil, wantErr: "no_text"},
		{name: "text too long", opts: []slack.MsgOption{slack.MsgOptionText(strings.Repeat("x", 40001), false)}, wantErr: "msg_too_long"},
		{name: "text and a section", opts: []slack.MsgOption{slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(section)}},
	} {
		_, _, err := api.PostMessage("C1", tc.opts...)
		var got string
		if err != nil {
			got = err.Error()
		}
		if got != tc.wantErr {
			t.Errorf("%s: got error %q, want %q", tc.name, got, tc.wantErr)
		}
	}
}

func TestUpdateAndEphemeral(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)

	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	_, gotTS, gotText, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("v2", false))
	if err != nil || gotTS != ts || gotText != "v2" {
		t.Errorf("UpdateMessage: got %q %q %v, want %q v2 nil", gotTS, gotText, err, ts)
	}
	if _, _, _, err := api.UpdateMessage("C1", "1.000001", slack.MsgOptionText("v2", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("UpdateMessage of an unknown ts: got %v, want message_not_found", err)
	}
	if _, _, _, err := api.UpdateMessage("C2", ts, slack.MsgOptionText("v2", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("UpdateMessage in another channel: got %v, want message_not_found", err)
	}

	ets, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("psst", false))
	if err != nil || ets == "" {
		t.Errorf("PostEphemeral: got %q %v, want a ts", ets, err)
	}
	fake.Fail("chat.postEphemeral", slackfake.Failure{Error: "user_not_in_channel"})
	if _, err := api.PostEphemeral("C1", "U2", slack.MsgOptionText("psst", false)); err == nil || err.Error() != "user_not_in_channel" {
		t.Errorf("PostEphemeral after Fail: got %v, want user_not_in_channel", err)
	}
	if c := fake.Calls("chat.postEphemeral")[0]; c.Form.Get("user") != "U1" || c.Form.Get("channel") != "C1" {
		t.Errorf("got recorded %+v, want user U1 in C1", c)
	}
}

func TestPublishView(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)
	home := func(n int) slack.HomeTabViewRequest {
		blocks := make([]slack.Block, n)
		for i := range blocks {
			blocks[i] = slack.NewDividerBlock()
		}
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	}

	first, err := api.PublishView("U1", home(100), "")
	if err != nil {
		t.Fatalf("PublishView: %v", err)
	}
	if first.ID == "" || first.Hash == "" || first.Type != slack.VTHomeTab || len(first.Blocks.BlockSet) != 100 {
		t.Errorf("got view %+v, want an id, a hash and 100 blocks", first.View)
	}
	second, err := api.PublishView("U1", home(1), first.Hash)
	if err != nil {
		t.Fatalf("PublishView with the current hash: %v", err)
	}
	if second.ID != first.ID || second.Hash == first.Hash {
		t.Errorf("got id %s hash %s after %s %s, want the same id and a new hash", second.ID, second.Hash, first.ID, first.Hash)
	}
	if _, err := api.PublishView("U1", home(1), first.Hash); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("PublishView with an old hash: got %v, want hash_conflict", err)
	}
	if _, err := api.PublishView("U1", home(101), ""); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("PublishView of 101 blocks: got %v, want invalid_arguments", err)
	}

	calls := fake.WaitCalls(t, "views.publish", 4)
	var body struct {
		UserID string `json:"user_id"`
		View   struct {
			Type string `json:"type"`
		} `json:"view"`
	}
	if err := json.Unmarshal(calls[0].JSON, &body); err != nil || body.UserID != "U1" || body.View.Type != "home" {
		t.Errorf("got recorded JSON %s (%v), want user U1 and a home view", calls[0].JSON, err)
	}
	if calls[0].Token != botToken || calls[0].Form != nil {
		t.Errorf("got token %q form %v, want %s and no form", calls[0].Token, calls[0].Form, botToken)
	}
}

func TestResponseURL(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)
	responseURL := fake.ResponseURL()
	if other := fake.ResponseURL(); other == responseURL {
		t.Errorf("got %s twice, want a new address each time", other)
	}

	for i := range 5 {
		_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText(fmt.Sprintf("follow-up %d", i), false))
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("one too many", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Errorf("sixth post: got %v, want HTTP 404", err)
	}

	calls := fake.WaitCalls(t, "response_url", 6)
	var msg struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	if err := json.Unmarshal(calls[0].JSON, &msg); err != nil || msg.Text != "follow-up 0" || msg.ResponseType != "ephemeral" {
		t.Errorf("got %s (%v), want the first follow-up, ephemeral", calls[0].JSON, err)
	}
	if calls[5].Error != "used_url" || calls[5].Status != http.StatusNotFound {
		t.Errorf("got sixth call answered %d %q, want 404 used_url", calls[5].Status, calls[5].Error)
	}

	_, _, err = api.PostMessage("", slack.MsgOptionResponseURL(fake.ResponseURL(), slack.ResponseTypeEphemeral))
	if !errors.As(err, &sc) || sc.Code != http.StatusBadRequest {
		t.Errorf("empty message: got %v, want HTTP 400", err)
	}
}

func TestHandleAndJoin(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)

	ch, _, _, err := api.JoinConversation("C9")
	if err != nil || ch.ID != "C9" || !ch.IsMember {
		t.Errorf("JoinConversation: got %+v %v, want C9, a member", ch, err)
	}

	fake.Handle("conversations.members", func(c slackfake.Call) any {
		return map[string]any{"ok": true, "members": []string{"U1", "U2"}, "response_metadata": map[string]any{"next_cursor": ""}}
	})
	members, _, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: "C9"})
	if err != nil || len(members) != 2 {
		t.Errorf("GetUsersInConversation: got %v %v, want 2 members", members, err)
	}
	if got := fake.Calls("conversations.members"); len(got) != 1 || got[0].Form.Get("channel") != "C9" {
		t.Errorf("got calls %+v, want one for C9", got)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func TestWaitCallsTimesOut(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t, slackfake.WithWaitTimeout(50*time.Millisecond))
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fake.WaitCalls(rec, "chat.postMessage", 1)
	}()
	<-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !strings.Contains(rec.msg, "timed out") || !strings.Contains(rec.msg, "chat.postMessage") {
		t.Errorf("got %q, want a timeout naming chat.postMessage", rec.msg)
	}
}

func TestWaitCallsWakesUp(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	api := newClient(fake)
	go func() { _, _, _ = api.PostMessage("C1", slack.MsgOptionText("later", false)) }()
	if calls := fake.WaitCalls(t, "chat.postMessage", 1); calls[0].Form.Get("text") != "later" {
		t.Errorf("got %+v, want the message posted by the goroutine", calls[0])
	}
}

func TestValidateMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, msg, wantCode string
	}{
		{name: "text", msg: `{"text":"hi"}`},
		{name: "ack payload", msg: `{"response_type":"ephemeral","text":"Logged 5 messages.","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*5*"}}]}`},
		{name: "empty", msg: `{}`, wantCode: "no_text"},
		{name: "not json", msg: `hi`, wantCode: "invalid_payload"},
		{name: "empty section", msg: `{"text":"x","blocks":[{"type":"section"}]}`, wantCode: "invalid_blocks"},
		{name: "bad text type", msg: `{"text":"x","blocks":[{"type":"section","text":{"type":"html","text":"x"}}]}`, wantCode: "invalid_blocks"},
		{name: "block without type", msg: `{"text":"x","blocks":[{"text":{"type":"mrkdwn","text":"x"}}]}`, wantCode: "invalid_blocks"},
		{name: "blocks not an array", msg: `{"text":"x","blocks":{"type":"divider"}}`, wantCode: "invalid_blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := slackfake.ValidateMessage(json.RawMessage(tc.msg))
			var got string
			if err != nil {
				var me *slackfake.MessageError
				if !errors.As(err, &me) {
					t.Fatalf("got %T, want *MessageError", err)
				}
				got = me.Code
			}
			if got != tc.wantCode {
				t.Errorf("got %q (%v), want %q", got, err, tc.wantCode)
			}
		})
	}
}
