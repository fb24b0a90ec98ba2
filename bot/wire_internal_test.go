package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/commands"
)

// TestWireBlocks checks that the flattened blocks encode byte for byte as
// slack-go encodes its own.
func TestWireBlocks(t *testing.T) {
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	pt := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(pt("Team <quota> & more")),
		slack.NewSectionBlock(md("*Messages* · `▓░░` 3/100 <!date^1795824000^{date_short_pretty} {time}|Sat 28 Nov>"), nil, nil),
		slack.NewDividerBlock(),
		slack.NewContextBlock("", md("Note: a &lt;b&gt;"), pt("plain")),
		slack.NewContextBlock("ctx"),
		slack.NewActionBlock("", slack.NewButtonBlockElement("quotabot.log.1", "1 message", pt("Log 1")),
			slack.NewButtonBlockElement("quotabot.undo", "18ebe51f86778001", pt("Undo")).WithStyle(slack.StyleDanger)),
		slack.NewActionBlock("empty"),
		&slack.ActionBlock{Type: slack.MBTAction},
		slack.NewActionBlock("menu", slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Tier"), "quotabot.tier",
			slack.NewOptionBlockObject("free", pt("free"), nil), slack.NewOptionBlockObject("premium", pt("premium"), nil))),
	}
	want, err := json.Marshal(slack.Blocks{BlockSet: blocks})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(wire(commands.Reply{Text: "t", Blocks: blocks}).Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("wire blocks differ from slack-go's:\n got %s\nwant %s", got, want)
	}
	if got, _ := json.Marshal(wire(commands.Reply{Text: "t"})); string(got) != `{"response_type":"ephemeral","text":"t","blocks":null}` {
		t.Errorf("a reply without blocks: %s", got)
	}
}
