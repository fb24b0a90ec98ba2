package control_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

var ctx = context.Background()

// TestExportRange: --to takes in its whole day in the configured zone,
// however long that day is.
func TestExportRange(t *testing.T) {
	t.Parallel()
	ny := testutil.NewYork(t)
	for _, tc := range []struct {
		from, to string
		start    string
		end      string
	}{
		{"2026-11-26", "2026-11-26", "2026-11-26T05:00:00Z", "2026-11-27T05:00:00Z"},
		// Fall back: 1 November 2026 is 25 hours long in New York.
		{"2026-11-01", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"},
		// Spring forward: 8 March 2026 is 23 hours long.
		{"2026-03-08", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"},
		{"", "2026-11-30", "", "2026-12-01T05:00:00Z"},
	} {
		from, to, err := control.ExportRange(tc.from, tc.to, ny)
		if err != nil {
			t.Fatalf("ExportRange(%q, %q): %v", tc.from, tc.to, err)
		}
		got := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		if got(from) != tc.start || got(to) != tc.end {
			t.Errorf("ExportRange(%q, %q): got [%s, %s), want [%s, %s)", tc.from, tc.to, got(from), got(to), tc.start, tc.end)
		}
	}
}

// openStore is a real store in a directory of the test's, with two entries.
func openStore(t *testing.T) (dir string, l *store.Ledger) {
	t.Helper()
	dir = t.TempDir()
	l, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for _, r := range []store.LogRequest{{Member: "U1", Kind: quota.Message, Count: 5},
		{Member: "U2", Kind: quota.Message, Count: 2, Note: "=SUM(A1)"}} {
		if _, err := l.Log(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return dir, l
}

// serve serves s's control socket for dir until the test ends.
func serve(t *testing.T, dir string, s control.Store) *control.Server {
	t.Helper()
	c, err := control.Serve(dir, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return c
}

// TestServe: each answer through the socket is what the store itself
// gives, byte for byte.
func TestServe(t *testing.T) {
	t.Parallel()
	dir, l := openStore(t)
	// A socket file left by a process that died is replaced.
	if err := os.WriteFile(control.Path(dir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := serve(t, dir, l)

	if err := control.Ping(ctx, dir); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var want, got bytes.Buffer
	if err := control.WriteCSV(&want, l.Entries(ctx, time.Time{}, time.Time{})); err != nil {
		t.Fatal(err)
	}
	if err := control.Export(ctx, dir, "", "", &got); err != nil {
		t.Fatalf("Export: %v", err)
	}
	if got.String() != want.String() || !strings.Contains(got.String(), "'=SUM(A1)") {
		t.Errorf("export through the socket:\n%s\nwant:\n%s", got.String(), want.String())
	}
	got.Reset()
	if err := control.Export(ctx, dir, "2000-01-01", "2000-01-02", &got); err != nil || got.String() != "logged_at,user_id,kind,count,note\n" {
		t.Errorf("export of 2000: got %q, %v; want the header alone", got.String(), err)
	}
	if err := control.Export(ctx, dir, "26/11/2026", "", &got); err == nil || !strings.Contains(err.Error(), `refused: --from "26/11/2026": want a date written YYYY-MM-DD`) {
		t.Errorf("export of a bad date: got %v, want the bot's refusal", err)
	}

	want.Reset()
	got.Reset()
	if err := l.Backup(ctx, &want); err != nil {
		t.Fatal(err)
	}
	if err := control.Backup(ctx, dir, &got); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if !bytes.HasPrefix(got.Bytes(), []byte("quotabot backup\n")) || got.Len() != want.Len() {
		t.Errorf("backup through the socket: %d bytes starting %q, want %d like the store's own", got.Len(), got.Bytes()[:min(got.Len(), 16)], want.Len())
	}

	r, err := control.Check(ctx, dir)
	if err != nil || !r.OK() || r.Entries != 2 {
		t.Errorf("Check: got %+v, %v; want the store whole with its 2 entries", r, err)
	}

	c.Close(ctx)
	if _, err := os.Stat(control.Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file after Close: %v, want it gone", err)
	}
	if err := control.Ping(ctx, dir); err == nil || !strings.Contains(err.Error(), "does not answer on "+control.Path(dir)) {
		t.Errorf("Ping with no bot: got %v, want the directory's socket named as not answering", err)
	}
}

// slowCheck is a store whose Check waits for release, then fails.
type slowCheck struct {
	*store.Ledger
	release chan struct{}
}

func (s slowCheck) Check(ctx context.Context) (store.CheckReport, error) {
	<-s.release
	return store.CheckReport{}, errors.New("table 000001.sst:\nchecksum mismatch")
}

// TestCheckStreams: the head of the answer to check goes out before the
// check ends, which may take longer than a client waits for a head, and a
// failure comes in the trailer, on one line.
func TestCheckStreams(t *testing.T) {
	t.Parallel()
	dir, l := openStore(t)
	s := slowCheck{Ledger: l, release: make(chan struct{})}
	serve(t, dir, s)
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", control.Path(dir))
		},
	}}
	resp, err := client.Get("http://quotabot/check")
	if err != nil {
		close(s.release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got %s before the check ended, want 200", resp.Status)
	}
	close(s.release)
	if _, err := bytes.NewBuffer(nil).ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if got := resp.Trailer.Get("Quotabot-Error"); got != "table 000001.sst: checksum mismatch" {
		t.Errorf("trailer: got %q, want the failure on one line", got)
	}
	if _, err := control.Check(ctx, dir); err == nil || !strings.Contains(err.Error(), "failed part way: table 000001.sst: checksum mismatch") {
		t.Errorf("Check of a failing store: got %v, want the trailer's failure", err)
	}
}
