package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
)

// MessageError is why Slack would refuse a message: Code is Slack's error
// ("no_text", "msg_too_long", "invalid_blocks", "invalid_payload") and
// Messages say what is wrong where, in Slack's "[ERROR] … [json-pointer:…]"
// form.
type MessageError struct {
	Code     string
	Messages []string
}

func (e *MessageError) Error() string {
	if len(e.Messages) == 0 {
		return e.Code
	}
	return e.Code + ": " + strings.Join(e.Messages, "; ")
}

// ValidateMessage checks a message as JSON ({"text":…,"blocks":[…]}, as in a
// chat.postMessage JSON body, a response_url post or a slash command's ack
// payload) against the rules the fake applies to chat.postMessage: text or
// blocks present, text up to 40,000 characters, and Block Kit's limits. It
// returns nil or a *MessageError.
func ValidateMessage(msg json.RawMessage) error {
	var m struct {
		Text        *string         `json:"text"`
		Blocks      json.RawMessage `json:"blocks"`
		Attachments json.RawMessage `json:"attachments"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return &MessageError{Code: "invalid_payload", Messages: []string{err.Error()}}
	}
	text := ""
	if m.Text != nil {
		text = *m.Text
	}
	if text == "" && isEmptyJSON(m.Blocks) && isEmptyJSON(m.Attachments) {
		return &MessageError{Code: "no_text"}
	}
	if utf8.RuneCountInString(text) > blockkit.MaxText {
		return &MessageError{Code: "msg_too_long"}
	}
	if problems := checkBlocks(m.Blocks, blockkit.MaxBlocks, "/blocks"); len(problems) > 0 {
		return &MessageError{Code: "invalid_blocks", Messages: problems}
	}
	return nil
}

func isEmptyJSON(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null")) || bytes.Equal(t, []byte("[]"))
}

// checkBlocks returns what is wrong with a JSON array of blocks, at most max
// long, whose JSON pointer is at; nothing when raw is empty.
func checkBlocks(raw json.RawMessage, limit int, at string) []string {
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{problem("must be an array of blocks", at)}
	}
	var problems []string
	if len(blocks) > limit {
		problems = append(problems, problem(fmt.Sprintf("no more than %d items allowed", limit), at))
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		problems = append(problems, checkBlock(b, fmt.Sprintf("%s/%d", at, i), ids)...)
	}
	return problems
}

// textObject is Block Kit's composition text object.
type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// element is an interactive block element: a button or a menu.
type element struct {
	Type          string      `json:"type"`
	Text          *textObject `json:"text"`
	ActionID      string      `json:"action_id"`
	Value         string      `json:"value"`
	Options       []option    `json:"options"`
	InitialOption *option     `json:"initial_option"`
}

type option struct {
	Text  *textObject `json:"text"`
	Value string      `json:"value"`
}

func checkBlock(raw json.RawMessage, at string, ids map[string]bool) []string {
	var b struct {
		Type      string            `json:"type"`
		BlockID   string            `json:"block_id"`
		Text      *textObject       `json:"text"`
		Fields    []textObject      `json:"fields"`
		Elements  []json.RawMessage `json:"elements"`
		Accessory *element          `json:"accessory"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return []string{problem("must be a block object", at)}
	}
	c := &checker{at: at}
	if b.Type == "" {
		c.add("missing required field: type", "")
	}
	if b.BlockID != "" {
		if utf8.RuneCountInString(b.BlockID) > blockkit.MaxActionID {
			c.add(fmt.Sprintf("must be less than %d characters", blockkit.MaxActionID+1), "/block_id")
		}
		if ids[b.BlockID] {
			c.add(fmt.Sprintf("duplicate block_id %q", b.BlockID), "/block_id")
		}
		ids[b.BlockID] = true
	}
	switch b.Type {
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			c.add("must provide text or fields", "")
		}
		if b.Text != nil {
			c.text(*b.Text, blockkit.MaxSectionText, "/text")
		}
		if len(b.Fields) > blockkit.MaxFields {
			c.add(fmt.Sprintf("no more than %d items allowed", blockkit.MaxFields), "/fields")
		}
		for i, f := range b.Fields {
			c.text(f, blockkit.MaxFieldText, fmt.Sprintf("/fields/%d", i))
		}
		if b.Accessory != nil {
			c.element(*b.Accessory, "/accessory")
		}
	case "header":
		switch {
		case b.Text == nil:
			c.add("missing required field: text", "")
		case b.Text.Type != "plain_text":
			c.add("must be a plain_text text object", "/text/type")
		default:
			c.text(*b.Text, blockkit.MaxHeaderText, "/text")
		}
	case "context":
		c.count(len(b.Elements), blockkit.MaxContextElements, "/elements")
		for i, raw := range b.Elements {
			var t textObject
			if json.Unmarshal(raw, &t) == nil && (t.Type == "mrkdwn" || t.Type == "plain_text") {
				c.text(t, blockkit.MaxSectionText, fmt.Sprintf("/elements/%d", i))
			}
		}
	case "actions":
		c.count(len(b.Elements), blockkit.MaxActionElements, "/elements")
		// Slack wants an action_id unique within its block, not the whole
		// message.
		actionIDs := map[string]bool{}
		for i, raw := range b.Elements {
			where := fmt.Sprintf("/elements/%d", i)
			var e element
			if err := json.Unmarshal(raw, &e); err != nil {
				c.add("must be a block element", where)
				continue
			}
			c.element(e, where)
			if e.ActionID != "" && actionIDs[e.ActionID] {
				c.add(fmt.Sprintf("duplicate action_id %q", e.ActionID), where+"/action_id")
			}
			actionIDs[e.ActionID] = true
		}
	}
	return c.problems
}

// checker gathers the problems of one block, at its JSON pointer.
type checker struct {
	at       string
	problems []string
}

func (c *checker) add(msg, where string) { c.problems = append(c.problems, problem(msg, c.at+where)) }

func (c *checker) text(t textObject, limit int, where string) {
	c.problems = append(c.problems, checkText(t, limit, c.at+where)...)
}

func (c *checker) count(n, limit int, where string) {
	switch {
	case n == 0:
		c.add("must provide at least 1 item", where)
	case n > limit:
		c.add(fmt.Sprintf("no more than %d items allowed", limit), where)
	}
}

// plainText checks a text that must be plain_text, up to limit.
func (c *checker) plainText(t *textObject, limit int, where string) {
	switch {
	case t == nil:
		c.add("missing required field: text", where)
	case t.Type != "plain_text":
		c.add("must be a plain_text text object", where+"/type")
	default:
		c.text(*t, limit, where)
	}
}

func (c *checker) actionID(id, where string) {
	if n := utf8.RuneCountInString(id); n == 0 || n > blockkit.MaxActionID {
		c.add(fmt.Sprintf("action_id must be 1 to %d characters", blockkit.MaxActionID), where+"/action_id")
	}
}

// element checks a button or a static menu.
func (c *checker) element(e element, where string) {
	switch e.Type {
	case "button":
		c.plainText(e.Text, blockkit.MaxButtonText, where+"/text")
		c.actionID(e.ActionID, where)
		if utf8.RuneCountInString(e.Value) > blockkit.MaxActionValue {
			c.add(fmt.Sprintf("must be less than %d characters", blockkit.MaxActionValue+1), where+"/value")
		}
	case "static_select":
		c.actionID(e.ActionID, where)
		c.count(len(e.Options), blockkit.MaxOptions, where+"/options")
		values := map[string]bool{}
		for i, o := range e.Options {
			at := fmt.Sprintf("%s/options/%d", where, i)
			c.plainText(o.Text, blockkit.MaxOptionText, at+"/text")
			if n := utf8.RuneCountInString(o.Value); n == 0 || n > blockkit.MaxOptionValue {
				c.add(fmt.Sprintf("value must be 1 to %d characters", blockkit.MaxOptionValue), at+"/value")
			}
			values[o.Value] = true
		}
		if e.InitialOption != nil && !values[e.InitialOption.Value] {
			c.add(fmt.Sprintf("initial option %q is not one of the options", e.InitialOption.Value), where+"/initial_option")
		}
	}
}

func checkText(t textObject, limit int, at string) []string {
	var problems []string
	if t.Type != "plain_text" && t.Type != "mrkdwn" {
		problems = append(problems, problem("must be plain_text or mrkdwn", at+"/type"))
	}
	switch n := utf8.RuneCountInString(t.Text); {
	case n == 0:
		problems = append(problems, problem("must be more than 0 characters", at+"/text"))
	case n > limit:
		problems = append(problems, problem(fmt.Sprintf("must be less than %d characters", limit+1), at+"/text"))
	}
	return problems
}

func problem(msg, at string) string {
	return fmt.Sprintf("[ERROR] %s [json-pointer:%s]", msg, at)
}

// CheckBlocks reports, as Slack would, every way blocks break Block Kit's
// limits for a message (blockkit.MaxBlocks) or an App Home view
// (blockkit.MaxHomeBlocks); nil means Slack takes them. Tests hold what
// the bot builds to it before it is sent.
func CheckBlocks(blocks []slack.Block, maxBlocks int) error {
	raw, err := json.Marshal(slack.Blocks{BlockSet: blocks})
	if err != nil {
		return &MessageError{Code: "invalid_blocks", Messages: []string{err.Error()}}
	}
	if problems := checkBlocks(raw, maxBlocks, "/blocks"); len(problems) > 0 {
		return &MessageError{Code: "invalid_blocks", Messages: problems}
	}
	return nil
}
