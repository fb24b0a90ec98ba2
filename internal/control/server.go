// Package control is the control socket of a running quotabot, both ends.
// serve holds the data directory (Badger allows one process), so export,
// backup, check and doctor, run beside it, ask it instead. It is HTTP over
// a unix socket in the data directory, which the store creates private to
// its owner (0700): whoever can reach the socket could read the files
// anyway.
//
//	GET /export?from=YYYY-MM-DD&to=YYYY-MM-DD   CSV, as quotabot export writes it
//	GET /backup                                 a backup, as quotabot backup writes it
//	GET /check                                  what quotabot check finds, as JSON
//	GET /ping                                   "ok"
//
// A failure after the body has begun is reported in the trailer
// Quotabot-Error, since the status has gone out by then.
//
// [Serve] and [Server.Close] are the bot's end; [Export], [Backup],
// [Check] and [Ping] the other commands'. [WriteCSV] and [ExportRange]
// are the export itself, which quotabot export also runs on a store it
// opens.
package control

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

const (
	// SocketName is the socket's name in the data directory.
	SocketName   = "quotabot.sock"
	errorTrailer = "Quotabot-Error"
)

// maxSocketPath keeps under the 108 bytes sun_path holds on Linux (104 on
// the BSDs), the terminating NUL included.
const maxSocketPath = 100

// Path is where the bot listens for dir: in the directory itself, or,
// when that path is too long for a unix socket, in the temporary directory
// under a name derived from the directory's absolute path, which every
// process computes alike.
func Path(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	p := filepath.Join(abs, SocketName)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "quotabot-"+hex.EncodeToString(sum[:8])+".sock")
}

// Store is what the socket reads: the open store.
type Store interface {
	Location() *time.Location
	Entries(ctx context.Context, from, to time.Time) iter.Seq2[quota.Entry, error]
	Backup(ctx context.Context, w io.Writer) error
	Check(ctx context.Context) (store.CheckReport, error)
}

// Server serves the control socket for a running bot.
type Server struct {
	srv  *http.Server
	path string
	done chan struct{}
}

// Serve listens on dir's control socket. The caller holds the store's
// lock, so a socket file already there was left by a process that died,
// and is removed.
func Serve(dir string, s Store, log *slog.Logger) (*Server, error) {
	path := Path(dir)
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
	c := &Server{
		srv:  &http.Server{Handler: handler(s, log), ReadHeaderTimeout: 5 * time.Second},
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

// handler answers the socket's requests from s.
func handler(s Store, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		from, to, err := ExportRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.Location())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if err := WriteCSV(w, s.Entries(r.Context(), from, to)); err != nil {
			log.Error("export over the control socket", "err", err)
			w.Header().Set(errorTrailer, oneLine(err.Error()))
		}
	})
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "application/octet-stream")
		if err := s.Backup(r.Context(), w); err != nil {
			log.Error("backup over the control socket", "err", err)
			w.Header().Set(errorTrailer, oneLine(err.Error()))
		}
	})
	mux.HandleFunc("GET /check", func(w http.ResponseWriter, r *http.Request) {
		// A million entries take longer to check than a client waits for
		// the head of an answer (headerTimeout): the head goes out
		// first, a failure in the trailer, as for a backup.
		w.Header().Set("Trailer", errorTrailer)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		rep, err := s.Check(r.Context())
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
	return mux
}

// Close stops the control socket, letting a running export or backup
// finish until ctx ends, and removes the socket file.
func (c *Server) Close(ctx context.Context) {
	if err := c.srv.Shutdown(ctx); err != nil {
		_ = c.srv.Close()
	}
	<-c.done
	_ = os.Remove(c.path)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
