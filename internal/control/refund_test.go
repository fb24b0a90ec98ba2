package control_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestExportLeavesOutRefunds: export is one row per send with the usual
// header; credits given back are no send, so they have no row.
func TestExportLeavesOutRefunds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)
	l, err := store.Open(t.TempDir(), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if _, err := l.SetTier(ctx, store.SetTierRequest{Member: "U1", Tier: "sales_navigator", By: "U1"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []store.LogRequest{
		{Member: "U1", Kind: quota.InMail, Count: 3, Note: "Acme"},
		{Member: "U1", Kind: quota.InMail, Count: 2, Refund: true},
		{Member: "U1", Kind: quota.Message, Count: 4},
	} {
		if _, err := l.Log(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := control.WriteCSV(&buf, l.Entries(ctx, time.Time{}, time.Time{})); err != nil {
		t.Fatal(err)
	}
	want := "logged_at,user_id,kind,count,note\n" +
		"2026-11-26T15:00:00Z,U1,inmail,3,Acme\n" +
		"2026-11-26T15:00:00Z,U1,message,4,\n"
	if buf.String() != want {
		t.Errorf("export:\n%s\nwant:\n%s", buf.String(), want)
	}
}
