// Package blockkit builds the Block Kit pieces that the slash-command
// replies, the scheduled posts and the App Home share, each clipped to
// Slack's limits so that a text that grew unexpectedly is shortened rather
// than refused: sections and the like, a member's standing as /quota and
// the App Home show it (render.go), and the team table's order and lines,
// which /quota team and the App Home's pages share (team.go).
package blockkit

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/quota"
)

// Clip keeps s within n characters as Slack counts them (runes), ending a
// clipped text with "…".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Mrkdwn is s as mrkdwn text.
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Plain is s as plain text, emoji allowed.
func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// Section is a section of mrkdwn s.
func Section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(Mrkdwn(Clip(s, MaxSectionText)), nil, nil)
}

// Context is a context block of mrkdwn s.
func Context(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", Mrkdwn(Clip(s, MaxSectionText)))
}

// Header is a header of plain s.
func Header(s string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(Plain(Clip(s, MaxHeaderText)))
}

// Escape makes text a member or the config typed (a note, a tier name)
// inert in mrkdwn: it cannot mention @channel or fake a link.
func Escape(s string) string { return escaper.Replace(s) }

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Title is a kind as a heading: "Messages", "InMails".
func Title(k quota.Kind) string { return UpperFirst(k.Noun(2)) }

// UpperFirst is s with its first letter in upper case.
func UpperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
