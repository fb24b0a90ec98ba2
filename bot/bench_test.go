package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/internal/benchref"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// BenchmarkHTTP measures the HTTP transport at 64 concurrent clients, in one
// run, against references measured in the same run (docs/ARCHITECTURE.md §5):
//
//   - bare: a handler that only checks the signature and answers fixed
//     JSON, over the same kind of connection; /quota should reach half its
//     rate.
//   - badger: plain Badger read-modify-write transactions with SyncWrites
//     on, retried on conflict, at the same concurrency; /logsend (durable,
//     fsynced before the reply) should reach its rate, with a p99 under
//     50 ms, and one hot member should keep half the many-member rate.
//
// The rates are taken in rounds that alternate the paths and the
// references, so that a machine busy with something else for a while
// weighs on all of them alike. Each rate is its total operations over its
// total time; each p99 is over all its latencies.
//
// Resident memory (VmRSS) is read idle, after setting up, and at its peak
// under a first pass of /logsend and /quota load, before the Badger
// reference has run: its default options take far more memory than the
// bot's. docs/ARCHITECTURE.md allows 32 and 96 MiB. The process holds the 64 clients
// too, so the figures are an upper bound for the bot alone.
//
//	go test ./bot -run '^$' -bench HTTP -benchtime 1x
func BenchmarkHTTP(b *testing.B) {
	const (
		clients = 64
		members = 1000
		ops     = 16000 // per path, in all rounds together
	)
	l, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	botURL, bareURL := serveBot(b, l)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
	paths := []benchPath{
		{"bare", func(r *rand.Rand) error { return post(client, bareURL, "/quota", "", benchref.Member(r, members)) }},
		{"logsend", func(r *rand.Rand) error { return post(client, botURL, "/logsend", "1", benchref.Member(r, members)) }},
		{"logsend-hot", func(r *rand.Rand) error { return post(client, botURL, "/logsend", "1", "UHOT") }},
		{"quota", func(r *rand.Rand) error { return post(client, botURL, "/quota", "", benchref.Member(r, members)) }},
		{"badger-rmw", nil}, // opened below, after the memory pass
	}

	runtime.GC()
	debug.FreeOSMemory()
	idle := rss(b)
	peak := &peakRSS{}

	for b.Loop() {
		stop := peak.sample()
		load(b, ops, clients, paths[1].op)
		load(b, ops, clients, paths[3].op)
		stop()

		paths[4].op = badgerRMW(b, members)
		got := rounds(b, paths, ops, clients)
		b.ReportMetric(got["quota"].Rate()/got["bare"].Rate(), "quota/bare")
		b.ReportMetric(got["logsend"].Rate()/got["badger-rmw"].Rate(), "logsend/badger")
		b.ReportMetric(got["logsend-hot"].Rate()/got["logsend"].Rate(), "hot/many")
	}
	b.ReportMetric(float64(idle)/(1<<20), "rss-idle-MiB")
	b.ReportMetric(float64(peak.max.Load())/(1<<20), "rss-load-MiB")
}

// benchPath is one kind of request a benchmark measures.
type benchPath struct {
	name string
	op   func(r *rand.Rand) error
}

// rounds runs ops operations of each path from `clients` goroutines, in
// eight rounds that alternate the paths, so that a machine busy with
// something else for a while weighs on all of them alike, and reports
// each path's rate and p99.
func rounds(b *testing.B, paths []benchPath, ops, clients int) map[string]*benchref.Result {
	const n = 8
	got := map[string]*benchref.Result{}
	for range n {
		for _, p := range paths {
			if got[p.name] == nil {
				got[p.name] = &benchref.Result{}
			}
			got[p.name].Add(load(b, ops/n, clients, p.op))
		}
	}
	for _, p := range paths {
		b.ReportMetric(got[p.name].Rate(), p.name+"/s")
		b.ReportMetric(got[p.name].P99(), p.name+"-p99-ms")
	}
	return got
}

// serveBot serves the bot on l and the bare handler beside it until the
// benchmark ends, and returns their URLs.
func serveBot(b *testing.B, l *store.Ledger) (botURL, bareURL string) {
	bt, err := bot.New(bot.Options{Handler: commands.New(l, commands.Options{}), Ledger: l, SigningSecret: secret, Team: bot.Identity{TeamID: slackfake.TeamID}})
	if err != nil {
		b.Fatal(err)
	}
	return serveBench(b, bt.Handler()), serveBench(b, bareHandler())
}

// serveBench serves h on a free port of 127.0.0.1 until the benchmark ends.
func serveBench(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// bareHandler checks the signature as the bot does, and answers fixed
// JSON: the cost of HTTP and the check alone.
func bareHandler() http.Handler {
	answer := []byte(`{"response_type":"ephemeral","text":"ok"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bot.MaxBody))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})
}

var benchTrigger atomic.Int64

// post sends one signed slash command, as Slack does, and checks that it
// was answered.
func post(c *http.Client, base, command, text, user string) error {
	body := []byte(slashForm(command, text, user, "bench."+strconv.FormatInt(benchTrigger.Add(1), 10), "").Encode())
	req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := time.Now()
	req.Header.Set("Content-Type", formType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Slack-Signature", sign(secret, now, body))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(reply, []byte("Working on it")) {
		return fmt.Errorf("%s: got %d %s", command, resp.StatusCode, reply)
	}
	return nil
}

// load runs ops operations from `clients` goroutines.
func load(b *testing.B, ops, clients int, op func(r *rand.Rand) error) benchref.Result {
	b.Helper()
	r, err := benchref.Load(ops, clients, op)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// badgerRMW is the write reference (see internal/benchref), keyed by member
// as the quota package's own benchmark does.
func badgerRMW(b *testing.B, members int) func(*rand.Rand) error {
	incr := benchref.BadgerRMW(b, nil)
	return func(r *rand.Rand) error { return incr([]byte(benchref.Member(r, members))) }
}

// rss reads the process's resident set size from /proc/self/status.
func rss(b *testing.B) int64 {
	v, err := readRSS()
	if err != nil {
		b.Skipf("cannot read resident memory: %v", err)
	}
	return v
}

func readRSS() (int64, error) { return readStatus("VmRSS:") }

// peakRSS samples VmRSS while a load runs and keeps the largest.
type peakRSS struct{ max atomic.Int64 }

func (p *peakRSS) sample() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := readRSS(); err == nil && v > p.max.Load() {
				p.max.Store(v)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// BenchmarkHTTPMonth is BenchmarkHTTP on a store that already holds a
// month: each of 200 members logged messages three times a day and
// invitations twice a day for the last 30 days, so every /quota reads a
// week of invitations from the rolling index besides its counters, and
// every /logsend of invitations checks the rolling week as it logs.
// DESIGN.md §5's ratios hold here too: /logsend at least the Badger
// reference, /quota at least half the bare handler.
//
//	go test ./bot -run '^$' -bench HTTPMonth -benchtime 1x
func BenchmarkHTTPMonth(b *testing.B) {
	const (
		clients = 64
		members = 200
		ops     = 8000
	)
	var clock atomic.Int64 // unix nanos; 0: the real time
	l, err := store.Open(b.TempDir(), store.Options{Now: func() time.Time {
		if n := clock.Load(); n != 0 {
			return time.Unix(0, n)
		}
		return time.Now()
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	entries := fillMonth(b, l, &clock, members)
	botURL, bareURL := serveBot(b, l)
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
	paths := []benchPath{
		{"bare", func(r *rand.Rand) error { return post(client, bareURL, "/quota", "", benchref.Member(r, members)) }},
		{"logsend-invite", func(r *rand.Rand) error {
			return post(client, botURL, "/logsend", "1 invite", benchref.Member(r, members))
		}},
		{"quota", func(r *rand.Rand) error { return post(client, botURL, "/quota", "", benchref.Member(r, members)) }},
		{"badger-rmw", badgerRMW(b, members)},
	}
	for b.Loop() {
		got := rounds(b, paths, ops, clients)
		b.ReportMetric(got["quota"].Rate()/got["bare"].Rate(), "quota/bare")
		b.ReportMetric(got["logsend-invite"].Rate()/got["badger-rmw"].Rate(), "logsend/badger")
	}
	b.ReportMetric(float64(entries), "entries-before")
}

// fillMonth logs a month for members into l, the clock stepping a day at
// a time up to now, then hands the clock back to the real time. It
// returns how many entries it logged.
func fillMonth(b *testing.B, l *store.Ledger, clock *atomic.Int64, members int) int {
	b.Helper()
	start := time.Now().AddDate(0, 0, -30)
	var n atomic.Int64
	for day := range 30 {
		clock.Store(start.AddDate(0, 0, day).UnixNano())
		var wg sync.WaitGroup
		for w := range 64 {
			wg.Go(func() {
				for m := w; m < members; m += 64 {
					for i, k := range []quota.Kind{quota.Message, quota.Invite, quota.Message, quota.Invite, quota.Message} {
						req := store.LogRequest{Member: fmt.Sprintf("U%05d", m), Kind: k, Count: 2 + i}
						if _, err := l.Log(context.Background(), req); err != nil {
							b.Error(err)
							return
						}
						n.Add(1)
					}
				}
			})
		}
		wg.Wait()
	}
	clock.Store(0)
	return int(n.Load())
}
