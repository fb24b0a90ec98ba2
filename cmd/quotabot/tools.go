package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/internal/slackid"
	"github.com/quotabot/quotabot/store"
)

// consoleUser is who types in the console unless --user says otherwise.
const consoleUser = "U0CONSOLE"

// console reads slash commands from stdin, one a line, and prints each
// reply's text: the bot without Slack.
func console(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flags("console", "console [--data DIR] [--user U123] [--config FILE]", stderr)
	dir := fs.String("data", defaultData, "the data `directory`")
	user := fs.String("user", consoleUser, "the Slack user `ID` typing")
	cfgPath := fs.String("config", "", "the YAML config `file` (default: built-in settings)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("console takes no arguments, only flags; type the commands on standard input")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := quietLog(stderr)
	l, err := openLedger(*dir, cfg, log, "stop the bot before using the console on its data, or give the console another --data")
	if err != nil {
		return err
	}
	defer l.Close()
	h := commands.New(l, commands.Options{Admins: cfg.Admins, Logger: log})
	// A person at a terminal is greeted and prompted; a pipe is not.
	tty := isTerminal(stdin)
	if tty {
		if err := greet(stdout, *user, *dir); err != nil {
			return err
		}
	}
	// Standard input is read on a goroutine of its own, so that SIGINT
	// ends the session (and closes the store) while a read is waiting.
	lines, readErr := readLines(ctx, stdin)
	for {
		if tty {
			fmt.Fprint(stdout, consolePrompt)
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return l.Close()
		case line, ok = <-lines:
		}
		if !ok {
			if tty {
				fmt.Fprintln(stdout) // the shell's prompt on a line of its own
			}
			if err := <-readErr; err != nil {
				return fmt.Errorf("console: reading standard input: %w", err)
			}
			return l.Close()
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var out string
		if !strings.HasPrefix(line, "/") {
			out = "Type a slash command, such as /logsend 5, /quota or /quota help."
		} else {
			cmd, text, _ := strings.Cut(line, " ")
			res := h.Handle(ctx, commands.Request{Command: cmd, Text: escapeMentions(strings.TrimSpace(text)),
				UserID: *user, ChannelID: "CONSOLE"})
			out = unescapeText(res.Reply.Text)
		}
		if _, err := fmt.Fprintln(stdout, out); err != nil {
			return err
		}
	}
}

// unescapeText undoes the escaping a reply's text carries for Slack, where
// "&lt;" keeps a typed "<!channel>" inert; a terminal shows what was typed.
func unescapeText(s string) string { return slackUnescaper.Replace(s) }

var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// readLines sends r's lines until it ends or ctx does; then the error
// channel gets the read error, if any.
func readLines(ctx context.Context, r io.Reader) (<-chan string, <-chan error) {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		in := bufio.NewScanner(r)
		in.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for in.Scan() {
			select {
			case lines <- in.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- in.Err()
	}()
	return lines, errc
}

// bareMention is "@U123ABC" typed in the console, where no Slack client
// turns a mention into <@U123ABC>; it is one when slackid.User says so.
var bareMention = regexp.MustCompile(`(^|\s)@([A-Z0-9]+)\b`)

func escapeMentions(s string) string {
	return bareMention.ReplaceAllStringFunc(s, func(m string) string {
		lead, id, _ := strings.Cut(m, "@")
		if !slackid.User(id) {
			return m
		}
		return lead + "<@" + id + ">"
	})
}

// export writes the entries as CSV, from the store or, while the bot runs,
// from the bot.
func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("export", "export [--data DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config FILE]", stderr)
	dir := fs.String("data", defaultData, "the data `directory`")
	fromS := fs.String("from", "", "the first `day` to export, in the configured time zone (default: the first entry)")
	toS := fs.String("to", "", "the last `day` to export, included whole, in the configured time zone (default: the last entry)")
	cfgPath := fs.String("config", "", "the YAML config `file`, for its time zone (default: UTC)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("export takes no arguments, only flags")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	from, to, err := control.ExportRange(*fromS, *toS, cfg.Timezone)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := mustExist(*dir); err != nil {
		return err
	}
	l, err := openForReading(*dir, cfg, stderr)
	if errors.Is(err, store.ErrLocked) {
		// The running bot answers, reading the dates in its own zone.
		return control.Export(ctx, *dir, *fromS, *toS, stdout)
	}
	if err != nil {
		return err
	}
	defer l.Close()
	w := bufio.NewWriter(stdout)
	if err := control.WriteCSV(w, l.Entries(ctx, from, to)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return l.Close()
}

// backup writes a consistent copy of the store to --out or stdout, from the
// store or, while the bot runs, from the bot.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flags("backup", "backup [--data DIR] [--out FILE] [--config FILE]", stderr)
	dir := fs.String("data", defaultData, "the data `directory`")
	out := fs.String("out", "", "where to write the backup (default: standard output)")
	cfgPath := fs.String("config", "", "the YAML config `file` serve uses")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("backup takes no arguments, only flags: give the file with --out")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := mustExist(*dir); err != nil {
		return err
	}
	w, commit, abort, err := output(*out, stdout)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			abort()
		}
	}()
	l, err := openForReading(*dir, cfg, stderr)
	switch {
	case errors.Is(err, store.ErrLocked):
		if err := control.Backup(ctx, *dir, w); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := l.Backup(ctx, w); err != nil {
			l.Close()
			return err
		}
		if err := l.Close(); err != nil {
			return err
		}
	}
	return commit()
}

// output opens where a backup goes. A file is written beside its final
// name and renamed into place once complete and synced, so that a failed
// backup never leaves a truncated file under the name of a good one.
func output(path string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(stdout)
		return bw, bw.Flush, func() {}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--out %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	commit = func() error {
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("--out %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("--out %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--out %s: %w", path, err)
		}
		if err := os.Rename(f.Name(), path); err != nil {
			return fmt.Errorf("--out %s: %w", path, err)
		}
		return nil
	}
	abort = func() {
		f.Close()
		os.Remove(f.Name())
	}
	return bw, commit, abort, nil
}

// restore loads a backup into a new or empty data directory; the bot must
// be stopped. store.Restore verifies the whole file before anything lands
// and builds the store beside the directory, so a refusal leaves it as it
// was.
func restore(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flags("restore", "restore [--data DIR] [--config FILE] [--unverified] FILE   (FILE - reads standard input)", stderr)
	dir := fs.String("data", defaultData, "the data `directory` to restore into: new or empty")
	cfgPath := fs.String("config", "", "the YAML config `file` serve uses")
	unverified := fs.Bool("unverified", false, "also load a backup from an older quotabot (a bare Badger stream), which has no checksum to prove it whole; its counters are still checked against its entries")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("restore takes one argument, the backup file (- for standard input)")
	}
	name := fs.Arg(0)
	// Flags may come after the file too: restore FILE --data DIR.
	if err := parse(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("restore takes one argument, the backup file (- for standard input)")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	// Checked first: whatever else is wrong, a directory in use is the
	// thing to sort out.
	inUse := fmt.Errorf("data directory %s is in use by a running quotabot: stop the bot first, then restore into a new or empty directory", *dir)
	if dirLocked(*dir) {
		return inUse
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("--data %s: %w", *dir, err)
	}
	opts := store.RestoreOptions{Unverified: *unverified}
	var got store.Restored
	if name == "-" {
		got, err = store.RestoreFrom(*dir, stdin, opts)
	} else {
		got, err = store.Restore(*dir, name, opts)
	}
	switch {
	case errors.Is(err, store.ErrLocked):
		return inUse
	case errors.Is(err, store.ErrBackupOld):
		return fmt.Errorf("%w; restore --unverified loads it anyway, still checking its counters against its entries", err)
	case err != nil:
		return err
	}
	// Opening the restored store checks it, and recounts its counters if
	// it was backed up under another time zone. By its absolute path:
	// restoring into the working directory replaced it.
	l, err := openLedger(abs, cfg, quietLog(stderr), "something opened it as it was restored; try again")
	if err != nil {
		return fmt.Errorf("restored into %s, but it does not open: %w", *dir, err)
	}
	if err := l.Close(); err != nil {
		return err
	}
	from := name
	if name == "-" {
		from = "standard input"
	}
	how := fmt.Sprintf("backup format %d, checksum verified", got.Version)
	if got.Version == 0 {
		how = "an older quotabot's backup, unverified"
	}
	_, err = fmt.Fprintf(stdout, "restored %d entries (%d keys) from %s into %s (%s)\n", got.Entries, got.Records, from, *dir, how)
	return err
}
