package control

import (
	"os"
	"strings"
	"testing"
)

// TestPath: the socket sits in the data directory when the path fits a
// unix socket, and in the temporary directory otherwise, at a path that
// depends only on the directory.
func TestPath(t *testing.T) {
	t.Parallel()
	if got := Path("/var/lib/quotabot"); got != "/var/lib/quotabot/quotabot.sock" {
		t.Errorf("got %q, want /var/lib/quotabot/quotabot.sock", got)
	}
	long := "/" + strings.Repeat("x", 120)
	got := Path(long)
	if len(got) > maxSocketPath || !strings.HasPrefix(got, os.TempDir()) || got != Path(long+"/") {
		t.Errorf("long path: got %q, want a short path in %s, the same for the same directory", got, os.TempDir())
	}
	if Path(long+"y") == got {
		t.Errorf("two directories share the control socket %s", got)
	}
}

// TestCSVSafe: the command grammar trims a note's leading blanks; a store
// written otherwise could still hold one.
func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for _, n := range []struct{ in, want string }{{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"", ""}, {" =x", " =x"}} {
		if got := csvSafe(n.in); got != n.want {
			t.Errorf("csvSafe(%q) = %q, want %q", n.in, got, n.want)
		}
	}
}
