package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/store"
)

// refuseAll is a transport that sends nothing.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no requests from fuzz tests")
}

// FuzzCommandRequest throws arbitrary bodies and content types at
// /slack/commands, signed or not. Unsigned ones are refused with 401 and
// record nothing; signed ones never make the server fail (no 5xx, no
// panic), and a 200 carries a JSON reply with text.
//
//	go test ./bot -run '^$' -fuzz FuzzCommandRequest
func FuzzCommandRequest(f *testing.F) {
	l, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	h := commands.New(l, commands.Options{})
	b, err := bot.New(bot.Options{Handler: h, Ledger: l, SigningSecret: secret, Team: bot.Identity{TeamID: slackfake.TeamID},
		AckDeadline: time.Minute,
		// Nothing goes out to a response_url a fuzz input names.
		HTTPClient: &http.Client{Transport: refuseAll{}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Drain(context.Background()) })
	srv := b.Handler()
	count := func() int {
		n := 0
		for range l.Entries(context.Background(), time.Time{}, time.Time{}) {
			n++
		}
		return n
	}

	f.Add([]byte("command=%2Flogsend&text=5&user_id=U1&team_id="+slackfake.TeamID), true, formType)
	f.Add([]byte("command=%2Fquota&text=team&user_id=U1&team_id="+slackfake.TeamID), false, formType)
	f.Add([]byte("%zz"), true, formType)
	f.Fuzz(func(t *testing.T, body []byte, signIt bool, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if signIt {
			now := time.Now()
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
			req.Header.Set("X-Slack-Signature", sign(secret, now, body))
		}
		before := count()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch {
		case !signIt:
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("unsigned: got %d, want 401", rec.Code)
			}
			if after := count(); after != before {
				t.Errorf("unsigned: %d entries recorded", after-before)
			}
		case rec.Code >= 500:
			t.Errorf("signed: got %d %s", rec.Code, rec.Body)
		case rec.Code == http.StatusOK:
			var m struct{ Text string }
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m.Text == "" {
				t.Errorf("signed: got 200 with %q, want a JSON reply with text", rec.Body)
			}
		}
	})
}
