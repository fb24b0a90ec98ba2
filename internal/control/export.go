package control

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// ExportRange turns --from and --to into [from, to): from the start of the
// --from day to the end of the --to day, both in loc, whatever their
// length on a daylight-saving day. Either may be empty: no bound.
func ExportRange(fromS, toS string, loc *time.Location) (from, to time.Time, err error) {
	day := func(flag, s string) (quota.Period, error) {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return quota.Period{}, fmt.Errorf("--%s %q: want a date written YYYY-MM-DD, such as 2026-11-30", flag, s)
		}
		return quota.Day.Period(d, loc), nil
	}
	if fromS != "" {
		p, err := day("from", fromS)
		if err != nil {
			return from, to, err
		}
		from = p.Start
	}
	if toS != "" {
		p, err := day("to", toS)
		if err != nil {
			return from, to, err
		}
		to = p.End()
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("--to %s is before --from %s", toS, fromS)
	}
	return from, to, nil
}

// csvHeader is the export's header row (docs/ARCHITECTURE.md §3).
var csvHeader = []string{"logged_at", "user_id", "kind", "count", "note"}

// csvSafe keeps a spreadsheet from running a note as a formula: OWASP's
// rule for CSV injection is a leading apostrophe before a cell that starts
// with one of these.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes entries, those that stand in a range (as the store's
// Entries gives them), as CSV: one row per send. A refund (credits given
// back) is no send and has no row.
func WriteCSV(w io.Writer, entries iter.Seq2[quota.Entry, error]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for e, err := range entries {
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if e.Refund {
			continue // credits given back: no send, so no row
		}
		row := []string{e.At.UTC().Format(time.RFC3339), e.Member, string(e.Kind), strconv.Itoa(e.Count), csvSafe(e.Note)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
