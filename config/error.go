package config

import (
	"strconv"
	"strings"
)

// Error is what Load and Parse return for a config they refuse. Its message
// reads like a compiler's, so that an operator can go straight to the line:
//
//	quotabot.yml:12: tiers.premium.inmail.year: unknown window "year" (want day, week or month)
type Error struct {
	// File is the name given to Parse, or the path given to Load.
	File string
	// Line is the 1-based line of the offending key or value; 0 when the
	// problem is with the file as a whole (it cannot be read, say).
	Line int
	// Path is the dotted path of the setting, such as
	// "tiers.premium.inmail.day" or "admins[1]"; "" when no single setting
	// is at fault (a YAML syntax error, a second document).
	Path string
	// Reason says what is wrong and how to put it right.
	Reason string
	// Err is the underlying cause, when there is one: the error from reading
	// the file, so that errors.Is(err, fs.ErrNotExist) works.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.File == "" {
		b.WriteString("config")
	}
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }
