package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/quotabot/quotabot/bot"
	"github.com/quotabot/quotabot/commands"
	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/home"
	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/scheduler"
	"github.com/quotabot/quotabot/store"
)

// settings are serve's environment, checked.
type settings struct {
	botToken      string
	appToken      string // "" without Socket Mode
	signingSecret string
	apiURL        string // with its trailing slash
}

// readSettings checks the environment before anything starts. Each error
// names the variable and says where its value comes from; none repeats a
// secret's value.
func readSettings(getenv func(string) string, httpAddr string) (settings, error) {
	s := settings{
		botToken:      strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		appToken:      strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		signingSecret: strings.TrimSpace(getenv("SLACK_SIGNING_SECRET")),
		apiURL:        strings.TrimSpace(getenv("SLACK_API_URL")),
	}
	switch {
	case s.botToken == "":
		return s, errors.New("SLACK_BOT_TOKEN is not set: set it to the app's Bot User OAuth Token (xoxb-…), from the OAuth & Permissions page of the app at api.slack.com/apps")
	case !strings.HasPrefix(s.botToken, "xoxb-"):
		hint := ""
		if strings.HasPrefix(s.botToken, "xapp-") {
			hint = " (an xapp- token is the app-level token: it goes in SLACK_APP_TOKEN)"
		}
		return s, fmt.Errorf("SLACK_BOT_TOKEN does not start with xoxb-%s: set it to the Bot User OAuth Token from the app's OAuth & Permissions page", hint)
	case s.appToken != "" && !strings.HasPrefix(s.appToken, "xapp-"):
		return s, errors.New("SLACK_APP_TOKEN does not start with xapp-: set it to an app-level token with the connections:write scope, from the app's Basic Information page, or unset it to serve over --http only")
	case s.appToken == "" && httpAddr == "":
		return s, errors.New("nothing to serve: set SLACK_APP_TOKEN (xapp-…) to use Socket Mode, or give --http ADDR (with SLACK_SIGNING_SECRET) to take Slack's requests over HTTP")
	case httpAddr != "" && s.signingSecret == "":
		return s, errors.New("SLACK_SIGNING_SECRET is not set, and --http needs it to check that requests come from Slack: set it to the Signing Secret on the app's Basic Information page")
	}
	if s.apiURL == "" {
		s.apiURL = slack.APIURL
	}
	u, err := url.Parse(s.apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return s, fmt.Errorf("SLACK_API_URL %q is not an http(s) URL: set it to a Web API base URL such as https://slack.com/api/, or unset it", s.apiURL)
	}
	if !strings.HasSuffix(s.apiURL, "/") {
		// slack-go appends the method name to it.
		s.apiURL += "/"
	}
	return s, nil
}

// Shutdown bounds: Slack gives a command 3 seconds, so what was taken is
// answered well within these; a scheduled post may take a while longer.
const (
	shutdownTimeout = 25 * time.Second
	apiTimeout      = 30 * time.Second
)

// serve runs the bot until ctx ends (SIGTERM, SIGINT) or a transport fails
// for good.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) (err error) {
	fs := flags("serve", "serve [--http ADDR] [--data DIR] [--config FILE]", stderr)
	httpAddr := fs.String("http", "", "serve Slack's requests over HTTP on `ADDR`, such as :8080 (needs SLACK_SIGNING_SECRET)")
	dir := fs.String("data", defaultData, "the data `directory`")
	cfgPath := fs.String("config", "", "the YAML config `file` (default: built-in settings)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments, only flags (see quotabot serve -h)")
	}
	set, err := readSettings(getenv, *httpAddr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	defer benchHooks(getenv, log)()

	// Listen before anything slow, so that a port in use fails at once.
	var ln net.Listener
	if *httpAddr != "" {
		if ln, err = net.Listen("tcp", *httpAddr); err != nil {
			return fmt.Errorf("--http %s: %w (give a free address, such as :8080)", *httpAddr, err)
		}
		defer ln.Close()
	}

	a := &app{log: log, dir: *dir, httpAddr: *httpAddr}
	defer func() {
		if cerr := a.close(); err == nil {
			err = cerr
		}
	}()
	if err := a.openStore(cfg); err != nil {
		return err
	}
	api := slackClient(set)
	team, err := bot.Identify(ctx, api, log)
	if err != nil {
		if ctx.Err() != nil {
			// Stopped while starting: a clean stop, not a failure.
			return nil
		}
		return err
	}
	log.Info("connected to Slack", "team", team.Team, "team_id", team.TeamID, "bot_user", team.UserID)
	// What quotabot doctor checks, logged with the fix now rather than
	// found later as a failed post or a refused command.
	startChecks(ctx, api, cfg.Channel, cfg.NotifyNearLimit, log)
	if err := a.start(ctx, cfg, set, api, team, ln); err != nil {
		return err
	}
	return a.run(ctx)
}

// app is a running bot: what serve starts, in the order start gives, and
// close ends in the reverse order, the store last.
type app struct {
	log      *slog.Logger
	dir      string
	httpAddr string

	ledger  *store.Ledger
	control *control.Server
	b       *bot.Bot
	sched   *scheduler.Scheduler
	srv     *http.Server

	// stop ends everything start began: on a signal, or one part failing
	// for good (failed).
	stop       context.CancelFunc
	failed     chan error
	homeDone   chan struct{} // the home refresher has returned
	socketDone chan struct{} // Socket Mode has returned, or never ran
}

// openStore opens the store and its control socket.
func (a *app) openStore(cfg config.Config) error {
	ledger, err := openLedger(a.dir, cfg, a.log, "stop it first, or give this one another --data")
	if err != nil {
		return err
	}
	a.ledger = ledger
	a.control, err = control.Serve(a.dir, ledger, a.log)
	return err
}

// start wires the command core, the App Home, the scheduler and the
// transports to the open store, and starts them.
func (a *app) start(ctx context.Context, cfg config.Config, set settings, api *slack.Client, team bot.Identity, ln net.Listener) error {
	h := commands.New(a.ledger, commands.Options{Admins: cfg.Admins, Users: api, Logger: a.log})
	hm := home.New(a.ledger, h, api, home.Options{Logger: a.log})
	b, err := bot.New(bot.Options{Handler: h, Ledger: a.ledger, Home: hm, SigningSecret: set.signingSecret, Team: team, Logger: a.log})
	if err != nil {
		return err
	}
	a.b = b
	runCtx, stop := context.WithCancel(ctx)
	a.stop, a.failed = stop, make(chan error, 2)
	// The home refresher publishes from the ledger: it must be done
	// before the ledger closes.
	a.homeDone = make(chan struct{})
	go func() { defer close(a.homeDone); hm.Run(runCtx) }()
	if err := a.startScheduler(runCtx, cfg, api); err != nil {
		return err
	}
	a.serveHTTP(ln)
	a.serveSocket(runCtx, set, api)
	return nil
}

func (a *app) startScheduler(ctx context.Context, cfg config.Config, api *slack.Client) error {
	if cfg.Channel == "" {
		a.log.Info("no channel in the config: the daily and monthly posts are off (set channel: C0123ABCD to turn them on)")
		return nil
	}
	sched, err := scheduler.New(a.ledger, api, scheduler.Options{Channel: cfg.Channel, Daily: scheduler.Schedule(cfg.Schedule.Daily),
		Monthly: scheduler.Schedule(cfg.Schedule.Monthly), NotifyNearLimit: cfg.NotifyNearLimit, Logger: a.log})
	if err != nil {
		return err
	}
	if err := sched.Start(ctx); err != nil {
		return err
	}
	a.sched = sched
	return nil
}

func (a *app) serveHTTP(ln net.Listener) {
	if ln == nil {
		return
	}
	a.srv = &http.Server{
		Handler:           a.b.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.failed <- fmt.Errorf("--http %s: %w", a.httpAddr, err)
		}
	}()
	a.log.Info("serving HTTP", "addr", ln.Addr().String())
}

func (a *app) serveSocket(ctx context.Context, set settings, api *slack.Client) {
	a.socketDone = make(chan struct{})
	if set.appToken == "" {
		close(a.socketDone)
		return
	}
	client := socketmode.New(api)
	go func() {
		defer close(a.socketDone)
		if err := a.b.ServeSocket(ctx, client); err != nil {
			a.failed <- err
		}
	}()
	a.log.Info("serving Socket Mode")
}

// run waits for a signal or a part failing for good, then stops taking
// work and answers what was already taken.
func (a *app) run(ctx context.Context) (err error) {
	select {
	case <-ctx.Done():
		a.log.Info("shutting down: finishing the commands already taken")
	case err = <-a.failed:
		a.log.Error("shutting down", "err", err)
	}
	a.stop()

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if a.srv != nil {
		// Shutdown waits for the requests in progress to be answered.
		if serr := a.srv.Shutdown(shutdownCtx); serr != nil {
			a.log.Warn("HTTP requests still open at shutdown", "err", serr)
		}
	}
	select {
	case <-a.socketDone:
	case <-shutdownCtx.Done():
	}
	if derr := a.b.Drain(shutdownCtx); derr != nil {
		a.log.Warn("replies still on their way at shutdown", "err", derr)
	}
	return err
}

// close ends what was started, in the reverse order: the scheduler, the
// App Home's refresher, the control socket, and last the store.
func (a *app) close() error {
	if a.sched != nil {
		a.sched.Stop()
	}
	if a.stop != nil {
		a.stop()
		<-a.homeDone
	}
	if a.control != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.control.Close(ctx)
	}
	if a.ledger == nil {
		return nil
	}
	err := a.ledger.Close()
	a.log.Info("store closed", "data", a.dir)
	return err
}

// The App Home is the home package's; the bot only reports to it.
var _ bot.Home = (*home.Home)(nil)

// The control socket reads the store serve opens.
var _ control.Store = (*store.Ledger)(nil)
