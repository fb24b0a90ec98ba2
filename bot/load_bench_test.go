package bot_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/benchref"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/store"
)

// BenchmarkHTTPClients1000 puts 1,000 concurrent HTTP clients on the real
// handler, over a real ledger (Badger on disk, synced writes), each
// sending signed /logsend and /quota in turn, as docs/ARCHITECTURE.md §5 asks: every
// request answered, nothing lost, memory within 96 MiB, with the commands
// in flight bounded.
//
// Every /logsend carries a note of its own, so that what was acknowledged
// can be told entry by entry: a "Logged" reply in the response body, or,
// for a command answered "working on it", a "Logged" post to its own
// response_url (a sink in the same process). A busy reply acknowledges
// nothing. Once the load and the bot's background jobs are done, the
// ledger's exported entries must be exactly the acknowledged ones: none
// lost, none invented.
//
// Resident memory is sampled (VmRSS, every 10 ms) while the load runs, and
// the kernel's own high-water mark (VmHWM) is read at the end; the process
// holds the 1,000 clients and their connections too, so both are an upper
// bound for the bot alone. For scale, the same load is first sent to a
// bare handler (the signature check and fixed JSON, as BenchmarkHTTP's
// reference): its peak is what 1,000 clients and their connections cost
// this process before the bot does anything. Run it on its own: VmHWM is
// the process's, and another benchmark's Badger reference, on default
// options, would set it.
//
//	go test ./bot -run '^$' -bench Clients1000 -benchtime 1x
func BenchmarkHTTPClients1000(b *testing.B) {
	const (
		clients = 1000
		members = 1000
		ops     = 20_000 // half /logsend, half /quota
	)
	l, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	h := commands.New(l, commands.Options{})
	bt, err := bot.New(bot.Options{Handler: h, Ledger: l, SigningSecret: secret, Team: bot.Identity{TeamID: slackfake.TeamID}})
	if err != nil {
		b.Fatal(err)
	}
	botURL := serveBench(b, bt.Handler())
	bareURL := serveBench(b, bareHandler())
	sink := &responseSink{posts: map[string][]byte{}}
	sinkURL := serveBench(b, sink)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}

	runtime.GC()
	debug.FreeOSMemory()
	idle := rss(b)
	peak, barePeak := &peakRSS{}, &peakRSS{}
	var t tally
	var result benchref.Result

	for b.Loop() {
		bare := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
		stop := barePeak.sample()
		load(b, ops, clients, func(r *rand.Rand) error { return post(bare, bareURL, "/quota", "", benchref.Member(r, members)) })
		stop()
		bare.CloseIdleConnections()

		var seq atomic.Int64
		stop = peak.sample()
		result = load(b, ops, clients, func(r *rand.Rand) error {
			n := seq.Add(1)
			member := benchref.Member(r, members)
			if n%2 == 0 {
				return t.quota(client, botURL, sinkURL, member, n)
			}
			return t.logsend(client, botURL, sinkURL, member, n)
		})
		stop()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := bt.Drain(ctx)
		cancel()
		if err != nil {
			b.Fatalf("Drain: %v", err)
		}
	}

	acked, err := t.acknowledged(sink)
	if err != nil {
		b.Fatal(err)
	}
	stored := exported(b, l)
	lost, invented := 0, 0
	for note := range acked {
		if !stored[note] {
			lost++
		}
	}
	for note := range stored {
		if !acked[note] {
			invented++
		}
	}
	if lost+invented > 0 || int(t.answered.Load()) != ops {
		b.Errorf("got %d answered of %d, %d acknowledged, %d exported: %d lost, %d invented; want all answered, none lost or invented",
			t.answered.Load(), ops, len(acked), len(stored), lost, invented)
	}
	b.ReportMetric(float64(t.answered.Load()), "answered")
	b.ReportMetric(float64(len(acked)), "acked")
	b.ReportMetric(float64(t.busy.Load()), "busy")
	b.ReportMetric(float64(t.deferred.Load()), "deferred")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(result.Rate(), "req/s")
	b.ReportMetric(result.P99(), "p99-ms")
	b.ReportMetric(float64(idle)/(1<<20), "rss-idle-MiB")
	b.ReportMetric(float64(peak.max.Load())/(1<<20), "rss-peak-MiB")
	b.ReportMetric(float64(barePeak.max.Load())/(1<<20), "rss-bare-peak-MiB")
	if hwm, err := readStatus("VmHWM:"); err == nil {
		b.ReportMetric(float64(hwm)/(1<<20), "hwm-MiB")
	}
}

// tally counts how the bot answered: in the response body, "working on
// it" (the reply follows through response_url), or busy; and which notes
// were logged in the body.
type tally struct {
	answered, busy, deferred atomic.Int64

	mu     sync.Mutex
	logged map[string]bool // notes acknowledged in the response body
	later  []string        // requests (notes, for /logsend) answered through response_url
}

func (t *tally) logsend(c *http.Client, base, sinkURL, member string, n int64) error {
	note := "n" + strconv.FormatInt(n, 10)
	text, err := send(c, base, "/logsend", "1 message "+note, member, sinkURL+"/r/"+note)
	if err != nil {
		return err
	}
	t.answered.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case strings.HasPrefix(text, "Logged 1 message."):
		if t.logged == nil {
			t.logged = map[string]bool{}
		}
		t.logged[note] = true
	case strings.Contains(text, "Working on it"):
		t.deferred.Add(1)
		t.later = append(t.later, note)
	case strings.Contains(text, "I'm busy"):
		t.busy.Add(1)
	default:
		return fmt.Errorf("/logsend: got %q, want logged, working or busy", text)
	}
	return nil
}

func (t *tally) quota(c *http.Client, base, sinkURL, member string, n int64) error {
	id := "q" + strconv.FormatInt(n, 10)
	text, err := send(c, base, "/quota", "", member, sinkURL+"/r/"+id)
	if err != nil {
		return err
	}
	t.answered.Add(1)
	switch {
	case strings.HasPrefix(text, "Your quota"):
	case strings.Contains(text, "Working on it"):
		t.deferred.Add(1)
		t.mu.Lock()
		t.later = append(t.later, id)
		t.mu.Unlock()
	case strings.Contains(text, "I'm busy"):
		t.busy.Add(1)
	default:
		return fmt.Errorf("/quota: got %q, want the quota, working or busy", text)
	}
	return nil
}

// acknowledged is every note the bot said was logged, in a body or in a
// post to response_url. A deferred reply that never came is an error.
func (t *tally) acknowledged(sink *responseSink) (map[string]bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	acked := map[string]bool{}
	for note := range t.logged {
		acked[note] = true
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, id := range t.later {
		post, ok := sink.posts[id]
		if !ok {
			return nil, fmt.Errorf("request %s: answered working on it, and nothing was posted", id)
		}
		var m struct{ Text string }
		if err := json.Unmarshal(post, &m); err != nil {
			return nil, fmt.Errorf("request %s: posted %q: %w", id, post, err)
		}
		if strings.HasPrefix(m.Text, "Logged 1 message.") {
			acked[id] = true
		}
	}
	return acked, nil
}

// send posts one signed slash command and returns its reply's text; a
// status other than 200 is an error.
func send(c *http.Client, base, command, text, user, responseURL string) (string, error) {
	body := []byte(slashForm(command, text, user, "load."+strconv.FormatInt(benchTrigger.Add(1), 10), responseURL).Encode())
	req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	now := time.Now()
	req.Header.Set("Content-Type", formType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Slack-Signature", sign(secret, now, body))
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: got %d %s, want 200", command, resp.StatusCode, reply)
	}
	var m struct{ Text string }
	if err := json.Unmarshal(reply, &m); err != nil {
		return "", fmt.Errorf("%s: got %q: %w", command, reply, err)
	}
	return m.Text, nil
}

// responseSink stands in for Slack's response_url: it keeps each post by
// the last part of its path.
type responseSink struct {
	mu    sync.Mutex
	posts map[string][]byte
}

func (s *responseSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.posts[r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]] = body
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// exported is the notes of the entries that stand, read as `quotabot
// export` reads them.
func exported(b *testing.B, l *store.Ledger) map[string]bool {
	b.Helper()
	notes := map[string]bool{}
	for e, err := range l.Entries(context.Background(), time.Unix(0, 0), time.Time{}) {
		if err != nil {
			b.Fatalf("export: %v", err)
		}
		if notes[e.Note] {
			b.Errorf("note %s exported twice", e.Note)
		}
		notes[e.Note] = true
	}
	return notes
}

// readStatus reads one field of /proc/self/status in bytes, such as
// "VmHWM:".
func readStatus(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %q: %w", field, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
