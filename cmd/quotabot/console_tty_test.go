//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal by hand (/dev/ptmx, unlocked, and its
// /dev/pts peer) and returns its two ends; the test's end closes them.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	rc, err := m.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	var ioctlErr syscall.Errno
	err = rc.Control(func(fd uintptr) {
		var unlock int32
		if _, _, ioctlErr = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); ioctlErr != 0 {
			return
		}
		_, _, ioctlErr = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n)))
	})
	if err != nil || ioctlErr != 0 {
		t.Fatalf("pty: %v %v", err, ioctlErr)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestConsoleAtATerminal: at a terminal the console says what it is, who is
// typing and where the data is, and prompts for each command.
func TestConsoleAtATerminal(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	if !isTerminal(slave) {
		t.Fatal("isTerminal(pty) = false, want true")
	}
	dir := filepath.Join(t.TempDir(), "data")
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"console", "--data", dir, "--user", "U123"},
			func(string) string { return "" }, slave, &stdout, &stderr)
	}()
	stdout.waitFor(t, "Typing as U123")
	stdout.waitFor(t, consolePrompt)
	if _, err := master.WriteString("/logsend 5\n"); err != nil {
		t.Fatal(err)
	}
	stdout.waitFor(t, "Logged 5 messages")
	if _, err := master.WriteString("\x04"); err != nil { // Ctrl-D: end of input
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("console: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"quotabot console: the bot's slash commands, without Slack.",
		"Data: " + dir + " (given with --data).",
		"Ctrl-D quits.",
		"\n> Logged 5 messages.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console printed %q, want %q in it", out, want)
		}
	}
	if n := strings.Count(out, consolePrompt); n != 2 {
		t.Errorf("%d prompts, want 2 (one per line read, one before Ctrl-D)", n)
	}
}

// TestConsoleThroughAPipe: a script piping commands in gets the replies
// and nothing else: no banner, no prompt.
func TestConsoleThroughAPipe(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if isTerminal(r) {
		t.Fatal("isTerminal(pipe) = true, want false")
	}
	if _, err := w.WriteString("/logsend 5\n/quota\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var stdout, stderr syncBuffer
	err = run(context.Background(), []string{"console", "--data", filepath.Join(t.TempDir(), "data")},
		func(string) string { return "" }, r, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "Logged 5 messages.") || strings.Contains(out, "quotabot console") || strings.Contains(out, consolePrompt) {
		t.Errorf("through a pipe the console printed %q, want only the replies", out)
	}
}
