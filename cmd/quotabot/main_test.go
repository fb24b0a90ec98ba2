package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York wherever the tests run

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/store"
)

// TestSettings: a setting missing or malformed stops serve at once, with
// a message that names the setting and the fix, and never a secret.
func TestSettings(t *testing.T) {
	t.Parallel()
	badConfig := filepath.Join(t.TempDir(), "quotabot.yml")
	if err := os.WriteFile(badConfig, []byte("timezone: UTC\ntiers:\n  free:\n    message: {day: 100, year: 5}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-secretvalue", "SLACK_APP_TOKEN": "xapp-1-secretvalue"}
	with := func(changes map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range ok {
			env[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(env, k)
			} else {
				env[k] = v
			}
		}
		return env
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		want  []string
		usage bool
	}{
		{"no bot token", with(map[string]string{"SLACK_BOT_TOKEN": ""}), nil,
			[]string{"SLACK_BOT_TOKEN is not set", "xoxb-", "OAuth & Permissions"}, false},
		{"app token as bot token", with(map[string]string{"SLACK_BOT_TOKEN": "xapp-1-secretvalue"}), nil,
			[]string{"SLACK_BOT_TOKEN does not start with xoxb-", "goes in SLACK_APP_TOKEN"}, false},
		{"bad app token", with(map[string]string{"SLACK_APP_TOKEN": "xoxb-1-secretvalue"}), []string{"serve"},
			[]string{"SLACK_APP_TOKEN does not start with xapp-", "connections:write"}, false},
		{"nothing to serve", with(map[string]string{"SLACK_APP_TOKEN": ""}), []string{"serve"},
			[]string{"nothing to serve", "SLACK_APP_TOKEN", "--http"}, false},
		{"http without secret", with(map[string]string{"SLACK_APP_TOKEN": ""}), []string{"serve", "--http", "127.0.0.1:0"},
			[]string{"SLACK_SIGNING_SECRET is not set", "Basic Information"}, false},
		{"bad api url", with(map[string]string{"SLACK_API_URL": "slack.com/api"}), nil,
			[]string{"SLACK_API_URL", "https://slack.com/api/"}, false},
		{"bad config", ok, []string{"serve", "--config", badConfig},
			[]string{"--config", badConfig + ":4", "tiers.free.message.year", "unknown window"}, false},
		{"missing config", ok, []string{"serve", "--config", badConfig + ".missing"},
			[]string{"--config", "cannot read the config file"}, false},
		{"unknown flag", ok, []string{"serve", "--htp", ":80"}, []string{"flag provided but not defined: -htp"}, true},
		{"stray argument", ok, []string{"serve", "now"}, []string{"serve takes no arguments"}, true},
		{"unknown command", ok, []string{"srve"}, []string{`unknown command "srve"`, "serve, doctor, console, export, backup, restore, check and help"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runWith(t, tc.env, "", tc.args...)
			if r.err == nil {
				t.Fatalf("got no error, want one naming the setting")
			}
			for _, w := range tc.want {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("error %q lacks %q", r.err, w)
				}
			}
			if strings.Contains(r.err.Error()+r.stderr, "secretvalue") {
				t.Errorf("the output shows a token: %q %q", r.err, r.stderr)
			}
			var ue usageError
			if got := errors.As(r.err, &ue); got != tc.usage {
				t.Errorf("usage error (exit 2): got %v, want %v", got, tc.usage)
			}
		})
	}
}

// TestHelp: -h prints the flags and is not an error.
func TestHelp(t *testing.T) {
	t.Parallel()
	r := mustRun(t, nil, "", "export", "-h")
	if !strings.Contains(r.stdout, "-from") || !strings.Contains(r.stdout, "-to") {
		t.Errorf("export -h printed %q, want its flags on standard output", r.stdout)
	}
	r = mustRun(t, nil, "", "help")
	if !strings.Contains(r.stdout, "SLACK_BOT_TOKEN") {
		t.Errorf("help printed %q, want the environment listed", r.stdout)
	}
}

// TestConsole types commands into the console and reads the replies.
func TestConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := mustRun(t, nil, "/logsend 5\n\n/quota\n/logsend 5 inmial\nhello\n", "console", "--data", dir, "--user", "U123")
	// A reply may run to several lines (a refusal carries the usage).
	out := r.stdout
	for _, want := range []string{
		"Logged 5 messages. Left today: 95 of 100. Left this month: 1,495 of 1,500.\n",
		"Your quota (tier free). Messages: 95 left now. Left today: 95 of 100. Left this month: 1,495 of 1,500. Invitations: 100 left now. Left over the last 7 days: 100 of 100.\n",
		"Did you mean *inmail*?",
		"Nothing was recorded.",
		"Type a slash command",
	} {
		i := strings.Index(out, want)
		if i < 0 {
			t.Fatalf("the console printed:\n%s\nwant, after what came before, %q", r.stdout, want)
		}
		out = out[i+len(want):]
	}
	// The store is closed: a second session sees the first one's entry.
	r = mustRun(t, nil, "/quota @U123\n", "console", "--data", dir, "--user", "U999")
	if !strings.Contains(r.stdout, "<@U123>") || !strings.Contains(r.stdout, "95 of 100") {
		t.Errorf("/quota @U123 from another user: got %q, want U123's standing", r.stdout)
	}
}

// readCSV parses an export and checks its header.
func readCSV(t testing.TB, out string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "logged_at,user_id,kind,count,note" {
		t.Fatalf("export header: got %q, want logged_at,user_id,kind,count,note", rows)
	}
	return rows[1:]
}

// TestExport: the entries that stand, as CSV, in RFC 3339 UTC, a note with
// commas and quotes intact; --from and --to bound the days.
func TestExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "/logsend 5\n/logsend 2\n/logsend undo\n/logsend 4 message intro, to \"Acme\"\n", "console", "--data", dir, "--user", "U123")

	rows := readCSV(t, mustRun(t, nil, "", "export", "--data", dir).stdout)
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2 (the undone entry left out): %q", len(rows), rows)
	}
	for i, want := range [][]string{{"U123", "message", "5", ""}, {"U123", "message", "4", `intro, to "Acme"`}} {
		if got := rows[i][1:]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d: got %q, want %q", i, got, want)
		}
		at, err := time.Parse(time.RFC3339, rows[i][0])
		if err != nil || !strings.HasSuffix(rows[i][0], "Z") || time.Since(at) > time.Hour {
			t.Errorf("row %d: logged_at %q, want RFC 3339 in UTC, a moment ago", i, rows[i][0])
		}
	}

	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	for _, tc := range []struct {
		args []string
		rows int
	}{
		{[]string{"--from", today, "--to", today}, 2},
		{[]string{"--to", today}, 2},
		{[]string{"--from", tomorrow}, 0},
		{[]string{"--to", yesterday}, 0},
	} {
		got := readCSV(t, mustRun(t, nil, "", append([]string{"export", "--data", dir}, tc.args...)...).stdout)
		if len(got) != tc.rows {
			t.Errorf("export %s: got %d rows, want %d", strings.Join(tc.args, " "), len(got), tc.rows)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "26/11/2026"}, "--from \"26/11/2026\": want a date written YYYY-MM-DD"},
		{[]string{"--from", today, "--to", yesterday}, "is before --from"},
		{[]string{"--data", filepath.Join(dir, "nothing-here")}, "no such directory"},
	} {
		r := runWith(t, nil, "", append([]string{"export", "--data", dir}, tc.args...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("export %s: got %v, want an error with %q", strings.Join(tc.args, " "), r.err, tc.want)
		}
	}
}

// TestBackupRestore: a backup restored elsewhere exports the same.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	src, dst, dst2 := t.TempDir(), filepath.Join(t.TempDir(), "restored"), filepath.Join(t.TempDir(), "restored-from-stdin")
	mustRun(t, nil, "/logsend 5\n/logsend 7 message follow-ups\n/logsend 2\n/logsend undo\n", "console", "--data", src, "--user", "U1")
	mustRun(t, nil, "/logsend 9\n", "console", "--data", src, "--user", "U2")
	file := filepath.Join(t.TempDir(), "quotabot.bak")
	mustRun(t, nil, "", "backup", "--data", src, "--out", file)
	mustRun(t, nil, "", "restore", file, "--data", dst) // flags after the file too

	want := mustRun(t, nil, "", "export", "--data", src).stdout
	if got := mustRun(t, nil, "", "export", "--data", dst).stdout; got != want {
		t.Errorf("restored export:\n%s\nwant the original's:\n%s", got, want)
	}
	if rows := readCSV(t, want); len(rows) != 3 {
		t.Errorf("got %d rows, want 3", len(rows))
	}
	r := mustRun(t, nil, "/quota\n", "console", "--data", dst, "--user", "U1")
	if !strings.Contains(r.stdout, "Left today: 88 of 100") {
		t.Errorf("restored store: /quota got %q, want 88 of 100 left today", r.stdout)
	}

	// Backup to stdout, restore from stdin.
	bak := mustRun(t, nil, "", "backup", "--data", src).stdout
	mustRun(t, nil, bak, "restore", "--data", dst2, "-")
	if got := mustRun(t, nil, "", "export", "--data", dst2).stdout; got != want {
		t.Errorf("restored from stdin:\n%s\nwant:\n%s", got, want)
	}

	// Restoring over data is refused, and changes nothing.
	r = runWith(t, nil, "", "restore", "--data", dst, file)
	if r.err == nil || !strings.Contains(r.err.Error(), "already holds a store") {
		t.Errorf("restore into a store: got %v, want a refusal", r.err)
	}
	if got := mustRun(t, nil, "", "export", "--data", dst).stdout; got != want {
		t.Errorf("after the refused restore the export changed:\n%s", got)
	}
}

// TestEmptyDataDir: export and backup of a directory with no store in it
// say so, and leave it empty, so that a backup can still be restored there.
func TestEmptyDataDir(t *testing.T) {
	t.Parallel()
	src, empty := t.TempDir(), t.TempDir()
	mustRun(t, nil, "/logsend 5\n", "console", "--data", src, "--user", "U1")
	file := filepath.Join(t.TempDir(), "quotabot.bak")
	mustRun(t, nil, "", "backup", "--data", src, "--out", file)
	for _, cmd := range []string{"export", "backup"} {
		r := runWith(t, nil, "", cmd, "--data", empty)
		if r.err == nil || !strings.Contains(r.err.Error(), "holds no quotabot data") {
			t.Errorf("%s of an empty directory: got %v, want it to say there is no data", cmd, r.err)
		}
	}
	if left, err := os.ReadDir(empty); err != nil || len(left) != 0 {
		t.Fatalf("the empty directory after export and backup: %v, %v; want it still empty", left, err)
	}
	mustRun(t, nil, "", "restore", "--data", empty, file)
	if rows := readCSV(t, mustRun(t, nil, "", "export", "--data", empty).stdout); len(rows) != 1 {
		t.Errorf("restored into the once-empty directory: %d rows, want 1", len(rows))
	}
}

// TestLockedDir: while another process holds the data directory, export
// and backup get their answer from the running bot over the control
// socket; without one, they, console and restore say which directory is
// in use and what to do, at once.
func TestLockedDir(t *testing.T) {
	t.Parallel()
	for _, dirOf := range []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"short path", func(t *testing.T) string { return shortDir(t) }},
		// Too long for a unix socket in the directory itself.
		{"long path", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
		}},
	} {
		t.Run(dirOf.name, func(t *testing.T) {
			t.Parallel()
			dir := dirOf.dir(t)
			mustRun(t, nil, "/logsend 5\n", "console", "--data", dir, "--user", "U1")
			want := mustRun(t, nil, "", "export", "--data", dir).stdout

			l, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			// No bot answers on the socket: clear errors naming the dir.
			for _, args := range [][]string{
				{"export", "--data", dir},
				{"backup", "--data", dir},
				{"check", "--data", dir},
				{"console", "--data", dir},
				{"restore", "--data", dir, filepath.Join(t.TempDir(), "none.bak")},
			} {
				r := runWith(t, nil, "/quota\n", args...)
				if r.err == nil || !strings.Contains(r.err.Error(), dir) || !strings.Contains(r.err.Error(), "in use") {
					t.Errorf("%s on a locked directory: got %v, want an error naming %s as in use", args[0], r.err, dir)
				}
			}

			// The running bot answers.
			c, err := control.Serve(dir, l, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			if got := mustRun(t, nil, "", "export", "--data", dir).stdout; got != want {
				t.Errorf("export through the bot:\n%s\nwant:\n%s", got, want)
			}
			r := mustRun(t, nil, "", "export", "--data", dir, "--from", "2000-01-01", "--to", "2000-01-02")
			if rows := readCSV(t, r.stdout); len(rows) != 0 {
				t.Errorf("export of 2000 through the bot: got %q, want no rows", rows)
			}
			if got := mustRun(t, nil, "", "check", "--data", dir).stdout; !strings.Contains(got, "is whole: 1 entries") {
				t.Errorf("check through the bot: got %q, want the store whole with its 1 entry", got)
			}
			bak := mustRun(t, nil, "", "backup", "--data", dir).stdout
			if !strings.HasPrefix(bak, "quotabot backup\n\x00\x00\x00\x01") {
				t.Errorf("backup through the bot starts %q, want a version 1 backup's header", bak[:min(len(bak), 20)])
			}
			restored := filepath.Join(t.TempDir(), "restored")
			mustRun(t, nil, bak, "restore", "--data", restored, "-")
			if got := mustRun(t, nil, "", "export", "--data", restored).stdout; got != want {
				t.Errorf("backup through the bot, restored:\n%s\nwant:\n%s", got, want)
			}
			r = runWith(t, nil, "", "restore", "--data", dir, "-")
			if r.err == nil || !strings.Contains(r.err.Error(), "stop the bot") {
				t.Errorf("restore into the running bot's directory: got %v, want to be told to stop the bot", r.err)
			}
		})
	}
}

// TestConsoleInterrupted: SIGINT ends a console waiting for input, and
// the store is closed behind it.
func TestConsoleInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdin, typing := io.Pipe()
	defer typing.Close()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"console", "--data", dir}, func(string) string { return "" }, stdin, &stdout, &stderr)
	}()
	if _, err := io.WriteString(typing, "/logsend 3\n"); err != nil {
		t.Fatal(err)
	}
	stdout.waitFor(t, "Logged 3 messages")
	cancel() // as SIGINT does, while the console waits for the next line
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("console after SIGINT: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("console did not end after SIGINT")
	}
	if rows := readCSV(t, mustRun(t, nil, "", "export", "--data", dir).stdout); len(rows) != 1 {
		t.Errorf("got %d rows, want the one entry, in a store closed cleanly", len(rows))
	}
}

// TestExportFormulas: a note a spreadsheet would run as a formula is
// exported with a leading apostrophe (OWASP's rule); other notes as typed.
func TestExportFormulas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notes := []struct{ typed, exported string }{
		{`=HYPERLINK("http://evil.example","click")`, `'=HYPERLINK("http://evil.example","click")`},
		{"+1 call", "'+1 call"},
		{"-2 left", "'-2 left"},
		{"@ana intro", "'@ana intro"},
		{"intro = hello", "intro = hello"},
		{"'quoted", "'quoted"},
	}
	var in strings.Builder
	for _, n := range notes {
		in.WriteString("/logsend 1 message " + n.typed + "\n")
	}
	mustRun(t, nil, in.String(), "console", "--data", dir, "--user", "U123")
	rows := readCSV(t, mustRun(t, nil, "", "export", "--data", dir).stdout)
	if len(rows) != len(notes) {
		t.Fatalf("got %d rows, want %d: %q", len(rows), len(notes), rows)
	}
	for i, n := range notes {
		if got := rows[i][4]; got != n.exported {
			t.Errorf("note %q: exported %q, want %q", n.typed, got, n.exported)
		}
	}
	// A note with a leading blank, which the grammar trims, is
	// control's TestCSVSafe.
}

// TestCheckCommand: check says a whole store is whole, and refuses a
// damaged one naming the file, without changing it.
func TestCheckCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, nil, "/logsend 5\n/logsend 3\n/logsend undo\n/logsend 2 message to Acme\n", "console", "--data", dir, "--user", "U1")
	got := mustRun(t, nil, "", "check", "--data", dir).stdout
	want := dir + " is whole: 3 entries (2 standing) of 1 members"
	if !strings.HasPrefix(got, want) {
		t.Errorf("check: got %q, want it to start %q", got, want)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("the closed store has no table to damage")
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/4] ^= 0xff
	if err := os.WriteFile(tables[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"check", "export", "backup", "serve"} {
		r := runWith(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x"}, "", cmd, "--data", dir)
		if r.err == nil || !strings.Contains(r.err.Error(), filepath.Base(tables[0])) || !strings.Contains(r.err.Error(), "damaged") {
			t.Errorf("%s on a damaged store: got %v, want it refused naming %s", cmd, r.err, filepath.Base(tables[0]))
		}
	}
	after, _ := os.ReadFile(tables[0])
	if !bytes.Equal(after, b) {
		t.Errorf("the refused commands changed %s", tables[0])
	}

	// Without its MANIFEST, the store is damaged, not absent.
	if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"check", "export", "backup"} {
		r := runWith(t, nil, "", cmd, "--data", dir)
		if r.err == nil || !strings.Contains(r.err.Error(), "MANIFEST is missing") {
			t.Errorf("%s on a store without its MANIFEST: got %v, want it named as damaged", cmd, r.err)
		}
	}
}

// TestConsoleShowsNotesAsTyped: a reply's text escapes a note for Slack;
// the console shows it as it was typed.
func TestConsoleShowsNotesAsTyped(t *testing.T) {
	t.Parallel()
	r := mustRun(t, nil, "/logsend 1 message Q&A with <b> team\n/quota history\n", "console", "--data", t.TempDir(), "--user", "U1")
	if !strings.Contains(r.stdout, "Q&A with <b> team") || strings.Contains(r.stdout, "&amp;") || strings.Contains(r.stdout, "&lt;") {
		t.Errorf("console printed:\n%s\nwant the note as typed, unescaped", r.stdout)
	}
}
