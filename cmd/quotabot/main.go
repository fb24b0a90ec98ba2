// Command quotabot is the Slack bot that keeps a team inside LinkedIn's
// sending limits, and the tools that go with it:
//
//	quotabot [serve] [--http ADDR] [--data DIR] [--config FILE]
//	quotabot console [--data DIR] [--user U123] [--config FILE]
//	quotabot export  [--data DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config FILE]
//	quotabot backup  [--data DIR] [--out FILE] [--config FILE]
//	quotabot restore [--data DIR] [--config FILE] [--unverified] FILE
//	quotabot doctor  [--http ADDR] [--data DIR] [--config FILE]
//	quotabot check   [--data DIR] [--config FILE]
//	quotabot help    [COMMAND]
//
// quotabot --help lists them all, a line each; quotabot COMMAND --help
// shows a command's flags.
//
// serve runs the bot: Socket Mode when SLACK_APP_TOKEN is set, HTTP when
// --http is given, or both. SLACK_BOT_TOKEN (xoxb-) is always needed,
// SLACK_SIGNING_SECRET with --http; SLACK_API_URL replaces Slack's Web API
// base URL. SIGTERM and SIGINT stop it cleanly: the commands already taken
// are answered and the store is closed.
//
// doctor checks, against Slack's Web API, what serve needs (the tokens,
// the workspace, the granted scopes, the channel), then the config, the
// schedules and the data directory, a line each, with the fix for what
// fails; serve runs the same checks at start and logs what fails.
//
// console tries the bot without Slack: slash commands on standard input, one
// a line, their replies' text on standard output. At a terminal it first
// says what it is, who is typing and where its data is, and prompts; piped
// into, it prints only the replies.
//
// export writes the entries that stand as CSV (logged_at,user_id,kind,
// count,note; logged_at in RFC 3339, UTC). --from and --to are dates in the
// configured time zone, both included: --to 2026-11-30 takes in the whole of
// 30 November, local time.
//
// backup writes a consistent copy of the store, while the bot runs or not,
// in a format that proves itself: a header with a format version, the keys,
// and a trailer with the entry count and a SHA-256 of the whole. restore
// loads one into a new or empty data directory, with the bot stopped: it
// verifies the whole file first, builds the store beside the directory,
// checks its entry count and its counters, and only then moves it into
// place, so an empty, truncated, damaged or foreign file is refused with
// the reason and leaves the directory as it was. A backup from an older
// quotabot (a bare Badger stream, with nothing to verify) is refused
// unless --unverified is given.
//
// check verifies the store: every table's checksums, every entry against
// its index and member, every counter against a recount of the entries.
// It exits 0 with a one-line summary when all agree, 1 naming each
// difference when not. serve and the other commands refuse a store whose
// files they can tell are damaged, before anything is written.
//
// While serve runs, it holds the data directory; it also listens on a unix
// socket there (quotabot.sock), through which export and backup get their
// answer from the running bot. console and restore refuse a directory in
// use, naming it, rather than wait.
//
// main only calls run, which takes everything from outside as arguments,
// so that tests run the whole program in-process.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	// The zone database, built in: a host without tzdata installed still
	// knows the config's timezone and the zone a store's counters name.
	_ "time/tzdata"
)

func main() {
	setMemoryLimit(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quotabot:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// defaultMemoryLimit is Go's soft memory limit when GOMEMLIMIT is unset.
// Badger's compactions allocate and drop megabytes of table buffers at a
// time; with no limit the collector lets the heap grow to twice what is
// live, and a million-entry store took the process to 200 MiB.
// docs/ARCHITECTURE.md §5 allows 96 MiB in all, and the binary's text
// (about 14 MiB) and Badger's memory-mapped tables (about 35 MiB for a
// million entries) take their share of that outside the heap.
const defaultMemoryLimit = 48 << 20

// setMemoryLimit sets the default soft memory limit unless GOMEMLIMIT says
// otherwise (the runtime has then applied it already).
func setMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run is the whole program. args are the command-line arguments without
// the program's name.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelpFlag(args[0]) {
		// quotabot --help: every command, not just serve's flags.
		_, err := io.WriteString(stdout, usageText())
		return err
	}
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	if slices.ContainsFunc(rest, isHelpFlag) {
		// A command's flags, asked for, are its answer: on standard
		// output, where "quotabot check --help | less" finds them.
		stderr = stdout
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, getenv, stderr)
	case "console":
		err = console(ctx, rest, stdin, stdout, stderr)
	case "export":
		err = export(ctx, rest, stdout, stderr)
	case "backup":
		err = backup(ctx, rest, stdout, stderr)
	case "restore":
		err = restore(ctx, rest, stdin, stdout, stderr)
	case "check":
		err = check(ctx, rest, stdout, stderr)
	case "doctor":
		err = runDoctor(ctx, rest, getenv, stdout, stderr)
	case "help":
		err = help(ctx, rest, getenv, stdin, stdout, stderr)
	default:
		return usagef("unknown command %q: the commands are %s (see quotabot --help)", cmd, commandNames())
	}
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
