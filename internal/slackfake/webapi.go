package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/quotabot/quotabot/internal/blockkit"
)

// answer is what the fake writes back for one call.
type answer struct {
	status     int
	retryAfter int
	body       any // JSON-encoded; a string is written as plain text
}

// ok is a successful answer, its fields merged with "ok": true.
func ok(fields map[string]any) answer {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return answer{status: http.StatusOK, body: fields}
}

// fail is an ok:false answer with HTTP 200, as Slack gives for most errors.
func fail(errCode string, messages ...string) answer {
	body := map[string]any{"ok": false, "error": errCode}
	if len(messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": messages}
	}
	return answer{status: http.StatusOK, body: body}
}

// errorOf reports the error an answer carries, for Call.Error.
func (a answer) errorOf() string {
	switch b := a.body.(type) {
	case map[string]any:
		if e, ok := b["error"].(string); ok {
			return e
		}
	case string:
		if a.status != http.StatusOK {
			return b
		}
	}
	if a.status != http.StatusOK {
		return http.StatusText(a.status)
	}
	return ""
}

func (a answer) write(w http.ResponseWriter) {
	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(a.retryAfter))
	}
	if text, isText := a.body.(string); isText {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, text)
		return
	}
	data, err := json.Marshal(a.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_, _ = w.Write(data)
}

// failureAnswer turns a queued Failure into an answer.
func failureAnswer(f Failure) answer {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	errCode := f.Error
	switch {
	case errCode != "":
	case status == http.StatusTooManyRequests:
		errCode = "ratelimited"
	case status == http.StatusOK:
		errCode = "fatal_error"
	default:
		errCode = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	return answer{
		status:     status,
		retryAfter: f.RetryAfter,
		body:       map[string]any{"ok": false, "error": errCode},
	}
}

// readCall reads a request into a Call: form or JSON body, and the token.
func readCall(r *http.Request, method string) (Call, error) {
	c := Call{Method: method, Path: r.URL.Path}
	if auth, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		c.Token = strings.TrimSpace(auth)
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return c, err
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			c.JSON = json.RawMessage(body)
		}
		if len(r.URL.Query()) > 0 {
			c.Form = r.URL.Query()
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return c, err
		}
		c.Form = r.Form
	default:
		if err := r.ParseForm(); err != nil {
			return c, err
		}
		c.Form = r.Form
	}
	if c.Token == "" && c.Form != nil {
		c.Token = c.Form.Get("token")
	}
	return c, nil
}

// param reads a parameter from either kind of body.
func (c Call) param(name string) string {
	if c.Form != nil {
		if v, found := c.Form[name]; found && len(v) > 0 {
			return v[0]
		}
	}
	if c.JSON != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(c.JSON, &m) == nil {
			if raw, found := m[name]; found {
				var str string
				if json.Unmarshal(raw, &str) == nil {
					return str
				}
				return string(raw)
			}
		}
	}
	return ""
}

// record appends c, as answered by a, to the log and wakes the waiters.
func (s *Server) record(c Call, a answer) {
	c.Status = a.status
	c.Error = a.errorOf()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.broadcastLocked()
	s.mu.Unlock()
}

// takeFailureLocked pops the failure queued for method, if any.
func (s *Server) takeFailureLocked(method string) (Failure, bool) {
	q := s.failures[method]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failures[method] = q[1:]
	return q[0], true
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	c, err := readCall(r, method)
	if err != nil {
		a := fail("invalid_form_data")
		s.record(c, a)
		a.write(w)
		return
	}
	a := s.answerAPI(c)
	s.record(c, a)
	s.writeScopes(w, c.Token)
	a.write(w)
}

func (s *Server) answerAPI(c Call) answer {
	s.mu.Lock()
	f, failed := s.takeFailureLocked(c.Method)
	h, handled := s.handlers[c.Method]
	s.mu.Unlock()
	switch {
	case failed:
		return failureAnswer(f)
	case handled:
		// Outside the lock, so that h may use the Server.
		return answer{status: http.StatusOK, body: h(c)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	serve, known := s.webMethod(c.Method)
	if !known {
		return fail("unknown_method")
	}
	appToken := strings.HasPrefix(c.Token, "xapp-")
	switch {
	case c.Token == "":
		return fail("not_authed")
	case c.Method == "apps.connections.open" && !appToken,
		c.Method != "apps.connections.open" && c.Method != "auth.test" && appToken:
		return fail("not_allowed_token_type")
	}
	return serve(c)
}

// webMethod returns the fake's own answer to a Web API method; it runs with
// s.mu held.
func (s *Server) webMethod(name string) (func(Call) answer, bool) {
	switch name {
	case "auth.test":
		return s.authTest, true
	case "apps.connections.open":
		return s.connectionsOpen, true
	case "chat.postMessage":
		return s.postMessage, true
	case "chat.postEphemeral":
		return s.postEphemeral, true
	case "chat.update":
		return s.update, true
	case "views.publish":
		return s.publishView, true
	case "users.info":
		return s.usersInfo, true
	case "conversations.join":
		return s.conversationsJoin, true
	case "conversations.info":
		return s.conversationsInfo, true
	}
	return nil, false
}

func (s *Server) authTest(Call) answer {
	if s.authError != "" {
		return fail(s.authError)
	}
	return ok(map[string]any{
		"url": TeamURL, "team": TeamName, "user": BotName,
		"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID,
		"is_enterprise_install": false,
	})
}

func (s *Server) connectionsOpen(Call) answer {
	if s.authError != "" {
		return fail(s.authError)
	}
	ticket := fmt.Sprintf("fake-ticket-%d", s.nextLocked())
	s.tickets[ticket] = true
	u := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + ticket + "&app_id=" + AppID
	return ok(map[string]any{"url": u})
}

// message is one message the fake holds, for chat.update.
type message struct {
	channel, ts, text string
	blocks            json.RawMessage
}

// tsLocked returns a new message timestamp, later than any before it.
func (s *Server) tsLocked() string {
	n := s.nextLocked()
	return fmt.Sprintf("%d.%06d", 1700000000+n/1000000, n%1000000)
}

// checkContent applies Slack's rules for a message's text and blocks.
func checkContent(c Call) (answer, bool) {
	text, blocks := c.param("text"), c.param("blocks")
	if text == "" && blocks == "" && c.param("attachments") == "" {
		return fail("no_text"), false
	}
	if utf8.RuneCountInString(text) > blockkit.MaxText {
		return fail("msg_too_long"), false
	}
	if blocks != "" {
		if problems := checkBlocks(json.RawMessage(blocks), blockkit.MaxBlocks, "/blocks"); len(problems) > 0 {
			return fail("invalid_blocks", problems...), false
		}
	}
	return answer{}, true
}

func (m message) json() map[string]any {
	out := map[string]any{
		"type": "message", "user": BotUserID, "bot_id": BotID, "app_id": AppID,
		"team": TeamID, "text": m.text, "ts": m.ts,
	}
	if len(m.blocks) > 0 {
		out["blocks"] = m.blocks
	}
	return out
}

func (s *Server) postMessage(c Call) answer {
	channel := c.param("channel")
	if channel == "" {
		return fail("channel_not_found")
	}
	if a, valid := checkContent(c); !valid {
		return a
	}
	m := message{channel: channel, ts: s.tsLocked(), text: c.param("text")}
	if b := c.param("blocks"); b != "" {
		m.blocks = json.RawMessage(b)
	}
	s.messages[channel+"/"+m.ts] = m
	out := m.json()
	if thread := c.param("thread_ts"); thread != "" {
		out["thread_ts"] = thread
	}
	return ok(map[string]any{"channel": channel, "ts": m.ts, "message": out})
}

func (s *Server) postEphemeral(c Call) answer {
	switch {
	case c.param("channel") == "":
		return fail("channel_not_found")
	case c.param("user") == "":
		return fail("user_not_found")
	}
	if a, valid := checkContent(c); !valid {
		return a
	}
	return ok(map[string]any{"message_ts": s.tsLocked()})
}

func (s *Server) update(c Call) answer {
	channel, ts := c.param("channel"), c.param("ts")
	if channel == "" {
		return fail("channel_not_found")
	}
	m, found := s.messages[channel+"/"+ts]
	if !found {
		return fail("message_not_found")
	}
	if a, valid := checkContent(c); !valid {
		return a
	}
	m.text = c.param("text")
	m.blocks = nil
	if b := c.param("blocks"); b != "" {
		m.blocks = json.RawMessage(b)
	}
	s.messages[channel+"/"+ts] = m
	return ok(map[string]any{"channel": channel, "ts": ts, "text": m.text, "message": m.json()})
}

// view is the home tab the fake holds for a user.
type view struct {
	id, hash string
}

func (s *Server) publishView(c Call) answer {
	userID := c.param("user_id")
	if userID == "" {
		return fail("invalid_arguments", "[ERROR] missing required field: user_id")
	}
	var v struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	raw := c.param("view")
	if raw == "" || json.Unmarshal([]byte(raw), &v) != nil {
		return fail("invalid_arguments", "[ERROR] missing required field: view")
	}
	if v.Type != "home" {
		return fail("invalid_arguments", fmt.Sprintf("[ERROR] %q is not a valid view type for views.publish [json-pointer:/view/type]", v.Type))
	}
	if problems := checkBlocks(v.Blocks, blockkit.MaxHomeBlocks, "/view/blocks"); len(problems) > 0 {
		return fail("invalid_arguments", problems...)
	}
	old, had := s.views[userID]
	if hash := c.param("hash"); hash != "" && (!had || hash != old.hash) {
		return fail("hash_conflict")
	}
	n := s.nextLocked()
	cur := view{id: old.id, hash: fmt.Sprintf("%d.fakehash%d", 1700000000+n, n)}
	if !had {
		cur.id = fmt.Sprintf("V0FAKE%d", n)
	}
	s.views[userID] = cur
	out := map[string]any{
		"id": cur.id, "team_id": TeamID, "type": "home", "hash": cur.hash,
		"root_view_id": cur.id, "app_id": AppID, "app_installed_team_id": TeamID,
		"bot_id": BotID, "private_metadata": "", "callback_id": "", "external_id": "",
		"state": map[string]any{"values": map[string]any{}},
	}
	if len(v.Blocks) > 0 {
		out["blocks"] = v.Blocks
	}
	return ok(map[string]any{"view": out})
}

func (s *Server) usersInfo(c Call) answer {
	u, found := s.users[c.param("user")]
	if !found {
		return fail("user_not_found")
	}
	return ok(map[string]any{"user": u})
}

func (s *Server) conversationsJoin(c Call) answer {
	id := c.param("channel")
	if id == "" {
		return fail("channel_not_found")
	}
	return ok(map[string]any{"channel": map[string]any{
		"id": id, "name": strings.ToLower(id), "is_channel": true, "is_member": true,
		"created": 1700000000, "creator": BotUserID,
	}})
}

// maxResponseURLPosts is how many posts Slack takes on one response_url.
const maxResponseURLPosts = 5

// ResponseURL returns a new response_url address. Posts to it are recorded as
// calls of method "response_url"; each address takes 5 posts and answers the
// sixth with HTTP 404 "used_url". A message that breaks Slack's rules gets
// HTTP 400 with the error as plain text, as Slack's webhooks answer.
func (s *Server) ResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%s/response/%d", s.srv.URL, s.nextLocked())
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	c, err := readCall(r, "response_url")
	var a answer
	switch {
	case err != nil:
		a = answer{status: http.StatusBadRequest, body: "invalid_payload"}
	default:
		a = s.answerResponseURL(c)
	}
	s.record(c, a)
	a.write(w)
}

func (s *Server) answerResponseURL(c Call) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, found := s.takeFailureLocked("response_url"); found {
		return failureAnswer(f)
	}
	if s.responses[c.Path] >= maxResponseURLPosts {
		return answer{status: http.StatusNotFound, body: "used_url"}
	}
	s.responses[c.Path]++
	body := c.JSON
	if body == nil {
		body = json.RawMessage(c.param("payload"))
	}
	var m struct {
		DeleteOriginal bool `json:"delete_original"`
	}
	if json.Unmarshal(body, &m) != nil {
		return answer{status: http.StatusBadRequest, body: "invalid_payload"}
	}
	if !m.DeleteOriginal {
		var merr *MessageError
		if errors.As(ValidateMessage(body), &merr) {
			return answer{status: http.StatusBadRequest, body: merr.Code}
		}
	}
	return ok(nil)
}
