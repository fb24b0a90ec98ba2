package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

const (
	// maxAckSize is the size from which Slack drops a Socket Mode frame
	// from the app; slack-go refuses to send such acks in the first place.
	maxAckSize = 20 * 1024
	// writeTimeout bounds each write to a socket.
	writeTimeout = 10 * time.Second
	// disconnectGrace is how long a connection told to disconnect stays
	// open for a client that does not close it, as Slack allows a while.
	disconnectGrace = 10 * time.Second
	// fakeHost is the debug_info host, like Slack's applink pod names.
	fakeHost = "applink-slackfake"
)

// Envelope is a Socket Mode message from Slack to the app.
type Envelope struct {
	Type                   string          `json:"type"`
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
}

// Ack is an acknowledgement the app sent over the socket.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, nil when it had none.
	Payload json.RawMessage
}

// sockConn is one Socket Mode connection.
type sockConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex    // serializes data frames; gorilla allows one writer
	done chan struct{} // closed when the connection has ended
}

func (c *sockConn) write(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

var upgrader = websocket.Upgrader{
	// slack-go dials with "Origin: https://api.slack.com", which gorilla's
	// default check refuses because it is not the fake's own host.
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket accepts a Socket Mode connection with a ticket from
// apps.connections.open, sends hello, and then reads acks until the
// connection ends.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid, closed := s.tickets[ticket], s.closed
	delete(s.tickets, ticket)
	if valid && !closed {
		// Added under s.mu, after the closed check, so that close's
		// Wait never races with an Add.
		s.sockets.Add(1)
	}
	s.mu.Unlock()
	switch {
	case closed:
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	case !valid:
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	defer s.sockets.Done()
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &sockConn{ws: ws, done: make(chan struct{})}
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.broadcastLocked()
		s.mu.Unlock()
		return nil
	})

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = true
	s.connections++
	numConnections := len(s.conns)
	s.mu.Unlock()

	defer s.forget(c)
	hello := map[string]any{
		"type":            "hello",
		"num_connections": numConnections,
		"debug_info": map[string]any{
			"host": fakeHost, "build_number": 1, "approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": AppID},
	}
	if err := c.write(hello); err != nil {
		return
	}
	s.mu.Lock()
	if !s.closed {
		s.current = c
	}
	s.broadcastLocked()
	s.mu.Unlock()

	if s.pingInterval > 0 {
		s.sockets.Go(func() { s.ping(c) })
	}
	s.readAcks(c)
}

// forget removes an ended connection.
func (s *Server) forget(c *sockConn) {
	_ = c.ws.Close()
	close(c.done)
	s.mu.Lock()
	delete(s.conns, c)
	if s.current == c {
		s.current = nil
	}
	s.broadcastLocked()
	s.mu.Unlock()
}

// ping pings c at once and then every ping interval, as Slack does; slack-go
// counts a connection without pings as dead.
func (s *Server) ping(c *sockConn) {
	t := time.NewTicker(s.pingInterval)
	defer t.Stop()
	for n := 0; ; n++ {
		// WriteControl may run alongside other writes.
		if err := c.ws.WriteControl(websocket.PingMessage, fmt.Appendf(nil, "ping-%d", n), time.Now().Add(writeTimeout)); err != nil {
			return
		}
		select {
		case <-c.done:
			return
		case <-t.C:
		}
	}
}

// readAcks reads the client's frames until the connection fails. Reading
// also answers the client's pings and handles its pongs.
func (s *Server) readAcks(c *sockConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if len(data) >= maxAckSize {
			continue // Slack drops these
		}
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acks = append(s.acks, Ack{EnvelopeID: a.EnvelopeID, Payload: a.Payload})
		s.broadcastLocked()
		s.mu.Unlock()
	}
}

// WaitConnected waits until a socket client is connected and was sent hello.
func (s *Server) WaitConnected(t testing.TB) {
	t.Helper()
	s.wait(t, "a Socket Mode connection", func() bool { return s.current != nil })
}

// WaitConnections waits until n socket connections were opened in total and
// the newest is ready for envelopes: after Drop or Disconnect, n =
// Connections()+1 awaits the client's reconnection.
func (s *Server) WaitConnections(t testing.TB, n int) {
	t.Helper()
	s.wait(t, fmt.Sprintf("%d Socket Mode connections", n), func() bool {
		return s.connections >= n && s.current != nil
	})
}

// Connections reports how many socket connections were opened in total.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Send sends an envelope of type typ ("slash_commands", "interactive",
// "events_api") with payload, which is JSON-encoded unless it is a
// json.RawMessage or []byte already. accepts_response_payload is true except
// for events_api, where Slack sends false; retry_attempt is 0.
func (s *Server) Send(t testing.TB, typ string, envelopeID string, payload any) {
	t.Helper()
	var raw json.RawMessage
	switch p := payload.(type) {
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	default:
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			t.Fatalf("slackfake: encode %s payload: %v", typ, err)
		}
	}
	s.SendEnvelope(t, Envelope{
		Type:                   typ,
		EnvelopeID:             envelopeID,
		Payload:                raw,
		AcceptsResponsePayload: typ != "events_api",
	})
}

// SendSlashCommand sends cmd as a slash_commands envelope and returns its
// envelope ID. Empty fields that Slack always fills are filled: team, app,
// channel (C0FAKE), user (U0FAKE), a unique trigger_id and a new ResponseURL.
func (s *Server) SendSlashCommand(t testing.TB, cmd slack.SlashCommand) (envelopeID string) {
	t.Helper()
	s.mu.Lock()
	n := s.nextLocked()
	s.mu.Unlock()
	fill := func(field *string, v string) {
		if *field == "" {
			*field = v
		}
	}
	fill(&cmd.TeamID, TeamID)
	fill(&cmd.TeamDomain, "fake")
	fill(&cmd.APIAppID, AppID)
	fill(&cmd.ChannelID, "C0FAKE")
	fill(&cmd.ChannelName, "general")
	fill(&cmd.UserID, "U0FAKE")
	fill(&cmd.UserName, "someone")
	fill(&cmd.TriggerID, fmt.Sprintf("%d.%d.fake-trigger", 1700000000+n, n))
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.ResponseURL()
	}
	envelopeID = fmt.Sprintf("fake-envelope-%d", n)
	s.Send(t, "slash_commands", envelopeID, cmd)
	return envelopeID
}

// SendEnvelope sends env to the newest ready connection, waiting for one if
// there is none. If the write fails because the connection broke, it sends
// on the client's next connection.
func (s *Server) SendEnvelope(t testing.TB, env Envelope) {
	t.Helper()
	if env.EnvelopeID == "" {
		t.Fatalf("slackfake: envelope of type %q without an envelope_id", env.Type)
	}
	deadline := time.Now().Add(s.waitTimeout)
	for {
		var c *sockConn
		s.waitUntil(t, deadline, "a Socket Mode connection to send "+env.EnvelopeID, func() bool {
			c = s.current
			return c != nil
		})
		if err := c.write(env); err == nil {
			return
		}
		s.mu.Lock()
		if s.current == c {
			s.current = nil
		}
		s.mu.Unlock()
		_ = c.ws.Close()
	}
}

// WaitAck waits for the client's ack of envelopeID and returns its payload,
// nil when the ack carried none. It fails the test when no ack arrives.
func (s *Server) WaitAck(t testing.TB, envelopeID string) json.RawMessage {
	t.Helper()
	var payload json.RawMessage
	s.wait(t, "the ack of envelope "+envelopeID, func() bool {
		for _, a := range s.acks {
			if a.EnvelopeID == envelopeID {
				payload = a.Payload
				return true
			}
		}
		return false
	})
	return payload
}

// Acks returns the acks received so far, oldest first.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// Drop closes the current socket connection abruptly, without a close frame,
// as a network failure would; the client should reconnect. It does nothing
// when no connection is ready.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.current
	s.current = nil
	s.broadcastLocked()
	s.mu.Unlock()
	if c != nil {
		_ = c.ws.Close()
	}
}

// Disconnect sends Slack's routine {"type":"disconnect","reason":
// "refresh_requested"} on the current connection; the client should open a
// new connection and close this one.
func (s *Server) Disconnect() { s.DisconnectWithReason("refresh_requested") }

// DisconnectWithReason is Disconnect with another reason, such as "warning"
// (which Slack sends some seconds before refresh_requested) or
// "link_disabled". From this call on, envelopes go to the next connection.
// A connection the client does not close is closed after a while.
func (s *Server) DisconnectWithReason(reason string) {
	s.mu.Lock()
	c := s.current
	s.current = nil
	if c != nil {
		// For the grace timer below; under s.mu, like every Add.
		s.sockets.Add(1)
	}
	s.broadcastLocked()
	s.mu.Unlock()
	if c == nil {
		return
	}
	msg := map[string]any{
		"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": fakeHost},
	}
	if err := c.write(msg); err != nil {
		_ = c.ws.Close()
	}
	go func() {
		defer s.sockets.Done()
		timer := time.NewTimer(disconnectGrace)
		defer timer.Stop()
		select {
		case <-c.done:
		case <-timer.C:
			_ = c.ws.Close()
		}
	}()
}
