package quota

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers test for them with errors.Is; the commands package
// turns each into the words a member reads.
var (
	ErrUnknownKind   = errors.New("unknown kind")
	ErrUnknownTier   = errors.New("unknown tier")
	ErrUnknownWindow = errors.New("unknown window")
	ErrInvalidPlan   = errors.New("invalid plan")
	ErrBadCount      = errors.New("count out of range")
	ErrNoKind        = errors.New("tier cannot send this kind")
	ErrNothingToUndo = errors.New("nothing to undo")
	ErrInvalidMember = errors.New("invalid member")
	ErrNoteTooLong   = errors.New("note too long")
	// ErrNoSuchEntry: UndoEntry was given an ID that names no entry of the
	// member's (malformed, never logged, or someone else's). It matches
	// ErrNothingToUndo too: nothing was taken back.
	ErrNoSuchEntry = fmt.Errorf("no such entry: %w", ErrNothingToUndo)
)

// Counts a member may log in one entry.
const (
	MinCount = 1
	MaxCount = 1000
	// MaxNote is the longest note kept, in characters (runes), as the
	// replies count it.
	MaxNote = 500
)

// UnknownError says a name (a kind or a tier) is not known. It matches
// ErrUnknownKind or ErrUnknownTier with errors.Is.
type UnknownError struct {
	What       string // "kind" or "tier"
	Input      string
	Known      []string
	Suggestion string // a known name close to Input, or ""
}

func (e *UnknownError) Error() string {
	s := fmt.Sprintf("unknown %s %q (known: %s)", e.What, e.Input, strings.Join(e.Known, ", "))
	if e.Suggestion != "" {
		s += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return s
}

// Is makes errors.Is(err, ErrUnknownKind) and ErrUnknownTier work.
func (e *UnknownError) Is(target error) bool {
	switch e.What {
	case "kind":
		return target == ErrUnknownKind
	case "tier":
		return target == ErrUnknownTier
	}
	return false
}

// NoKindError says a member's tier cannot send a kind at all, such as an
// InMail on the free tier. It matches ErrNoKind.
type NoKindError struct {
	Tier string
	Kind Kind
	// Tiers lists the tiers that can send Kind.
	Tiers []string
}

func (e *NoKindError) Error() string {
	return fmt.Sprintf("tier %s has no %s", e.Tier, e.Kind)
}

// Is makes errors.Is(err, ErrNoKind) work.
func (e *NoKindError) Is(target error) bool { return target == ErrNoKind }

// ErrNoCredits: a refund of a kind the member's tier does not pay for in
// credits. ErrRefundTooMuch: a refund above what may be given back; the
// error is a *RefundError saying how much may.
var (
	ErrNoCredits     = errors.New("kind is not paid in credits")
	ErrRefundTooMuch = errors.New("refund above what was spent")
)

// RefundError says a refund was refused: the kind is not a credit kind on
// the member's tier (ErrNoCredits), or Count is above Refundable, what was
// spent over the last RefundDays days less what was refunded
// (ErrRefundTooMuch).
type RefundError struct {
	Tier       string
	Kind       Kind
	Count      int
	Refundable int
	NoCredits  bool
}

func (e *RefundError) Error() string {
	if e.NoCredits {
		return fmt.Sprintf("tier %s does not pay for %s in credits", e.Tier, e.Kind)
	}
	return fmt.Sprintf("refund of %d %s: at most %d may be given back", e.Count, e.Kind, e.Refundable)
}

// Is makes errors.Is(err, ErrNoCredits) and ErrRefundTooMuch work.
func (e *RefundError) Is(target error) bool {
	if e.NoCredits {
		return target == ErrNoCredits
	}
	return target == ErrRefundTooMuch
}
