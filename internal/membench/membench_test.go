package membench_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/benchref"
	"github.com/quotabot/quotabot/internal/slackfake"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

var (
	entries  = flag.Int("membench.entries", 1_000_000, "entries to seed the store with")
	members  = flag.Int("membench.members", 1000, "members the entries and the load spread over")
	clients  = flag.Int("membench.clients", 16, "clients of the first load phase")
	idleFor  = flag.Duration("membench.idle", 15*time.Second, "how long the reopened store sits idle")
	manyFor  = flag.Duration("membench.many", 60*time.Second, "how long -membench.clients clients log")
	oneFor   = flag.Duration("membench.one", 60*time.Second, "how long one client logs")
	seeded   = flag.String("membench.seeded", "", "`directory` of a seeded store to start from (copied), seeded and kept there if it holds none")
	profiles = flag.String("membench.profiles", "", "`directory` for the child's heap profiles (idle, many, one); none if empty")
	binary   = flag.String("membench.bin", "", "quotabot `binary` to run (built with -tags quotabench for profiles); built from this tree if empty")
)

const secret = "membench-signing-secret"

// BenchmarkMemory seeds a store, then runs quotabot serve --http on it and
// reports, per phase, the child's peak VmRSS, the rate, the p99 latency and
// the bytes on disk per entry. See the package comment.
func BenchmarkMemory(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	prepare(b, dir)
	bin := build(b)
	fake := slackfake.New(b)
	for i := range *members {
		// Known users: the bot checks a member's admin rights for the App
		// Home it refreshes after a /logsend.
		fake.SetUser(slack.User{ID: fmt.Sprintf("U%05d", i), Name: fmt.Sprintf("member%d", i)})
	}
	for b.Loop() {
		c := startChild(b, bin, dir, fake.APIURL())
		total := *entries
		var rows []row
		rows = append(rows, c.idle(b, *idleFor))
		for _, p := range []struct {
			name    string
			clients int
			d       time.Duration
		}{{fmt.Sprintf("%d clients", *clients), *clients, *manyFor}, {"1 client", 1, *oneFor}} {
			r := c.phase(b, p.name, p.clients, p.d)
			total += r.ops
			r.perEntry = diskUse(b, dir) / float64(total)
			rows = append(rows, r)
		}
		c.stop(b)
		printRows(rows)
		for _, r := range rows {
			name := strings.ReplaceAll(r.name, " ", "-")
			b.ReportMetric(r.peak/(1<<20), name+"-rss-MiB")
			if r.ops > 0 {
				b.ReportMetric(r.rate, name+"/s")
				b.ReportMetric(r.p99, name+"-p99-ms")
			}
		}
	}
}

// prepare puts a seeded store in dir: a copy of -membench.seeded's, or a
// new one (then saved there).
func prepare(b *testing.B, dir string) {
	b.Helper()
	if *seeded != "" {
		if _, err := os.Stat(filepath.Join(*seeded, "MANIFEST")); err == nil {
			if err := os.CopyFS(dir, os.DirFS(*seeded)); err != nil {
				b.Fatal(err)
			}
			fmt.Printf("copied the seeded store in %s\n", *seeded)
			return
		}
	}
	t0 := time.Now()
	seed(b, dir, *entries, *members)
	fmt.Printf("seeded %d entries over %d members in %s: %.0f bytes/entry on disk\n",
		*entries, *members, time.Since(t0).Round(time.Second), diskUse(b, dir)/float64(*entries))
	if *seeded != "" {
		if err := os.CopyFS(*seeded, os.DirFS(dir)); err != nil {
			b.Fatal(err)
		}
	}
}

// seed logs n entries over members through the ledger, in-process, spread
// over the past year by the ledger's clock.
func seed(b *testing.B, dir string, n, members int) {
	b.Helper()
	start := time.Now().Add(-365 * 24 * time.Hour)
	step := int64(365 * 24 * time.Hour / time.Duration(max(n, 1)))
	var tick atomic.Int64
	now := func() time.Time { return time.Unix(0, start.UnixNano()+tick.Add(step)) }
	l, err := store.Open(dir, store.Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	// The writer commits up to 128 requests at a time: enough callers keep
	// its batches full.
	const workers = 256
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for next.Add(1) <= int64(n) {
				req := store.LogRequest{Member: benchref.Member(r, members), Kind: quota.Message, Count: 1 + r.IntN(5)}
				if _, err := l.Log(context.Background(), req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	if b.Failed() {
		b.FailNow()
	}
}

// build compiles quotabot with the quotabench tag, which lets SIGUSR1 write
// a heap profile.
func build(b *testing.B) string {
	b.Helper()
	if *binary != "" {
		return *binary
	}
	bin := filepath.Join(b.TempDir(), "quotabot")
	out, err := exec.Command("go", "build", "-tags", "quotabench", "-o", bin, "github.com/quotabot/quotabot/cmd/quotabot").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// diskUse is the space the directory's files take on disk (allocated
// blocks, so a preallocated, sparse log counts for what it holds).
func diskUse(b *testing.B, dir string) float64 {
	b.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return float64(n)
}

// row is one phase's figures.
type row struct {
	name              string
	peak, anon, file  float64 // bytes
	ops               int
	rate, p99, maxLat float64 // per second, ms, ms
	perEntry          float64 // bytes on disk
	level0            string
	gc                float64 // share of the child's CPU
}

func printRows(rows []row) {
	fmt.Printf("| phase | peak RSS MiB (anon / file) | rate /s | p99 ms | max ms | disk B/entry | L0 tables | GC CPU |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Printf("| %s | %.1f (%.1f / %.1f) | %.0f | %.1f | %.1f | %.0f | %s | %.0f%% |\n", r.name,
			r.peak/(1<<20), r.anon/(1<<20), r.file/(1<<20), r.rate, r.p99, r.maxLat, r.perEntry, r.level0, 100*r.gc)
	}
}

// child is quotabot serve, running.
type child struct {
	cmd     *exec.Cmd
	url     string
	rss     *sampler
	profile int // heap profiles asked for so far
	client  *http.Client
	trigger atomic.Int64
	// deferred counts replies that missed the ack deadline.
	deferred atomic.Int64
}

var addrRE = regexp.MustCompile(`msg="serving HTTP" addr=(\S+)`)

func startChild(b *testing.B, bin, dir, apiURL string) *child {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--http", "127.0.0.1:0", "--data", dir)
	cmd.Env = append(childEnv(), "SLACK_BOT_TOKEN=xoxb-membench", "SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL="+apiURL)
	if *profiles != "" {
		if err := os.MkdirAll(*profiles, 0o755); err != nil {
			b.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "QUOTABENCH_HEAPPROFILE="+filepath.Join(*profiles, "heap"))
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			if m := addrRE.FindStringSubmatch(s.Text()); m != nil {
				addr <- m[1]
			} else if strings.Contains(s.Text(), "level=ERROR") || strings.Contains(s.Text(), "badger") ||
				strings.Contains(s.Text(), "rolling index") {
				fmt.Println("child:", s.Text())
			}
		}
	}()
	c := &child{cmd: cmd, rss: newSampler(cmd.Process.Pid),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	select {
	case a := <-addr:
		c.url = "http://" + a
	case <-time.After(2 * time.Minute):
		b.Fatal("quotabot serve did not start serving HTTP in 2 minutes")
	}
	return c
}

// childEnv is the benchmark's environment without Slack's settings, so
// that GOMEMLIMIT, GOGC and the like given to the benchmark reach the child.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "SLACK_") })
}

// idle lets the freshly opened store sit, and reports the RSS at the end.
func (c *child) idle(b *testing.B, d time.Duration) row {
	b.Helper()
	c.rss.reset()
	from := c.scrape(b)
	time.Sleep(d)
	// Read before the profile, which the child allocates to write.
	cur := c.rss.current()
	peak, _, _ := c.rss.peaks()
	c.heapProfile(b)
	r := row{name: "idle after reopen", peak: cur.rss, anon: cur.anon, file: cur.file}
	to := c.scrape(b)
	r.level0, r.gc = to.level0, gcShare(from, to)
	fmt.Printf("idle: %.1f MiB at the end (%s), %.1f MiB at most\n",
		cur.rss/(1<<20), readSmaps(c.cmd.Process.Pid), peak/(1<<20))
	return r
}

// phase logs from n clients for d and reports the figures.
func (c *child) phase(b *testing.B, name string, n int, d time.Duration) row {
	b.Helper()
	c.rss.reset()
	from := c.scrape(b)
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := range n {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := c.logsend(benchref.Member(r, *members)); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	// The profile is taken under load, near the end.
	time.Sleep(d * 9 / 10)
	c.heapProfile(b)
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		b.Fatalf("%s: %v", name, err)
	}
	all := slices.Sorted(slices.Values(slices.Concat(lat...)))
	if len(all) == 0 {
		b.Fatalf("%s: no request answered", name)
	}
	peak, anon, file := c.rss.peaks()
	fmt.Printf("%s: at the peak, %s\n", name, c.rss.at())
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	r := row{name: name, peak: peak, anon: anon, file: file, ops: len(all),
		rate: float64(len(all)) / d.Seconds(), p99: ms(all[len(all)*99/100]), maxLat: ms(all[len(all)-1])}
	to := c.scrape(b)
	r.level0, r.gc = to.level0, gcShare(from, to)
	if n := c.deferred.Swap(0); n > 0 {
		fmt.Printf("%s: %d replies missed the 2.5 s ack deadline\n", name, n)
	}
	return r
}

// logsend posts one signed /logsend 1, as Slack would.
func (c *child) logsend(user string) error {
	form := url.Values{
		"team_id": {slackfake.TeamID}, "api_app_id": {slackfake.AppID}, "channel_id": {"C0FAKE"},
		"user_id": {user}, "command": {"/logsend"}, "text": {"1"},
		"trigger_id": {"membench." + strconv.FormatInt(c.trigger.Add(1), 10)},
	}
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, c.url+"/slack/commands", bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := time.Now()
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", now.Unix(), body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("/logsend: got %d %s", resp.StatusCode, reply)
	case bytes.Contains(reply, []byte("Working on it")):
		// Past the bot's ack deadline: answered through response_url,
		// and counted as a stall.
		c.deferred.Add(1)
	case !bytes.Contains(reply, []byte("Logged")):
		return fmt.Errorf("/logsend: got %s", reply)
	}
	return nil
}

// heapProfile asks the child for a heap profile, if they are kept.
func (c *child) heapProfile(b *testing.B) {
	b.Helper()
	if *profiles == "" {
		return
	}
	c.profile++
	if err := c.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		b.Fatal(err)
	}
}

var (
	level0RE = regexp.MustCompile(`(?m)^quotabot_badger_level_tables\{level="0"\} (\S+)$`)
	gcCPURE  = regexp.MustCompile(`(?m)^go_cpu_classes_gc_total_cpu_seconds_total (\S+)$`)
	cpuRE    = regexp.MustCompile(`(?m)^process_cpu_seconds_total (\S+)$`)
)

// scraped is what the benchmark reads from the child's /metrics.
type scraped struct {
	level0     string  // tables in Badger's level 0, "-" if not reported
	gcCPU, cpu float64 // seconds: the collector's estimate, the process's
}

func (c *child) scrape(b *testing.B) scraped {
	b.Helper()
	resp, err := c.client.Get(c.url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	s := scraped{level0: "-"}
	if m := level0RE.FindSubmatch(text); m != nil {
		s.level0 = string(m[1])
	}
	num := func(re *regexp.Regexp) float64 {
		if m := re.FindSubmatch(text); m != nil {
			f, _ := strconv.ParseFloat(string(m[1]), 64)
			return f
		}
		return 0
	}
	s.gcCPU, s.cpu = num(gcCPURE), num(cpuRE)
	return s
}

// gcShare is the part of the process's CPU the collector took between
// two scrapes (its idle-time marking included): a soft memory limit set
// too tight shows here first.
func gcShare(from, to scraped) float64 {
	if to.cpu <= from.cpu {
		return 0
	}
	return (to.gcCPU - from.gcCPU) / (to.cpu - from.cpu)
}

// stop ends the child with SIGTERM, as a service manager would.
func (c *child) stop(b *testing.B) {
	b.Helper()
	c.rss.close()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		b.Fatalf("quotabot serve: %v", err)
	}
}
