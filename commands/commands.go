// Package commands parses quotabot's slash commands and builds their replies.
package commands

import (
	"context"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// Request is one slash command as any transport received it.
type Request struct {
	Command     string // "/quota" or "/logsend"
	Text        string
	UserID      string
	TeamID      string
	ChannelID   string
	TriggerID   string // idempotency key for /logsend
	ResponseURL string
}

// FromSlash converts slack-go's parsed command.
func FromSlash(s slack.SlashCommand) Request {
	return Request{Command: s.Command, Text: s.Text, UserID: s.UserID, TeamID: s.TeamID,
		ChannelID: s.ChannelID, TriggerID: s.TriggerID, ResponseURL: s.ResponseURL}
}

// Reply is an ephemeral message: a plain-text fallback and Block Kit blocks.
type Reply struct {
	Text   string
	Blocks []slack.Block
}

// Msg returns the reply as the JSON body Slack expects in an HTTP response,
// a Socket Mode ack payload or a response_url post.
func (r Reply) Msg() slack.Msg {
	return slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: r.Text, Blocks: slack.Blocks{BlockSet: r.Blocks}}
}

// Users looks up Slack users; *slack.Client satisfies it.
type Users interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

var _ Users = (*slack.Client)(nil)

// Options configure a Handler.
type Options struct {
	Admins []string // Slack user IDs with admin rights besides workspace admins
	Users  Users    // nil: only Admins are admins
	Logger *slog.Logger
}

// Handler answers slash commands from the ledger.
type Handler struct {
	ledger *quota.Ledger
	opts   Options
}

// New returns a Handler.
func New(l *quota.Ledger, opts Options) *Handler { return &Handler{ledger: l, opts: opts} }

// Commands lists the slash commands the handler answers.
func (h *Handler) Commands() []string { return []string{"/quota", "/logsend"} }

// Slow reports whether req may take longer than Slack's 3 seconds (a large
// team table), so a transport should acknowledge at once and post the reply
// to req.ResponseURL.
func (h *Handler) Slow(req Request) bool { return false }

// Handle answers one command. It never returns a Go error to show a user:
// every failure is already a reply that reads as help.
func (h *Handler) Handle(ctx context.Context, req Request) Reply {
	return Reply{Text: "not yet"}
}
