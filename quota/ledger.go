package quota

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"time"
)

// Options configure a Ledger.
type Options struct {
	Plan     Plan           // zero value: DefaultPlan()
	Location *time.Location // nil: UTC
	// Now is the clock; nil means time.Now. Tests set it.
	Now    func() time.Time
	Logger *slog.Logger // nil: discard
	// InMemory keeps everything in memory, for tests where durability is not
	// the point; dir is then ignored.
	InMemory bool
}

// Ledger is the durable record of members, entries and counters. It is safe
// for concurrent use.
type Ledger struct{}

var errTODO = errors.New("not yet")

// Open opens (creating if need be) the ledger in dir. A directory another
// process holds fails at once with ErrLocked, naming the directory.
func Open(dir string, opts Options) (*Ledger, error) { return nil, errTODO }

// Close flushes and closes the store. Calls after Close return ErrClosed.
func (l *Ledger) Close() error { return errTODO }

// Plan returns the ledger's plan.
func (l *Ledger) Plan() Plan { return Plan{} }

// Location returns the zone windows are computed in.
func (l *Ledger) Location() *time.Location { return nil }

// Now returns the ledger clock's time.
func (l *Ledger) Now() time.Time { return time.Time{} }

// Log records sends that already happened, enrolling the member on first
// use. It returns only once the entry is on disk. A count outside
// MinCount..MaxCount (ErrBadCount), a kind the plan does not know
// (ErrUnknownKind) or the member's tier lacks (*NoKindError) is refused and
// nothing is written. Going over a limit is recorded; see LogResult.Usage.
func (l *Ledger) Log(ctx context.Context, req LogRequest) (LogResult, error) {
	return LogResult{}, errTODO
}

// Undo takes back the member's newest standing entry of the last 24 hours.
// It returns the entry as it now stands (Undone set), or ErrNothingToUndo.
// A non-empty key makes it idempotent like Log's.
func (l *Ledger) Undo(ctx context.Context, member, key string) (Entry, error) {
	return Entry{}, errTODO
}

// Member returns the member, enrolled or not: one never seen reads as on
// the default tier.
func (l *Ledger) Member(ctx context.Context, id string) (Member, error) { return Member{}, errTODO }

// SetTier puts member on tier, recording who did it (by) and when.
// Permission is the caller's business.
func (l *Ledger) SetTier(ctx context.Context, member, tier, by string) (Member, error) {
	return Member{}, errTODO
}

// Usage returns the member's standing now, for every kind of their tier.
func (l *Ledger) Usage(ctx context.Context, member string) (Usage, error) {
	return Usage{}, errTODO
}

// TeamUsage returns every enrolled member's standing now, by member ID.
func (l *Ledger) TeamUsage(ctx context.Context) ([]Usage, error) { return nil, errTODO }

// History returns the member's newest n entries, newest first, undone
// ones included (marked).
func (l *Ledger) History(ctx context.Context, member string, n int) ([]Entry, error) {
	return nil, errTODO
}

// Entries yields the standing entries logged in [from, to), oldest first.
// It reads only the entries in that range.
func (l *Ledger) Entries(ctx context.Context, from, to time.Time) iter.Seq2[Entry, error] {
	return func(func(Entry, error) bool) {}
}

// Summary returns the team's use over period p (a Day or Month period
// usually), with each member's limits for that window.
func (l *Ledger) Summary(ctx context.Context, p Period) (Summary, error) { return Summary{}, errTODO }

// Mark returns the value stored under name by SetMark, if any. The
// scheduler keeps its outbox here.
func (l *Ledger) Mark(ctx context.Context, name string) (string, bool, error) {
	return "", false, errTODO
}

// SetMark durably stores value under name.
func (l *Ledger) SetMark(ctx context.Context, name, value string) error { return errTODO }

// Backup writes a consistent copy of the store to w while the ledger is in
// use.
func (l *Ledger) Backup(ctx context.Context, w io.Writer) error { return errTODO }

// Restore loads a backup written by Backup into dir, which must not be in use
// and must hold no data.
func Restore(dir string, r io.Reader) error { return errTODO }
