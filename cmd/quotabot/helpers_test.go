package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// result is what one run of the program gave.
type result struct {
	stdout, stderr string
	err            error
}

// runWith runs the program in-process with env as its environment and
// stdin as its input, and returns what it wrote. A run that has not
// returned after a minute fails the test rather than hanging it.
func runWith(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	getenv := func(k string) string { return env[k] }
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	}()
	select {
	case err := <-done:
		return result{stdout.String(), stderr.String(), err}
	case <-time.After(time.Minute):
		t.Fatalf("quotabot %s did not return", strings.Join(args, " "))
		return result{}
	}
}

// mustRun is runWith for a run that must succeed.
func mustRun(t testing.TB, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	r := runWith(t, env, stdin, args...)
	if r.err != nil {
		t.Fatalf("quotabot %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// syncBuffer is a buffer many goroutines write to, which a test can wait
// on for a line to appear.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until a line containing substr was written, and returns
// that line. It waits on writes, not by polling.
func (s *syncBuffer) waitFor(t testing.TB, substr string) string {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, line := range strings.Split(s.b.String(), "\n") {
			if strings.Contains(line, substr) {
				s.mu.Unlock()
				return line
			}
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("no line with %q was written; got:\n%s", substr, s.String())
		}
	}
}

var _ io.Writer = (*syncBuffer)(nil)

// shortDir is a fresh directory with a short path, so that a unix socket
// fits in it.
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "data")
}
