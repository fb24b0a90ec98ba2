package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/doctor"
	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/store"
)

// doctorTimeout bounds the whole of doctor's talk with Slack, so that a
// network that hangs gives a failed check, not a hung command.
const doctorTimeout = 30 * time.Second

// runDoctor checks an install: the settings, Slack (tokens, scopes, channel),
// the config and its schedules, the data directory. It takes serve's flags
// and environment, prints a line per check, and fails when any check does.
func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flags("doctor", "doctor [--http ADDR] [--data DIR] [--config FILE]   (serve's flags and environment)", stderr)
	httpAddr := fs.String("http", "", "the `ADDR` serve will be given, if any: then SLACK_SIGNING_SECRET is needed")
	dir := fs.String("data", defaultData, "the data `directory` serve will use")
	cfgPath := fs.String("config", "", "the YAML config `file` serve will use (default: built-in settings)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("doctor takes no arguments, only serve's flags (see quotabot doctor --help)")
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()

	cfg, cfgErr := loadConfig(*cfgPath)
	var checks []doctor.Check
	set, err := readSettings(getenv, *httpAddr)
	if err != nil {
		checks = append(checks, doctor.Check{Name: "settings", Status: doctor.Fail, Detail: err.Error(),
			Fix: "set the environment as the message says, then run quotabot doctor again"})
	} else {
		checks = append(checks, doctor.Slack(ctx, slackClient(set), doctor.SlackOptions{
			SocketMode: set.appToken != "", Channel: cfg.Channel, NotifyNearLimit: cfg.NotifyNearLimit, SkipChannel: cfgErr != nil,
		})...)
	}
	checks = append(checks, doctor.Config(cfg, *cfgPath, cfgErr, time.Now())...)
	checks = append(checks, dataCheck(ctx, *dir))
	failed, err := doctor.Report(stdout, checks)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed; fix them as the lines above say", failed, len(checks))
	}
	return nil
}

// slackClient is slack-go's client as serve makes it.
func slackClient(set settings) *slack.Client {
	opts := []slack.Option{slack.OptionAPIURL(set.apiURL), slack.OptionHTTPClient(&http.Client{Timeout: apiTimeout})}
	if set.appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(set.appToken))
	}
	return slack.New(set.botToken, opts...)
}

// dataCheck checks that serve can have dir: writable, and not held by
// another process, unless that process is the running bot, which answers
// on its control socket. It creates no store: the store's creation time
// is when serve (or console) first opens it.
func dataCheck(ctx context.Context, dir string) doctor.Check {
	const name = "data"
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := existingParent(dir)
		if err := probeWrite(parent); err != nil {
			return doctor.Check{Name: name, Status: doctor.Fail, Detail: fmt.Sprintf("%s does not exist, and %s is not writable (%v)", dir, parent, err),
				Fix: "create the directory for the user running quotabot, or give --data a directory it can write"}
		}
		return doctor.Check{Name: name, Status: doctor.Pass, Detail: fmt.Sprintf("%s does not exist yet; serve will create it", dir)}
	case err != nil:
		return doctor.Check{Name: name, Status: doctor.Fail, Detail: err.Error(), Fix: "give --data a directory quotabot can read and write"}
	case !st.IsDir():
		return doctor.Check{Name: name, Status: doctor.Fail, Detail: dir + " is not a directory", Fix: "give --data a directory"}
	}
	if dirLocked(dir) {
		if err := control.Ping(ctx, dir); err != nil {
			return doctor.Check{Name: name, Status: doctor.Fail,
				Detail: fmt.Sprintf("%s is in use by another process, which does not answer on its control socket", dir),
				Fix:    "stop that process (a quotabot console or restore?) before serve, or give serve another --data"}
		}
		return doctor.Check{Name: name, Status: doctor.Pass, Detail: fmt.Sprintf("%s is in use by the running quotabot, which answers on its control socket", dir)}
	}
	if err := probeWrite(dir); err != nil {
		return doctor.Check{Name: name, Status: doctor.Fail, Detail: fmt.Sprintf("%s is not writable (%v)", dir, err),
			Fix: "fix its permissions for the user running quotabot, or give --data another directory"}
	}
	// The same check serve makes before it opens the store: a store serve
	// would refuse is not ready to serve.
	if err := store.Verify(dir); err != nil {
		return doctor.Check{Name: name, Status: doctor.Fail, Detail: err.Error(),
			Fix: "restore the latest backup into a new directory (quotabot restore --data NEWDIR BACKUP) and give serve that --data"}
	}
	return doctor.Check{Name: name, Status: doctor.Pass, Detail: fmt.Sprintf("%s is writable and not in use", dir)}
}

// existingParent is the nearest directory above dir that exists.
func existingParent(dir string) string {
	p := filepath.Clean(dir)
	for {
		next := filepath.Dir(p)
		if _, err := os.Stat(next); err == nil || next == p {
			return next
		}
		p = next
	}
}

// probeWrite writes, syncs and removes a file in dir.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".quotabot-doctor-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString("quotabot doctor\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startChecks runs doctor's Slack checks as serve starts, and logs what is
// not right with its fix: a failure as an error, advice as information,
// since a correct install from manifest.yml gets some at every start.
// Nothing here stops serve: a token Slack refuses has already stopped it,
// and the rest (a missing scope, a channel the bot is not in yet) is fixed
// while it runs. Without a channel serve says itself that the posts are
// off, so that check is left out.
func startChecks(ctx context.Context, api doctor.API, channel string, notify bool, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	opts := doctor.SlackOptions{SkipSocket: true, Channel: channel, SkipChannel: channel == "", NotifyNearLimit: notify}
	for _, c := range doctor.Slack(ctx, api, opts) {
		switch c.Status {
		case doctor.Fail:
			log.Error("doctor: "+c.Name+": "+c.Detail, "fix", c.Fix)
		case doctor.Advice:
			log.Info("doctor: "+c.Name+": "+c.Detail, "fix", c.Fix)
		}
	}
}
