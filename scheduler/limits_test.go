package scheduler_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/scheduler"
)

// checkLimits fails the test for every way p breaks Slack's limits: Block
// Kit's (50 blocks, section text, headers: slackfake.ValidateMessage), the
// data table's (one per message, at most 100 rows and 20 columns, a
// caption, a raw_text header row, a page size of 1 to 100) and the chart's
// (slack-go's own DataVisualizationBlock.Validate).
func checkLimits(t testing.TB, p posted) {
	t.Helper()
	msg, err := json.Marshal(map[string]any{"text": p.Text, "blocks": p.Blocks})
	if err != nil {
		t.Fatal(err)
	}
	if err := slackfake.ValidateMessage(msg); err != nil {
		t.Errorf("%s: Slack would refuse it: %v", p.key(), err)
	}
	if n := utf8.RuneCountInString(p.Text); n > 4000 {
		t.Errorf("%s: fallback text of %d characters, want at most 4,000", p.key(), n)
	}
	var blocks []json.RawMessage
	if len(p.Blocks) > 0 {
		if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
			t.Fatalf("%s: blocks: %v", p.key(), err)
		}
	}
	if len(blocks) > blockkit.MaxBlocks {
		t.Errorf("%s: %d blocks, want at most %d", p.key(), len(blocks), blockkit.MaxBlocks)
	}
	tables := 0
	for i, raw := range blocks {
		var typ struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(raw, &typ)
		switch typ.Type {
		case "data_table":
			tables++
			checkTable(t, p.key(), i, raw)
		case "data_visualization":
			var b slack.DataVisualizationBlock
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Errorf("%s: block %d: %v", p.key(), i, err)
				continue
			}
			if err := b.Validate(); err != nil {
				t.Errorf("%s: block %d: chart: %v", p.key(), i, err)
			}
		}
	}
	if tables > 1 {
		t.Errorf("%s: %d tables, want at most 1", p.key(), tables)
	}
}

func checkTable(t testing.TB, key string, i int, raw json.RawMessage) {
	t.Helper()
	var tb struct {
		Caption  string              `json:"caption"`
		PageSize int                 `json:"page_size"`
		Rows     [][]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(raw, &tb); err != nil {
		t.Errorf("%s: block %d: %v", key, i, err)
		return
	}
	// slack-go must read back what it wrote.
	var round slack.DataTableBlock
	if err := json.Unmarshal(raw, &round); err != nil {
		t.Errorf("%s: block %d: slack-go cannot read the table back: %v", key, i, err)
	}
	switch {
	case tb.Caption == "":
		t.Errorf("%s: block %d: table without a caption", key, i)
	case tb.PageSize < 0 || tb.PageSize > 100:
		t.Errorf("%s: block %d: page size %d, want 1 to 100", key, i, tb.PageSize)
	case len(tb.Rows) < 2:
		t.Errorf("%s: block %d: %d rows, want a header and at least one row", key, i, len(tb.Rows))
	case len(tb.Rows) > scheduler.MaxTableRows:
		t.Errorf("%s: block %d: %d rows, want at most %d", key, i, len(tb.Rows), scheduler.MaxTableRows)
	}
	if len(tb.Rows) == 0 {
		return
	}
	cols := len(tb.Rows[0])
	if cols > scheduler.MaxTableColumns {
		t.Errorf("%s: block %d: %d columns, want at most %d", key, i, cols, scheduler.MaxTableColumns)
	}
	for _, c := range tb.Rows[0] {
		var cell struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		_ = json.Unmarshal(c, &cell)
		if cell.Type != "raw_text" || cell.Text == "" {
			t.Errorf("%s: block %d: header cell %s, want raw_text with text", key, i, c)
		}
	}
	for r, row := range tb.Rows {
		if len(row) != cols {
			t.Errorf("%s: block %d: row %d has %d cells, the header %d", key, i, r, len(row), cols)
		}
	}
}
