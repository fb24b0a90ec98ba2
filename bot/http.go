package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/store"
)

// Content types Slack sends.
const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// Handler returns the HTTP transport (see the package documentation). A
// wrong method gets 405 from the mux itself, with an Allow header.
func (b *Bot) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", b.serveCommand)
	mux.HandleFunc("POST /slack/events", b.serveEvents)
	mux.HandleFunc("POST /slack/interactive", b.serveInteractive)
	mux.HandleFunc("GET /healthz", b.serveHealth)
	mux.Handle("GET /metrics", b.metrics.Handler())
	return mux
}

// refuse answers a request that does not get through, and counts why.
func (b *Bot) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	b.metrics.refused.WithLabelValues("http", reason).Inc()
	b.log.Warn("request refused", "path", r.URL.Path, "status", status, "reason", reason, "remote", r.RemoteAddr)
	http.Error(w, http.StatusText(status), status)
}

// verified reads the body of a request from Slack and checks it. The
// signature comes first, since docs/ARCHITECTURE.md promises 401 to any request
// without a good one: the headers (present, well formed, a timestamp
// within five minutes) before the body is read, then the body's size, then
// the v0 signature over the exact bytes, and only then the content type.
// It has answered the request when ok is false.
func (b *Bot) verified(w http.ResponseWriter, r *http.Request, contentType string) (body []byte, ok bool) {
	if b.secret == "" {
		// Without a secret nothing can be checked, so nothing is taken.
		b.refuse(w, r, http.StatusUnauthorized, "no_signing_secret")
		return nil, false
	}
	// NewSecretsVerifier refuses a missing header, a malformed signature
	// and a timestamp more than five minutes from now; Ensure compares
	// with hmac.Equal, in constant time.
	sv, err := slack.NewSecretsVerifier(r.Header, b.secret)
	if err != nil {
		b.refuseSignature(w, r, err)
		return nil, false
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			b.refuse(w, r, http.StatusRequestEntityTooLarge, "too_large")
		} else {
			b.refuse(w, r, http.StatusBadRequest, "unreadable")
		}
		return nil, false
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		b.refuseSignature(w, r, err)
		return nil, false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != contentType {
		b.refuse(w, r, http.StatusUnsupportedMediaType, "content_type")
		return nil, false
	}
	return body, true
}

func (b *Bot) refuseSignature(w http.ResponseWriter, r *http.Request, err error) {
	reason := "bad_signature"
	switch {
	case errors.Is(err, slack.ErrMissingHeaders):
		reason = "unsigned"
	case errors.Is(err, slack.ErrExpiredTimestamp):
		reason = "stale_timestamp"
	}
	b.refuse(w, r, http.StatusUnauthorized, reason)
}

// foreign says why a request is not the bot's, or "" when it is: it must
// come from the workspace the bot is installed in (or, for an org-wide
// install, its enterprise), "foreign_team" otherwise, and be for the bot's
// own app, "foreign_app" otherwise. The app is checked once it is known
// (Identity.AppID, or the app Socket Mode's hello names) and where the
// request names one. Both transports ask it of every command, event and
// press.
func (b *Bot) foreign(teamID, enterpriseID, appID string) string {
	if app := b.appID(); app != "" && appID != "" && appID != app {
		return "foreign_app"
	}
	if b.team.TeamID == "" ||
		teamID != b.team.TeamID && (b.team.EnterpriseID == "" || enterpriseID != b.team.EnterpriseID) {
		return "foreign_team"
	}
	return ""
}

// appID is the bot's app, once known.
func (b *Bot) appID() string {
	if p := b.app.Load(); p != nil {
		return *p
	}
	return ""
}

// sslCheckMax is more than Slack's certificate probe ever sends:
// "ssl_check=1&token=…".
const sslCheckMax = 1 << 10

// sslCheck answers Slack's certificate probe of a command URL, which comes
// without a signature, with a bare 200, as Bolt does, before any check:
// the probe acts on nothing. It reads at most sslCheckMax bytes, and puts
// them back for verified when the request is not the probe, so that any
// other request still gets 401 without a good signature however large it
// is. It reports whether it answered.
func sslCheck(w http.ResponseWriter, r *http.Request) bool {
	head, err := io.ReadAll(io.LimitReader(r.Body, sslCheckMax+1))
	if err == nil && len(head) <= sslCheckMax {
		if form, err := url.ParseQuery(string(head)); err == nil && form.Get("ssl_check") == "1" {
			w.WriteHeader(http.StatusOK)
			return true
		}
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	return false
}

func (b *Bot) serveCommand(w http.ResponseWriter, r *http.Request) {
	if sslCheck(w, r) {
		return
	}
	body, ok := b.verified(w, r, formType)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("command") == "" || form.Get("user_id") == "" {
		b.refuse(w, r, http.StatusBadRequest, "bad_form")
		return
	}
	if why := b.foreign(form.Get("team_id"), form.Get("enterprise_id"), form.Get("api_app_id")); why != "" {
		b.refuse(w, r, http.StatusForbidden, why)
		return
	}
	req := commands.Request{
		Command: form.Get("command"), Text: form.Get("text"),
		UserID: form.Get("user_id"), TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"),
		TriggerID: form.Get("trigger_id"), ResponseURL: form.Get("response_url"),
	}
	reply, _ := b.answer(req, "http")
	writeJSON(w, http.StatusOK, wire(reply))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (b *Bot) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := b.verified(w, r, jsonType)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type slack-go does not know still parses its outer
		// part; only JSON that is not an event at all is refused.
		var outer struct {
			Type     string `json:"type"`
			TeamID   string `json:"team_id"`
			APIAppID string `json:"api_app_id"`
		}
		if json.Unmarshal(body, &outer) != nil || outer.Type == "" {
			b.refuse(w, r, http.StatusBadRequest, "bad_json")
			return
		}
		if why := b.foreign(outer.TeamID, "", outer.APIAppID); outer.Type == slackevents.CallbackEvent && why != "" {
			b.refuse(w, r, http.StatusForbidden, why)
			return
		}
		b.metrics.events.WithLabelValues("unknown").Inc()
		w.WriteHeader(http.StatusOK)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		v, _ := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if v == nil {
			b.refuse(w, r, http.StatusBadRequest, "bad_json")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, v.Challenge)
		return
	case slackevents.CallbackEvent:
		if why := b.foreign(ev.TeamID, ev.EnterpriseID, ev.APIAppID); why != "" {
			b.refuse(w, r, http.StatusForbidden, why)
			return
		}
		// The event is handled in the background once it has a slot;
		// without one it is refused with 503 and Slack sends it again.
		if !b.event(ev, "http") {
			serveBusy(w)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	// app_rate_limited and the like: nothing to do but say we heard.
	w.WriteHeader(http.StatusOK)
}

func (b *Bot) serveInteractive(w http.ResponseWriter, r *http.Request) {
	body, ok := b.verified(w, r, formType)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	var cb slack.InteractionCallback
	if err != nil || form.Get("payload") == "" || json.Unmarshal([]byte(form.Get("payload")), &cb) != nil {
		b.refuse(w, r, http.StatusBadRequest, "bad_form")
		return
	}
	if why := b.foreign(cb.Team.ID, cb.Enterprise.ID, cb.APIAppID); why != "" {
		b.refuse(w, r, http.StatusForbidden, why)
		return
	}
	// The press is handled in the background once it has a slot; the
	// reply goes to response_url, which is where Slack shows an answer to
	// a button press anyway. Slack does not send a press again, so one
	// turned away is told so in words where it can be.
	if !b.interaction(cb, "http") && !b.tellBusy(cb.ResponseURL) {
		serveBusy(w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveBusy answers a request the bot had no slot for: 503, and when to
// try again.
func serveBusy(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, "busy", http.StatusServiceUnavailable)
}

// busyPost bounds telling a member that their press was not taken: the
// press's acknowledgement waits for it.
const busyPost = time.Second

// tellBusy posts busyPress to a press's response_url, once, and reports
// whether it got there.
func (b *Bot) tellBusy(responseURL string) bool {
	if responseURL == "" {
		return false
	}
	body, err := json.Marshal(wire(busyPress))
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(b.base, busyPost)
	defer cancel()
	err = b.postOnce(ctx, responseURL, body)
	return err == nil
}

// interaction hands the actions of a block_actions payload to the handler;
// other interaction types are acknowledged and left alone. It reports
// false when an action found no slot in time, and was not taken.
func (b *Bot) interaction(cb slack.InteractionCallback, transport string) bool {
	if cb.Type != slack.InteractionTypeBlockActions {
		return true
	}
	fromHome := cb.View.Type == slack.VTHomeTab
	for _, a := range commands.ActionsFromCallback(cb) {
		if !b.action(a, fromHome, transport) {
			return false
		}
	}
	return true
}

// health is what GET /healthz answers.
type health struct {
	Status string `json:"status"`
	Store  string `json:"store"`
	Reason string `json:"reason,omitempty"`
}

func (b *Bot) serveHealth(w http.ResponseWriter, r *http.Request) {
	err := b.ledger.Ping()
	if errors.Is(err, store.ErrDiskFull) {
		// Not a fault of the store: it refuses writes until there is
		// room, and says why. The ledger logs the numbers once, when the
		// disk fills; the metrics carry them.
		writeJSON(w, http.StatusServiceUnavailable, health{Status: "unavailable", Store: "disk full", Reason: store.ErrDiskFull.Error()})
		return
	}
	if err != nil {
		b.metrics.ledgerErrors.Inc()
		b.log.Error("health check: the store is unavailable", "err", err)
		// The detail stays in the log: /healthz is unauthenticated.
		writeJSON(w, http.StatusServiceUnavailable, health{Status: "unavailable", Store: "error"})
		return
	}
	writeJSON(w, http.StatusOK, health{Status: "ok", Store: "ok"})
}
