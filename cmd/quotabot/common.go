package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/store"
)

// defaultData is --data's default, as docs/ARCHITECTURE.md §3 gives it.
const defaultData = "./quotabot-data"

// errHelp is returned when -h was asked for: the flags were printed, and
// the program ends without an error.
var errHelp = flag.ErrHelp

// flags is a command's flag set, printing to stderr.
func flags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: quotabot %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; a flag mistake is a usageError (the flag package has
// already printed the usage).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	return nil
}

// loadConfig reads --config, or returns the built-in defaults without one.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		// config's errors name the file, line and setting, and the fix.
		return config.Config{}, fmt.Errorf("--config: %w", err)
	}
	return cfg, nil
}

// openLedger opens the store in dir with the config's plan and zone. A
// directory in use is refused at once with what to do about it (inUse
// says what that is for the command at hand).
func openLedger(dir string, cfg config.Config, log *slog.Logger, inUse string) (*store.Ledger, error) {
	l, err := store.Open(dir, store.Options{Plan: cfg.Plan, Location: cfg.Timezone, Logger: log})
	switch {
	case errors.Is(err, store.ErrLocked):
		return nil, fmt.Errorf("data directory %s is in use by another quotabot process: %s", dir, inUse)
	case errors.Is(err, store.ErrDamaged):
		return nil, err // it names the directory, the file and what to do
	case errors.Is(err, store.ErrDiskFull):
		return nil, fmt.Errorf("%w; free some space there and try again", err)
	case err != nil:
		return nil, fmt.Errorf("--data %s: %w (give a directory quotabot can read and write)", dir, err)
	}
	// Opening verified every table, reading and decompressing the whole
	// store: the memory that took goes back to the system now, not when
	// the scavenger gets to it, so an idle bot starts at its idle size.
	debug.FreeOSMemory()
	return l, nil
}

// openForReading opens the store in dir read-only, for export and backup.
// A directory in use comes back as store.ErrLocked, for the caller to ask
// the running bot instead.
func openForReading(dir string, cfg config.Config, stderr io.Writer) (*store.Ledger, error) {
	l, err := store.Open(dir, store.Options{Plan: cfg.Plan, Location: cfg.Timezone, Logger: quietLog(stderr), ReadOnly: true})
	switch {
	case errors.Is(err, store.ErrLocked):
		return nil, err
	case errors.Is(err, store.ErrNoStore):
		return nil, fmt.Errorf("--data %s holds no quotabot data (give the data directory quotabot serve uses)", dir)
	case errors.Is(err, store.ErrDiskFull):
		return nil, fmt.Errorf("%w; free some space there and try again", err)
	case err != nil:
		return nil, fmt.Errorf("--data %s: %w", dir, err)
	}
	return l, nil
}

// mustExist refuses a data directory that is not there, for the commands
// that read one: opening it would create an empty store and report nothing.
func mustExist(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--data %s: no such directory (give the data directory quotabot serve uses)", dir)
	case err != nil:
		return fmt.Errorf("--data %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("--data %s: not a directory", dir)
	}
	return nil
}

// quietLog is the logger of the one-shot commands: warnings and errors
// only, so that their output stays what was asked for.
func quietLog(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
