package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Block Kit's limits, which Slack enforces by refusing the message or view.
const (
	maxMessageBlocks  = 50
	maxViewBlocks     = 100
	maxSectionText    = 3000
	maxSectionFields  = 10
	maxFieldText      = 2000
	maxHeaderText     = 150
	maxBlockID        = 255
	maxContextElems   = 10
	maxActionElements = 25
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
	if utf8.RuneCountInString(text) > maxTextLen {
		return &MessageError{Code: "msg_too_long"}
	}
	if problems := checkBlocks(m.Blocks, maxMessageBlocks, "/blocks"); len(problems) > 0 {
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

func checkBlock(raw json.RawMessage, at string, ids map[string]bool) []string {
	var b struct {
		Type     string            `json:"type"`
		BlockID  string            `json:"block_id"`
		Text     *textObject       `json:"text"`
		Fields   []textObject      `json:"fields"`
		Elements []json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return []string{problem("must be a block object", at)}
	}
	var problems []string
	add := func(msg, where string) { problems = append(problems, problem(msg, at+where)) }
	if b.Type == "" {
		add("missing required field: type", "")
	}
	if b.BlockID != "" {
		if utf8.RuneCountInString(b.BlockID) > maxBlockID {
			add(fmt.Sprintf("must be less than %d characters", maxBlockID+1), "/block_id")
		}
		if ids[b.BlockID] {
			add(fmt.Sprintf("duplicate block_id %q", b.BlockID), "/block_id")
		}
		ids[b.BlockID] = true
	}
	switch b.Type {
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			add("must provide text or fields", "")
		}
		if b.Text != nil {
			problems = append(problems, checkText(*b.Text, maxSectionText, at+"/text")...)
		}
		if len(b.Fields) > maxSectionFields {
			add(fmt.Sprintf("no more than %d items allowed", maxSectionFields), "/fields")
		}
		for i, f := range b.Fields {
			problems = append(problems, checkText(f, maxFieldText, fmt.Sprintf("%s/fields/%d", at, i))...)
		}
	case "header":
		switch {
		case b.Text == nil:
			add("missing required field: text", "")
		case b.Text.Type != "plain_text":
			add("must be a plain_text text object", "/text/type")
		default:
			problems = append(problems, checkText(*b.Text, maxHeaderText, at+"/text")...)
		}
	case "context":
		if len(b.Elements) == 0 {
			add("must provide at least 1 item", "/elements")
		}
		if len(b.Elements) > maxContextElems {
			add(fmt.Sprintf("no more than %d items allowed", maxContextElems), "/elements")
		}
	case "actions":
		if len(b.Elements) == 0 {
			add("must provide at least 1 item", "/elements")
		}
		if len(b.Elements) > maxActionElements {
			add(fmt.Sprintf("no more than %d items allowed", maxActionElements), "/elements")
		}
	}
	return problems
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
