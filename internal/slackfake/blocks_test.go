package slackfake_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
)

// TestCheckBlocks: what the bot builds is held to Block Kit's limits as
// Slack holds it, in Slack's words and JSON pointers.
func TestCheckBlocks(t *testing.T) {
	t.Parallel()
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	pt := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	section := func(s string) slack.Block { return slack.NewSectionBlock(md(s), nil, nil) }
	many := func(n int, b slack.Block) []slack.Block {
		out := make([]slack.Block, n)
		for i := range out {
			out[i] = b
		}
		return out
	}
	fields := func(n int) []*slack.TextBlockObject {
		out := make([]*slack.TextBlockObject, n)
		for i := range out {
			out[i] = md("f")
		}
		return out
	}
	button := func(id, text string) slack.BlockElement { return slack.NewButtonBlockElement(id, "v", pt(text)) }
	for _, tc := range []struct {
		name   string
		blocks []slack.Block
		want   string // in the error; "" means none
	}{
		{"fine", []slack.Block{slack.NewHeaderBlock(pt("Team")), section("hi"), slack.NewDividerBlock(),
			slack.NewContextBlock("", md("c")), slack.NewActionBlock("", button("a", "A"), button("b", "B"))}, ""},
		{"50 blocks", many(50, section("x")), ""},
		{"51 blocks", many(51, section("x")), "no more than 50 items allowed [json-pointer:/blocks]"},
		{"3,000 characters", []slack.Block{section(strings.Repeat("é", 3000))}, ""},
		{"3,001 characters", []slack.Block{section(strings.Repeat("é", 3001))}, "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"},
		{"empty text", []slack.Block{section("")}, "must be more than 0 characters"},
		{"10 fields", []slack.Block{slack.NewSectionBlock(nil, fields(10), nil)}, ""},
		{"11 fields", []slack.Block{slack.NewSectionBlock(nil, fields(11), nil)}, "no more than 10 items allowed [json-pointer:/blocks/0/fields]"},
		{"header of 151", []slack.Block{slack.NewHeaderBlock(pt(strings.Repeat("h", 151)))}, "must be less than 151 characters [json-pointer:/blocks/0/text/text]"},
		{"mrkdwn header", []slack.Block{slack.NewHeaderBlock(md("h"))}, "must be a plain_text text object [json-pointer:/blocks/0/text/type]"},
		{"same action twice", []slack.Block{slack.NewActionBlock("", button("a", "A"), button("a", "B"))}, `duplicate action_id "a" [json-pointer:/blocks/0/elements/1/action_id]`},
		{"same action in two blocks", []slack.Block{slack.NewActionBlock("", button("a", "A")), slack.NewActionBlock("", button("a", "B"))}, ""},
		{"menu", []slack.Block{menuSection(3, "v1")}, ""},
		{"menu of 101 options", []slack.Block{menuSection(101, "")}, "no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]"},
		{"menu without options", []slack.Block{menuSection(0, "")}, "must provide at least 1 item [json-pointer:/blocks/0/accessory/options]"},
		{"menu starting elsewhere", []slack.Block{menuSection(3, "v9")}, `initial option "v9" is not one of the options`},
		{"long accessory button", []slack.Block{slack.NewSectionBlock(md("x"), nil, slack.NewAccessory(
			slack.NewButtonBlockElement("a", "v", pt(strings.Repeat("b", 76)))))}, "must be less than 76 characters [json-pointer:/blocks/0/accessory/text/text]"},
		{"long button", []slack.Block{slack.NewActionBlock("", button("a", strings.Repeat("b", 76)))}, "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"},
		{"empty actions", []slack.Block{slack.NewActionBlock("")}, "must provide at least 1 item [json-pointer:/blocks/0/elements]"},
		{"11 context elements", []slack.Block{slack.NewContextBlock("", md("1"), md("2"), md("3"), md("4"), md("5"), md("6"), md("7"), md("8"), md("9"), md("10"), md("11"))}, "no more than 10 items allowed [json-pointer:/blocks/0/elements]"},
		{"same block id", []slack.Block{slack.NewSectionBlock(md("a"), nil, nil, slack.SectionBlockOptionBlockID("x")),
			slack.NewSectionBlock(md("b"), nil, nil, slack.SectionBlockOptionBlockID("x"))}, `duplicate block_id "x" [json-pointer:/blocks/1/block_id]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := slackfake.CheckBlocks(tc.blocks, blockkit.MaxBlocks)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := slackfake.CheckBlocks(many(100, section("x")), blockkit.MaxHomeBlocks); err != nil {
		t.Errorf("100 blocks in a Home view: got %v, want none", err)
	}
}

// menuSection is a section with a static menu of n options, v0, v1, …,
// starting at initial unless that is "".
func menuSection(n int, initial string) slack.Block {
	opts := make([]*slack.OptionBlockObject, n)
	for i := range opts {
		v := fmt.Sprintf("v%d", i)
		opts[i] = slack.NewOptionBlockObject(v, slack.NewTextBlockObject(slack.PlainTextType, v, false, false), nil)
	}
	m := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "menu", opts...)
	if initial != "" {
		m.InitialOption = slack.NewOptionBlockObject(initial, slack.NewTextBlockObject(slack.PlainTextType, initial, false, false), nil)
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "who", false, false), nil, slack.NewAccessory(m))
}
