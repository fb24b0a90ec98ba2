package slackfake

import (
	"net/http"
	"slices"
	"strings"
)

// DefaultScopes are the bot scopes the fake grants unless SetScopes says
// otherwise: manifest.yml's.
var DefaultScopes = []string{"commands", "chat:write", "users:read"}

// Channel is a conversation conversations.info serves; add one with
// SetChannel.
type Channel struct {
	ID, Name   string
	IsPrivate  bool
	IsMember   bool // whether the bot is in it
	IsArchived bool
}

// SetScopes sets the bot scopes the fake grants: what it reports in the
// X-OAuth-Scopes header of every Web API answer to a bot token, as Slack
// does, and what conversations.info requires (channels:read, or
// groups:read for a private channel). An app-level token's answers report
// connections:write.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = slices.Clone(scopes)
}

// SetChannel adds or replaces a channel that conversations.info serves.
func (s *Server) SetChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = c
}

// writeScopes sets the X-OAuth-Scopes header for token's answer.
func (s *Server) writeScopes(w http.ResponseWriter, token string) {
	if token == "" {
		return
	}
	scopes := "connections:write"
	if !strings.HasPrefix(token, "xapp-") {
		s.mu.Lock()
		scopes = strings.Join(s.scopes, ",")
		s.mu.Unlock()
	}
	w.Header().Set("X-OAuth-Scopes", scopes)
}

// conversationsInfo answers as Slack does: missing_scope without
// channels:read (groups:read for a private channel), channel_not_found for
// a channel it does not know or a private one the bot is not in.
func (s *Server) conversationsInfo(c Call) answer {
	ch, found := s.channels[c.param("channel")]
	need := "channels:read"
	if found && ch.IsPrivate {
		need = "groups:read"
	}
	if !slices.Contains(s.scopes, need) {
		a := fail("missing_scope")
		a.body.(map[string]any)["needed"] = need
		a.body.(map[string]any)["provided"] = strings.Join(s.scopes, ",")
		return a
	}
	if !found || ch.IsPrivate && !ch.IsMember {
		return fail("channel_not_found")
	}
	return ok(map[string]any{"channel": map[string]any{
		"id": ch.ID, "name": ch.Name, "is_channel": !ch.IsPrivate, "is_group": false,
		"is_private": ch.IsPrivate, "is_member": ch.IsMember, "is_archived": ch.IsArchived,
		"created": 1700000000, "creator": "U0CREATOR",
	}})
}
