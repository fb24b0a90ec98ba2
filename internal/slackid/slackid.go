// Package slackid holds the one rule for what a Slack ID looks like, for
// the config's admins and channel, the mentions /quota reads and the
// console's @U123 shorthand alike.
//
// The rule is the shape Slack issues, not a length: a letter that says what
// the ID names, then upper-case letters and digits. Slack has lengthened
// its IDs before (from 9 characters to 11), so only the bounds the rest of
// the bot needs are kept: at least one character after the letter, and at
// most 64 in all, the longest member ID the ledger stores.
package slackid

import "strings"

// MaxLen is the longest ID accepted: the ledger's bound on a member ID.
const MaxLen = 64

// User reports whether s looks like a Slack user ID: U, or W for an
// Enterprise Grid user, then upper-case letters and digits (U0123ABCD).
func User(s string) bool { return valid(s, "UW") }

// Channel reports whether s looks like a Slack conversation ID: C for a
// channel, G for a private channel or group DM, D for a direct message,
// then upper-case letters and digits (C0123ABCD).
func Channel(s string) bool { return valid(s, "CGD") }

func valid(s, letters string) bool {
	if len(s) < 2 || len(s) > MaxLen || strings.IndexByte(letters, s[0]) < 0 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
