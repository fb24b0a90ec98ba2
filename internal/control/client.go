package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quotabot/quotabot/store"
)

// Bounds on asking the running bot, so a bot that hangs cannot hang the
// command: connecting is local and quick, the answer's head comes at once,
// and a whole backup of a store this size takes seconds.
const (
	dialTimeout   = 3 * time.Second
	headerTimeout = 30 * time.Second
	askTimeout    = 10 * time.Minute
)

// Export writes the CSV of the entries logged from the day from to the
// day to, both written YYYY-MM-DD and either empty for no bound, as the
// bot running on dir reads them in its own time zone.
func Export(ctx context.Context, dir, from, to string, w io.Writer) error {
	q := url.Values{}
	q.Set("from", from)
	q.Set("to", to)
	return ask(ctx, dir, "/export?"+q.Encode(), w)
}

// Backup writes a backup of the store of the bot running on dir.
func Backup(ctx context.Context, dir string, w io.Writer) error {
	return ask(ctx, dir, "/backup", w)
}

// Check is what checking the store of the bot running on dir finds.
func Check(ctx context.Context, dir string) (store.CheckReport, error) {
	var body bytes.Buffer
	var r store.CheckReport
	if err := ask(ctx, dir, "/check", &body); err != nil {
		return r, err
	}
	if err := json.Unmarshal(body.Bytes(), &r); err != nil {
		return r, fmt.Errorf("the running quotabot's answer to check: %w", err)
	}
	return r, nil
}

// Ping says whether a bot answers on dir's control socket.
func Ping(ctx context.Context, dir string) error {
	return ask(ctx, dir, "/ping", io.Discard)
}

// ask fetches path from the bot running on dir and copies the body to w.
func ask(ctx context.Context, dir, path string, w io.Writer) error {
	sock := Path(dir)
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
