package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/quotabot/quotabot/quota"
)

// The control socket: serve holds the data directory (Badger allows one
// process), so export and backup, run beside it, ask it instead. It is
// HTTP over a unix socket in the data directory, which quota creates
// private to its owner (0700): whoever can reach the socket could read the
// files anyway.
//
//	GET /export?from=YYYY-MM-DD&to=YYYY-MM-DD   CSV, as quotabot export writes it
//	GET /backup                                 a backup, as quotabot backup writes it
//	GET /check                                  what quotabot check finds, as JSON
//
// A failure after the body has begun is reported in the trailer
// Quotabot-Error, since the status has gone out by then.
const (
	socketName   = "quotabot.sock"
	errorTrailer = "Quotabot-Error"
)

// maxSocketPath keeps under the 108 bytes sun_path holds on Linux (104 on
// the BSDs), the terminating NUL included.
const maxSocketPath = 100

// controlPath is where serve listens for dir: in the directory itself, or,
// when that path is too long for a unix socket, in the temporary directory
// under a name derived from the directory's absolute path, which every
// process computes alike.
func controlPath(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	p := filepath.Join(abs, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "quotabot-"+hex.EncodeToString(sum[:8])+".sock")
}

// controlServer serves the control socket for a running bot.
type controlServer struct {
	srv  *http.Server
	path string
	done chan struct{}
}

// serveControl listens on dir's control socket. The caller holds the
// store's lock, so a socket file already there was left by a process that
// died, and is removed.
func serveControl(dir string, l *quota.Ledger, log *slog.Logger) (*controlServer, error) {
	path := controlPath(dir)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	// net.Listen honours the umask; the socket is for its owner only.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		from, to, err := exportRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"), l.Location())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if err := writeCSV(r.Context(), w, l, from, to); err != nil {
			log.Error("export over the control socket", "err", err)
			w.Header().Set(errorTrailer, oneLine(err.Error()))
		}
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "application/octet-stream")
		if err := l.Backup(r.Context(), w); err != nil {
			log.Error("backup over the control socket", "err", err)
			w.Header().Set(errorTrailer, oneLine(err.Error()))
		}
	})
	mux.HandleFunc("GET /check", func(w http.ResponseWriter, r *http.Request) {
		// A million entries take longer to check than askBot waits for
		// the head of an answer: the head goes out first, a failure in
		// the trailer, as for a backup.
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		rep, err := l.Check(r.Context())
		if err != nil {
			log.Error("check over the control socket", "err", err)
			w.Header().Set(errorTrailer, oneLine(err.Error()))
			return
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	c := &controlServer{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		path: path,
		done: make(chan struct{}),
	}
	go func() {
		defer close(c.done)
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("control socket stopped", "err", err)
		}
	}()
	log.Info("control socket listening", "path", path)
	return c, nil
}

// close stops the control socket, letting a running export or backup
// finish until ctx ends, and removes the socket file.
func (c *controlServer) close(ctx context.Context) {
	if err := c.srv.Shutdown(ctx); err != nil {
		_ = c.srv.Close()
	}
	<-c.done
	_ = os.Remove(c.path)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Bounds on asking the running bot, so a bot that hangs cannot hang the
// command: connecting is local and quick, the answer's head comes at once,
// and a whole backup of a store this size takes seconds.
const (
	dialTimeout   = 3 * time.Second
	headerTimeout = 30 * time.Second
	askTimeout    = 10 * time.Minute
)

// askBot fetches path from the bot running on dir and copies the body to
// w. It is how export and backup answer while serve holds the directory.
func askBot(ctx context.Context, dir, path string, w io.Writer) error {
	sock := controlPath(dir)
	client := &http.Client{
		Timeout: askTimeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				d := net.Dialer{Timeout: dialTimeout}
				return d.DialContext(ctx, "unix", sock)
			},
			ResponseHeaderTimeout: headerTimeout,
			DisableKeepAlives:     true,
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://quotabot"+path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("data directory %s is in use by another process, which does not answer on %s (%v): if it is a quotabot console or restore, wait for it to end; otherwise stop the process holding the directory", dir, sock, unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("the running quotabot refused: %s", strings.TrimSpace(string(msg)))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading from the running quotabot on %s: %w", sock, err)
	}
	if msg := resp.Trailer.Get(errorTrailer); msg != "" {
		return fmt.Errorf("the running quotabot failed part way: %s", msg)
	}
	return nil
}

func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// dateLayout is how --from and --to are written.
const dateLayout = "2006-01-02"

// exportRange turns --from and --to into [from, to): from the start of the
// --from day to the end of the --to day, both in loc, whatever their
// length on a daylight-saving day. Either may be empty: no bound.
func exportRange(fromS, toS string, loc *time.Location) (from, to time.Time, err error) {
	day := func(flag, s string) (quota.Period, error) {
		d, err := time.ParseInLocation(dateLayout, s, loc)
		if err != nil {
			return quota.Period{}, fmt.Errorf("--%s %q: want a date written YYYY-MM-DD, such as 2026-11-30", flag, s)
		}
		return quota.Day.Period(d, loc), nil
	}
	if fromS != "" {
		p, err := day("from", fromS)
		if err != nil {
			return from, to, err
		}
		from = p.Start
	}
	if toS != "" {
		p, err := day("to", toS)
		if err != nil {
			return from, to, err
		}
		to = p.End()
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("--to %s is before --from %s", toS, fromS)
	}
	return from, to, nil
}

// csvHeader is the export's header row (docs/ARCHITECTURE.md §3).
var csvHeader = []string{"logged_at", "user_id", "kind", "count", "note"}

// csvSafe keeps a spreadsheet from running a note as a formula: OWASP's
// rule for CSV injection is a leading apostrophe before a cell that starts
// with one of these.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV writes the entries that stand, logged in [from, to), as CSV.
func writeCSV(ctx context.Context, w io.Writer, l *quota.Ledger, from, to time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for e, err := range l.Entries(ctx, from, to) {
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		row := []string{e.At.UTC().Format(time.RFC3339), e.Member, string(e.Kind), strconv.Itoa(e.Count), csvSafe(e.Note)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
