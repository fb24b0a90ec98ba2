package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// The identity of the fake workspace and of the bot installed in it, as
// auth.test, hello and the envelopes built by the fake report them.
const (
	TeamID    = "T0FAKE"
	TeamName  = "Fake Team"
	TeamURL   = "https://fake.slack.com/"
	BotUserID = "UBOT"
	BotName   = "quotabot"
	BotID     = "B0FAKE"
	AppID     = "A0FAKE"
)

const (
	defaultWaitTimeout  = 10 * time.Second
	defaultPingInterval = time.Second
)

// Call is one recorded Web API call (or one post to a response_url).
type Call struct {
	// Method is the Web API method, such as "chat.postMessage", or
	// "response_url" for a post to an address from ResponseURL.
	Method string
	// Path is the request's path, such as "/api/chat.postMessage" or
	// "/response/3".
	Path string
	// Token is the token sent, from the Authorization bearer header or
	// else the "token" form field; "" when there was none.
	Token string
	// Form holds a form-encoded body and the query, as sent (the "token"
	// field included); nil for JSON bodies.
	Form url.Values
	// JSON holds an application/json body; nil for form bodies.
	JSON json.RawMessage
	// Status is the HTTP status the fake answered.
	Status int
	// Error is the error the fake answered ("" when it answered ok).
	Error string
}

// Failure is a failure queued with Fail for one call of a method.
type Failure struct {
	// Status is the HTTP status; 0 means 200. With 429, RetryAfter sets
	// the Retry-After header (slack-go needs it to report a
	// *slack.RateLimitedError; without it the client sees a
	// slack.StatusCodeError).
	Status     int
	RetryAfter int
	// Error is the error answered with ok:false; with status 200 and no
	// Error the fake answers "fatal_error".
	Error string
}

// Handler answers a Web API method added with Handle. Its result is written
// as JSON with HTTP 200, so it should carry "ok".
type Handler func(c Call) any

// Option configures a Server.
type Option func(*Server)

// WithWaitTimeout sets how long the Wait and Send methods wait before they
// fail the test (10 seconds by default).
func WithWaitTimeout(d time.Duration) Option {
	return func(s *Server) { s.waitTimeout = d }
}

// WithPingInterval sets how often the fake pings each socket connection, as
// Slack does (once a second by default). Zero turns the pings off, so that a
// socketmode client reconnects after its own ping interval.
func WithPingInterval(d time.Duration) Option {
	return func(s *Server) { s.pingInterval = d }
}

// Server is the fake Slack. Its methods are safe for concurrent use.
type Server struct {
	srv          *httptest.Server
	waitTimeout  time.Duration
	pingInterval time.Duration

	mu sync.Mutex
	// changed is closed, and replaced, whenever the state below changes,
	// so that waiters wake up without polling.
	changed   chan struct{}
	closed    bool
	calls     []Call
	failures  map[string][]Failure
	handlers  map[string]Handler
	authError string
	users     map[string]slack.User
	scopes    []string           // granted to the bot token; see SetScopes
	channels  map[string]Channel // conversations.info; see SetChannel
	seq       int                // for timestamps, tickets, ids
	messages  map[string]message // by channel + "/" + ts
	views     map[string]view    // home tabs by user ID
	responses map[string]int     // posts so far per response_url path

	// Socket Mode.
	tickets     map[string]bool // issued and not yet used
	conns       map[*sockConn]bool
	current     *sockConn // where envelopes go; nil while none is ready
	connections int       // opened in total
	acks        []Ack
	pongs       int
	sockets     sync.WaitGroup
}

// New starts a fake Slack and registers its shutdown with t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		waitTimeout:  defaultWaitTimeout,
		pingInterval: defaultPingInterval,
		changed:      make(chan struct{}),
		failures:     map[string][]Failure{},
		handlers:     map[string]Handler{},
		users:        map[string]slack.User{},
		scopes:       slices.Clone(DefaultScopes),
		channels:     map[string]Channel{},
		messages:     map[string]message{},
		views:        map[string]view{},
		responses:    map[string]int{},
		tickets:      map[string]bool{},
		conns:        map[*sockConn]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	s.users[BotUserID] = slack.User{
		ID: BotUserID, TeamID: TeamID, Name: BotName, RealName: BotName,
		IsBot: true, Profile: slack.UserProfile{BotID: BotID, RealName: BotName},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/response/", s.serveResponseURL)
	mux.HandleFunc("/link/", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.close)
	return s
}

// APIURL is the Web API's base URL, with its trailing slash, for
// slack.OptionAPIURL or SLACK_API_URL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Calls returns the calls of method made so far, oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until at least n calls of method were made and returns all
// of them so far (so len > n tells of extra calls). Calls answered with a
// failure count too; their Status and Error say so. It fails the test when
// that takes longer than the wait timeout.
func (s *Server) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	var got []Call
	s.wait(t, fmt.Sprintf("%d calls of %s", n, method), func() bool {
		got = s.callsLocked(method)
		return len(got) >= n
	})
	return got
}

// Fail queues f to answer the next call of method that has no failure queued
// before it. method may be "response_url".
func (s *Server) Fail(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], f)
}

// SetUser adds or replaces a user that users.info serves. IsAdmin, IsOwner
// and IsPrimaryOwner are what a bot usually reads. The bot's own user,
// BotUserID, is there from the start.
func (s *Server) SetUser(u slack.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.TeamID == "" {
		u.TeamID = TeamID
	}
	s.users[u.ID] = u
}

// SetAuthError makes auth.test and apps.connections.open answer ok:false with
// err, such as "invalid_auth"; "" makes them succeed again. Other methods are
// unaffected (use Fail for them).
func (s *Server) SetAuthError(err string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authError = err
}

// Handle serves method with h, replacing the fake's own answer, so a test can
// add a method the fake lacks or answer one its own way. Calls to it are
// recorded and queued failures still apply.
func (s *Server) Handle(method string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[method] = h
}

// broadcastLocked wakes every waiter; s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond, called with s.mu held, is true, and fails the test
// when the wait timeout passes first.
func (s *Server) wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	s.waitUntil(t, time.Now().Add(s.waitTimeout), what, cond)
}

func (s *Server) waitUntil(t testing.TB, deadline time.Time, what string, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return
		}
		closed, changed := s.closed, s.changed
		s.mu.Unlock()
		if closed {
			t.Fatalf("slackfake: server closed while waiting for %s", what)
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("slackfake: timed out after %v waiting for %s", s.waitTimeout, what)
		}
	}
}

// nextLocked returns a new number for timestamps, tickets and ids.
func (s *Server) nextLocked() int {
	s.seq++
	return s.seq
}

// close shuts the fake down: socket connections first (the httptest server
// does not track hijacked connections), then the HTTP server, then waits for
// the socket goroutines so none outlives the test.
func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	s.current = nil
	conns := make([]*sockConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.broadcastLocked()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
	s.srv.Close()
	s.sockets.Wait()
}
