package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/quotabot/quotabot/internal/control"
	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// check verifies the store, from its files or, while the bot runs, through
// the bot: exit 0 with a one-line summary when it is whole, an error
// naming each disagreement when not.
func check(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("check", "check [--data DIR] [--config FILE]", stderr)
	dir := fs.String("data", defaultData, "the data `directory`")
	cfgPath := fs.String("config", "", "the YAML config `file` serve uses")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check takes no arguments, only flags")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if err := mustExist(*dir); err != nil {
		return err
	}
	var r store.CheckReport
	l, err := openForReading(*dir, cfg, stderr)
	switch {
	case errors.Is(err, store.ErrLocked):
		if r, err = control.Check(ctx, *dir); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		r, err = l.Check(ctx)
		if cerr := l.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return report(*dir, r, stdout)
}

// report prints what check found.
func report(dir string, r store.CheckReport, stdout io.Writer) error {
	n := quota.FormatCount
	if r.OK() {
		_, err := fmt.Fprintf(stdout, "%s is whole: %s entries (%s standing) of %s members, %s counters; every table checksum verified, every counter agrees with the entries.\n",
			dir, n(r.Entries), n(r.Standing), n(r.Members), n(r.Counters))
		return err
	}
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString("  " + p + "\n")
	}
	if more := r.Found - len(r.Problems); more > 0 {
		fmt.Fprintf(&b, "  … and %s more\n", n(more))
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	return fmt.Errorf("the store in %s disagrees with itself in %s places (listed above): restore the latest backup into a new directory (quotabot restore --data NEWDIR BACKUP), check it, and run quotabot on that", dir, n(r.Found))
}
