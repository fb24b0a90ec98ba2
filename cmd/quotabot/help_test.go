package main

import (
	"strings"
	"testing"
)

// TestHelpListsEveryCommand: --help, -h and help print every command with
// a line of its own, and succeed.
func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}} {
		r := mustRun(t, nil, "", args...)
		for _, c := range subcommands() {
			if !strings.Contains(r.stdout, "\n  quotabot "+c.name+" ") {
				t.Errorf("quotabot %s: no usage line for %s in:\n%s", args[0], c.name, r.stdout)
			}
			if !strings.Contains(r.stdout, "\n  "+c.name+strings.Repeat(" ", 9-len(c.name))+c.does+"\n") {
				t.Errorf("quotabot %s: no line saying what %s does", args[0], c.name)
			}
		}
		if !strings.Contains(r.stdout, "SLACK_BOT_TOKEN") {
			t.Errorf("quotabot %s: the environment is not listed", args[0])
		}
	}
	if got := subcommands(); len(got) < 8 || !strings.Contains(usageText(), "quotabot check") {
		t.Errorf("the help lists %d commands, want check among them", len(got))
	}
}

// TestCommandHelp: quotabot CMD --help and quotabot help CMD show that
// command's flags, and are not errors.
func TestCommandHelp(t *testing.T) {
	t.Parallel()
	for _, c := range subcommands() {
		if c.name == "help" {
			continue
		}
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			r := runWith(t, nil, "", args...)
			if r.err != nil {
				t.Errorf("quotabot %s: %v, want no error", strings.Join(args, " "), r.err)
			}
			if !strings.Contains(r.stdout, "Usage: quotabot "+c.name) || !strings.Contains(r.stdout, "-data") {
				t.Errorf("quotabot %s printed %q, want its usage and flags on standard output", strings.Join(args, " "), r.stdout)
			}
		}
	}
	if r := runWith(t, nil, "", "help", "nope"); r.err == nil || !strings.Contains(r.err.Error(), `unknown command "nope"`) {
		t.Errorf("help nope: got %v, want the unknown command named", r.err)
	}
}
