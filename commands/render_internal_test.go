package commands

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/internal/blockkit"
	"github.com/quotabot/quotabot/quota"
)

func TestFmtInt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {5, "5"}, {999, "999"}, {1000, "1,000"}, {1495, "1,495"}, {1234567, "1,234,567"}, {-1500, "-1,500"},
	} {
		if got := quota.FormatCount(tc.n); got != tc.want {
			t.Errorf("quota.FormatCount(%d): got %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestJSONLen(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "<@U123ABC> & co", `"quoted" \ back`, "tab\there\nnl", "émoji 🚨 ▓░", "\u2028"} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonLen(s); got != len(b) {
			t.Errorf("jsonLen(%q): got %d, want %d", s, got, len(b))
		}
	}
}

func TestClipText(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10)
	if got := blockkit.Clip(s, 10); got != s {
		t.Errorf("got %q, want it unchanged", got)
	}
	if got := blockkit.Clip(s, 5); got != "éééé…" {
		t.Errorf("got %q, want éééé…", got)
	}
}
