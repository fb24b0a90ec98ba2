package commands

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
)

// Block Kit's limits (DESIGN.md §6). Slack refuses a whole message that
// breaks any one of them, so replies are built to stay inside and tests
// check them with CheckLimits.
const (
	MaxBlocks          = 50                      // blocks in a message
	MaxHomeBlocks      = 100                     // blocks in an App Home view
	MaxSectionText     = blockkit.MaxSectionText // characters in a section's or context's text
	MaxFields          = 10                      // fields in a section
	MaxFieldText       = 2000                    // characters in one field
	MaxHeaderText      = blockkit.MaxHeaderText  // characters in a header
	MaxContextElements = 10                      // elements in a context block
	MaxActionElements  = 25                      // elements in an actions block
	MaxButtonText      = 75                      // characters on a button
	MaxActionValue     = 2000                    // characters in a button's value
	MaxActionID        = 255                     // characters in an action_id or block_id
	MaxOptions         = 100                     // options in a static menu
	MaxOptionText      = 75                      // characters in an option's text
	MaxOptionValue     = 150                     // characters in an option's value
)

// CheckLimits reports every way blocks break Block Kit's limits for a
// message (at most MaxBlocks blocks); nil means Slack will take them.
func CheckLimits(blocks []slack.Block) error { return CheckLimitsN(blocks, MaxBlocks) }

// CheckLimitsN is CheckLimits with another block budget, MaxHomeBlocks for
// an App Home view.
func CheckLimitsN(blocks []slack.Block, maxBlocks int) error {
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("block %d: "+format, append([]any{i}, args...)...))
	}
	if len(blocks) > maxBlocks {
		errs = append(errs, fmt.Errorf("%d blocks, at most %d", len(blocks), maxBlocks))
	}
	blockIDs := map[string]bool{}
	text := func(i int, what string, t *slack.TextBlockObject, limit int) {
		if t == nil {
			bad(i, "%s: missing", what)
			return
		}
		if t.Type != slack.MarkdownType && t.Type != slack.PlainTextType {
			bad(i, "%s: type %q", what, t.Type)
		}
		if t.Text == "" {
			bad(i, "%s: empty", what)
		}
		if n := utf8.RuneCountInString(t.Text); n > limit {
			bad(i, "%s: %d characters, at most %d", what, n, limit)
		}
	}
	button := func(i int, what string, btn *slack.ButtonBlockElement) {
		text(i, what, btn.Text, MaxButtonText)
		if btn.Text != nil && btn.Text.Type != slack.PlainTextType {
			bad(i, "%s text must be plain_text", what)
		}
		if btn.ActionID == "" || len(btn.ActionID) > MaxActionID {
			bad(i, "%s: action_id of %d characters, want 1 to %d", what, len(btn.ActionID), MaxActionID)
		}
		if len(btn.Value) > MaxActionValue {
			bad(i, "%s: value of %d characters, at most %d", what, len(btn.Value), MaxActionValue)
		}
	}
	// menu checks a static select: Slack refuses one with no options or
	// more than MaxOptions, and an initial option that is not among them.
	menu := func(i int, m *slack.SelectBlockElement) {
		if m.ActionID == "" || len(m.ActionID) > MaxActionID {
			bad(i, "menu: action_id of %d characters, want 1 to %d", len(m.ActionID), MaxActionID)
		}
		if m.Type != slack.OptTypeStatic {
			return
		}
		if len(m.Options) == 0 || len(m.Options) > MaxOptions {
			bad(i, "menu with %d options, want 1 to %d", len(m.Options), MaxOptions)
		}
		values := map[string]bool{}
		for j, o := range m.Options {
			text(i, fmt.Sprintf("option %d", j), o.Text, MaxOptionText)
			if o.Text != nil && o.Text.Type != slack.PlainTextType {
				bad(i, "option %d text must be plain_text", j)
			}
			if o.Value == "" || utf8.RuneCountInString(o.Value) > MaxOptionValue {
				bad(i, "option %d: value of %d characters, want 1 to %d", j, utf8.RuneCountInString(o.Value), MaxOptionValue)
			}
			values[o.Value] = true
		}
		if m.InitialOption != nil && !values[m.InitialOption.Value] {
			bad(i, "menu: initial option %q is not one of its options", m.InitialOption.Value)
		}
	}
	for i, b := range blocks {
		if b == nil {
			bad(i, "nil")
			continue
		}
		if id := b.ID(); id != "" {
			if blockIDs[id] {
				bad(i, "block_id %q used twice", id)
			}
			blockIDs[id] = true
			if len(id) > MaxActionID {
				bad(i, "block_id of %d characters, at most %d", len(id), MaxActionID)
			}
		}
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text == nil && len(b.Fields) == 0 {
				bad(i, "section with neither text nor fields")
			}
			if b.Text != nil {
				text(i, "section text", b.Text, MaxSectionText)
			}
			if len(b.Fields) > MaxFields {
				bad(i, "%d fields, at most %d", len(b.Fields), MaxFields)
			}
			for j, f := range b.Fields {
				text(i, fmt.Sprintf("field %d", j), f, MaxFieldText)
			}
			if a := b.Accessory; a != nil {
				if a.ButtonElement != nil {
					button(i, "accessory button", a.ButtonElement)
				}
				if a.SelectElement != nil {
					menu(i, a.SelectElement)
				}
			}
		case *slack.HeaderBlock:
			text(i, "header", b.Text, MaxHeaderText)
			if b.Text != nil && b.Text.Type != slack.PlainTextType {
				bad(i, "header must be plain_text")
			}
		case *slack.ContextBlock:
			els := b.ContextElements.Elements
			if len(els) == 0 || len(els) > MaxContextElements {
				bad(i, "context with %d elements, want 1 to %d", len(els), MaxContextElements)
			}
			for j, e := range els {
				if t, ok := e.(*slack.TextBlockObject); ok {
					text(i, fmt.Sprintf("context element %d", j), t, MaxSectionText)
				}
			}
		case *slack.ActionBlock:
			if b.Elements == nil || len(b.Elements.ElementSet) == 0 || len(b.Elements.ElementSet) > MaxActionElements {
				n := 0
				if b.Elements != nil {
					n = len(b.Elements.ElementSet)
				}
				bad(i, "actions with %d elements, want 1 to %d", n, MaxActionElements)
				continue
			}
			// Slack wants an action_id unique within its block, not the
			// whole message: the App Home has a "Log 1" per kind, each in
			// its own block, all quotabot.log.1 (the value says the kind).
			actionIDs := map[string]bool{}
			for j, e := range b.Elements.ElementSet {
				btn, ok := e.(*slack.ButtonBlockElement)
				if !ok {
					continue
				}
				button(i, fmt.Sprintf("button %d", j), btn)
				if actionIDs[btn.ActionID] {
					bad(i, "action_id %q used twice", btn.ActionID)
				}
				actionIDs[btn.ActionID] = true
			}
		case *slack.DividerBlock:
		default:
			// Blocks this package does not build are not checked further,
			// but are not refused either: a caller may mix in its own.
		}
	}
	return errors.Join(errs...)
}
