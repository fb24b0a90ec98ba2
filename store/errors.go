package store

import "errors"

// Errors of the store itself, as opposed to quota's refusals of a request.
// Callers test for them with errors.Is.
var (
	ErrLocked   = errors.New("data directory in use")
	ErrClosed   = errors.New("ledger closed")
	ErrReadOnly = errors.New("ledger opened read-only")
	ErrNoStore  = errors.New("no quotabot store here")
	// ErrStoreFailed: a commit failed, so what the store holds is unknown;
	// the ledger takes no more writes until it is opened again.
	ErrStoreFailed = errors.New("the store failed a write; restart quotabot once its disk is sound")
)
