package bot_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/internal/testutil"
	"github.com/quotabot/quotabot/store"
)

// TestFullDisk fills the disk under a bot serving HTTP: /healthz answers
// 503 with the reason, /logsend says in words that nothing was logged,
// the metrics show it, and once there is room again the same bot logs.
func TestFullDisk(t *testing.T) {
	disk := testutil.NewDisk(t, 32<<20)
	e := newEnv(t, config{dir: filepath.Join(disk.Dir, "data"), ledger: store.Options{DiskFree: disk.DiskFree()}})
	if r := e.command("U1", "/logsend 2"); !strings.HasPrefix(r.Text, "Logged 2") {
		t.Fatalf("/logsend 2 on an empty disk: got %q", r.Text)
	}

	var status int
	var body []byte
	for range (32 << 20) / (256 << 10) {
		if status, body = do(t, mustGet(t, e.url+"/healthz")); status != http.StatusOK {
			break
		}
		if err := disk.Fill(256 << 10); err != nil {
			t.Fatalf("the disk filled up before /healthz said so: %v", err)
		}
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), `"reason":"the disk holding quotabot's data is full"`) {
		t.Fatalf("/healthz on a full disk: got %d %s, want 503 with the reason", status, body)
	}
	r := e.command("U1", "/logsend 3")
	if !strings.HasPrefix(r.Text, "Not logged: the disk holding quotabot's data is full.") || !strings.Contains(r.Text, "Nothing was recorded.") {
		t.Errorf("/logsend 3 on a full disk: got %q, want the full disk in words", r.Text)
	}
	if day, _ := e.used("U1"); day != 2 {
		t.Errorf("used today after the refusal: got %d, want 2", day)
	}
	metrics(t, e, "quotabot_disk_full 1")

	if err := disk.Empty(); err != nil {
		t.Fatal(err)
	}
	if status, body := do(t, mustGet(t, e.url+"/healthz")); status != http.StatusOK {
		t.Errorf("/healthz once there is room: got %d %s, want 200", status, body)
	}
	if r := e.command("U1", "/logsend 4"); !strings.HasPrefix(r.Text, "Logged 4") {
		t.Errorf("/logsend 4 once there is room: got %q", r.Text)
	}
	if day, _ := e.used("U1"); day != 6 {
		t.Errorf("used today once there is room: got %d, want 6", day)
	}
	metrics(t, e, "quotabot_disk_full 0")
}

// metrics fails the test unless /metrics has the line want.
func metrics(t *testing.T, e *env, want string) {
	t.Helper()
	_, body := do(t, mustGet(t, e.url+"/metrics"))
	if !bytes.Contains(body, []byte("\n"+want+"\n")) {
		t.Errorf("/metrics lacks %q:\n%s", want, grep(body, "quotabot_disk"))
	}
}
