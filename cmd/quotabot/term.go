package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// isTerminal reports whether r is a terminal: the console greets and
// prompts a person, and stays quiet for a script or a test that pipes
// commands into it.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && fdIsTerminal(f.Fd())
}

// consolePrompt is what the console shows while it waits for a line.
const consolePrompt = "> "

// greet is the console's banner: what it is, who is typing, where the data
// is, and how to leave.
func greet(w io.Writer, user, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	where := "given with --data"
	if dir == defaultData {
		where = "the directory quotabot serve uses by default, so what you log here counts for the bot"
	}
	_, err = fmt.Fprintf(w, "quotabot console: the bot's slash commands, without Slack.\n"+
		"Typing as %s (--user sets who).\n"+
		"Data: %s (%s).\n"+
		"Try /logsend 5, /quota or /quota help. Ctrl-D quits.\n", user, abs, where)
	return err
}
