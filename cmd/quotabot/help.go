package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// subcommand is one line of the help: a command, its synopsis and what it
// is for.
type subcommand struct{ name, synopsis, does string }

// subcommands lists every command quotabot has, in the order the help
// shows them. run's switch dispatches them; TestHelpListsEveryCommand keeps
// the two in step.
func subcommands() []subcommand {
	return []subcommand{
		{"serve", "[--http ADDR] [--data DIR] [--config FILE]", "run the bot (what a bare quotabot does)"},
		{"doctor", "[--http ADDR] [--data DIR] [--config FILE]", "check the Slack app, tokens, scopes, channel, config and data directory"},
		{"console", "[--data DIR] [--user U123] [--config FILE]", "try the slash commands without Slack, typed on standard input"},
		{"export", "[--data DIR] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--config FILE]", "write the entries as CSV on standard output"},
		{"backup", "[--data DIR] [--out FILE] [--config FILE]", "write a consistent copy of the store, while the bot runs or not"},
		{"restore", "[--data DIR] [--config FILE] [--unverified] FILE", "load a backup into a new or empty data directory, bot stopped"},
		{"check", "[--data DIR] [--config FILE]", "verify the store's checksums and recount every counter"},
		{"help", "[COMMAND]", "this help, or a command's flags"},
	}
}

// usageText is what quotabot --help and quotabot help print.
func usageText() string {
	var b strings.Builder
	b.WriteString("quotabot keeps a team inside LinkedIn's sending limits.\n\nUsage:\n")
	for _, c := range subcommands() {
		fmt.Fprintf(&b, "  quotabot %-8s %s\n", c.name, c.synopsis)
	}
	b.WriteString("\nCommands:\n")
	for _, c := range subcommands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.does)
	}
	b.WriteString(`
Environment (serve and doctor):
  SLACK_BOT_TOKEN       xoxb-… Bot User OAuth Token (required)
  SLACK_APP_TOKEN       xapp-… app-level token: serve over Socket Mode
  SLACK_SIGNING_SECRET  Signing Secret: required with --http
  SLACK_API_URL         Slack Web API base URL (default https://slack.com/api/)

Run "quotabot COMMAND --help" (or "quotabot help COMMAND") for a command's flags.
`)
	return b.String()
}

// commandNames is "serve, doctor, … and help", for the error about an
// unknown command.
func commandNames() string {
	var names []string
	for _, c := range subcommands() {
		names = append(names, c.name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// isHelpFlag reports whether arg asks for help in one of the ways people
// type it.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// help prints the usage, or with a command's name that command's flags.
func help(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		_, err := io.WriteString(stdout, usageText())
		return err
	case len(args) > 1 || args[0] == "help":
		return usagef("help takes at most one command name: quotabot help COMMAND")
	}
	return run(ctx, []string{args[0], "--help"}, getenv, stdin, stdout, stderr)
}
