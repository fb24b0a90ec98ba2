package commands

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quotabot/quotabot/internal/slackid"
	"github.com/quotabot/quotabot/quota"
)

// Command is a slash command parsed into what it asks for: one of [Log],
// [Undo], [Show], [Team], [SetTier], [History], [Help], and for admins
// [Cap], [Pause] and [Resume]. Text becomes a
// Command before anything touches the ledger, so a malformed count or a
// misspelt kind is refused while nothing can yet have been recorded.
type Command interface{ isCommand() }

// Log is `/logsend [count] [kind] [note]`: record Count sends of Kind.
// Parse only builds one with 1 <= Count <= 1000, a kind of the plan and a
// note of at most quota.MaxNote characters.
type Log struct {
	Count int
	Kind  quota.Kind
	Note  string
}

// Undo is `/logsend undo`: take back the caller's last entry.
type Undo struct{}

// Show is `/quota` (Member empty: the caller) or `/quota @someone`.
type Show struct{ Member string }

// Team is `/quota team`.
type Team struct{}

// SetTier is `/quota tier premium` (Member empty: the caller) or
// `/quota tier @someone premium`. Tier is a tier of the plan.
type SetTier struct {
	Member string
	Tier   string
}

// Tiers is `/quota tier` with no tier named: the plan's tiers, a line
// each.
type Tiers struct{}

// History is `/quota history`: the caller's last entries.
type History struct{}

// Help is `/quota help`, `/logsend help`, or a /quota subcommand that is not
// one: Unknown holds the word, Suggestion a subcommand close to it.
type Help struct {
	Command    string
	Unknown    string
	Suggestion string
}

// Cap is `/quota cap @someone KIND WINDOW N` (admins): hold Member to at
// most Limit.Max of Kind in Limit's window; with Off, `/quota cap @someone
// KIND off`, lift every cap on Kind.
type Cap struct {
	Member string
	Kind   quota.Kind
	Limit  quota.Limit
	Off    bool
}

// Pause is `/quota pause @someone [reason]` (admins): mark the account
// restricted.
type Pause struct {
	Member string
	Reason string // at most quota.MaxNote characters
}

// Resume is `/quota resume @someone` (admins): lift a pause.
type Resume struct{ Member string }

func (Cap) isCommand()    {}
func (Pause) isCommand()  {}
func (Resume) isCommand() {}

func (Log) isCommand()     {}
func (Undo) isCommand()    {}
func (Show) isCommand()    {}
func (Team) isCommand()    {}
func (SetTier) isCommand() {}
func (Tiers) isCommand()   {}
func (History) isCommand() {}
func (Help) isCommand()    {}

// MaxText is the longest command text accepted, in characters as the
// member typed them (runes, with Slack's &amp;, &lt; and &gt; counted as
// the one character each stands for). It leaves room for a count, a kind
// and a note of quota.MaxNote characters, emoji and all; anything longer
// is a paste gone wrong, and refusing it early keeps the rest of the
// parser (and the edit distance behind "did you mean") cheap.
const MaxText = 1000

// maxTextBytes bounds the text before its characters are counted: a
// character typed takes at most 5 bytes on the wire (& as &amp;).
const maxTextBytes = 5 * MaxText

// Errors the parser returns besides quota's sentinels (quota.ErrBadCount,
// quota.ErrUnknownKind, quota.ErrUnknownTier, quota.ErrNoteTooLong).
var (
	// ErrTooLong: the text is over MaxText characters.
	ErrTooLong = errors.New("command too long")
	// ErrUnreadable: broken UTF-8 or a control character such as NUL.
	ErrUnreadable = errors.New("unreadable characters")
	// ErrBadMention: where a person goes there is no `<@U…>` mention.
	ErrBadMention = errors.New("not a mention")
	// ErrUsage: a word where none belongs, as in `/logsend undo 5`.
	ErrUsage = errors.New("words out of place")
	// ErrUnknownCommand: a slash command this package does not answer.
	ErrUnknownCommand = errors.New("unknown command")
)

// ParseError says which command's text was refused and which part of it;
// it wraps the reason, so errors.Is(err, quota.ErrBadCount) and the like
// work through it.
type ParseError struct {
	Command string // "/quota" or "/logsend"
	Input   string // the offending word, or the whole text
	Err     error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("parse %s %q: %v", e.Command, clip(e.Input, 40), e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse parses the text of command ("/quota" or "/logsend") against plan.
func Parse(plan quota.Plan, command, text string) (Command, error) {
	switch command {
	case "/logsend":
		return ParseLogsend(plan, text)
	case "/quota":
		return ParseQuota(plan, text)
	}
	return nil, &ParseError{Command: command, Input: command, Err: ErrUnknownCommand}
}

// ParseLogsend parses the text after /logsend:
//
//	[count] [kind] [note]    count 1..1000 (default 1), kind (default message)
//	[kind] [count] [note]    the kind first is accepted too
//	undo                     take back the last entry
//	help
//
// A note needs its kind spelled out before it: a word where the kind goes
// that is not a kind is refused, never read as a note, so that
// `/logsend 5 inmial` cannot count 5 messages.
func ParseLogsend(plan quota.Plan, text string) (Command, error) {
	fail := func(input string, err error) (Command, error) {
		return nil, &ParseError{Command: "/logsend", Input: input, Err: err}
	}
	if err := checkText(text); err != nil {
		return fail(text, err)
	}
	toks := tokenize(text)
	kinds := plan.Kinds()
	if len(kinds) == 0 {
		return fail(text, fmt.Errorf("the plan has no kinds: %w", quota.ErrUnknownKind))
	}
	if len(toks) == 0 {
		return Log{Count: 1, Kind: kinds[0]}, nil
	}
	switch strings.ToLower(toks[0].s) {
	case "undo":
		if len(toks) > 1 {
			return fail(text, ErrUsage)
		}
		return Undo{}, nil
	case "help":
		return Help{Command: "/logsend"}, nil
	case "refund":
		return parseRefund(plan, toks[1:], fail)
	}

	cmd := Log{Count: 1, Kind: kinds[0]}
	i := 0
	if n, isCount, err := parseCount(toks[0].s); isCount {
		if err != nil {
			return fail(toks[0].s, err)
		}
		cmd.Count, i = n, 1
		// After a count, the next word must be a kind: a note needs its
		// kind spelled out before it.
		if i < len(toks) {
			k, err := plan.ParseKind(toks[i].s)
			if err != nil {
				return fail(toks[i].s, err)
			}
			cmd.Kind, i = k, 2
		}
	} else {
		k, err := plan.ParseKind(toks[0].s)
		if err != nil {
			if numberish(toks[0].s) {
				return fail(toks[0].s, quota.ErrBadCount)
			}
			return fail(toks[0].s, err)
		}
		cmd.Kind, i = k, 1
		if i < len(toks) {
			n, isCount, err := parseCount(toks[i].s)
			switch {
			case isCount && err != nil:
				return fail(toks[i].s, err)
			case isCount:
				cmd.Count, i = n, 2
			case numberish(toks[i].s):
				return fail(toks[i].s, quota.ErrBadCount)
			}
		}
	}
	if i < len(toks) {
		cmd.Note = unescapeSlack(strings.TrimSpace(text[toks[i].start:]))
		if utf8.RuneCountInString(cmd.Note) > quota.MaxNote {
			// The whole note, so that the reply can say how long it is.
			return fail(cmd.Note, quota.ErrNoteTooLong)
		}
	}
	return cmd, nil
}

// The /quota subcommands, for help and "did you mean".
var subcommands = []string{"team", "tier", "history", "help", "cap", "pause", "resume"}

// ParseQuota parses the text after /quota:
//
//	(nothing)                 your quota
//	@someone                  theirs
//	team                      everyone's
//	tier TIER                 set your tier
//	tier @someone TIER        set theirs (admins); "tier TIER @someone" too
//	history                   your last entries
//	cap @someone KIND WINDOW N   cap them (admins); "cap @someone KIND off" lifts it
//	pause @someone [reason]   mark their account restricted (admins)
//	resume @someone           lift that (admins)
//	help
//
// Anything else is answered with help rather than an error: a member who
// types `/quota tema` wants to know what to type.
func ParseQuota(plan quota.Plan, text string) (Command, error) {
	fail := func(input string, err error) (Command, error) {
		return nil, &ParseError{Command: "/quota", Input: input, Err: err}
	}
	if err := checkText(text); err != nil {
		return fail(text, err)
	}
	toks := tokenize(text)
	if len(toks) == 0 {
		return Show{}, nil
	}
	first := toks[0].s
	if looksLikeMention(first) {
		id, err := parseMention(first)
		if err != nil {
			return fail(first, err)
		}
		if len(toks) > 1 {
			return Help{Command: "/quota", Unknown: toks[1].s}, nil
		}
		return Show{Member: id}, nil
	}
	word := strings.ToLower(first)
	switch word {
	case "team", "history", "help":
		if len(toks) > 1 {
			return Help{Command: "/quota", Unknown: strings.TrimSpace(text)}, nil
		}
		switch word {
		case "team":
			return Team{}, nil
		case "history":
			return History{}, nil
		}
		return Help{Command: "/quota"}, nil
	case "tier":
		return parseTier(plan, toks[1:], fail)
	case "cap":
		return parseCap(plan, toks[1:], fail)
	case "pause", "resume":
		return parsePause(word, text, toks[1:], fail)
	}
	return Help{Command: "/quota", Unknown: first, Suggestion: nearest(word, subcommands)}, nil
}

func parseTier(plan quota.Plan, args []token, fail func(string, error) (Command, error)) (Command, error) {
	tier := func(s string) (string, error) {
		t, err := plan.ParseTier(s)
		return t.Name, err
	}
	switch len(args) {
	case 0:
		return Tiers{}, nil
	case 1:
		if looksLikeMention(args[0].s) {
			return fail("", &quota.UnknownError{What: "tier", Known: plan.TierNames()})
		}
		t, err := tier(args[0].s)
		if err != nil {
			return fail(args[0].s, err)
		}
		return SetTier{Tier: t}, nil
	case 2:
		who, name := args[0].s, args[1].s
		switch {
		case !looksLikeMention(who) && looksLikeMention(name):
			who, name = name, who
		case !looksLikeMention(who):
			return twoWordsTier(who, name, tier, fail)
		}
		id, err := parseMention(who)
		if err != nil {
			return fail(who, err)
		}
		t, err := tier(name)
		if err != nil {
			return fail(name, err)
		}
		return SetTier{Member: id, Tier: t}, nil
	}
	return fail(args[2].s, ErrUsage)
}

// twoWordsTier blames the right word of `/quota tier a b` where neither
// is a mention: after a tier ("premium extra"), the extra word; before
// one ("bob premium"), the person not picked with @; with no tier at all,
// the first word, as the tier it should have been.
func twoWordsTier(a, b string, tier func(string) (string, error), fail func(string, error) (Command, error)) (Command, error) {
	_, errA := tier(a)
	_, errB := tier(b)
	switch {
	case errA == nil:
		return fail(b, ErrUsage)
	case errB == nil:
		return fail(a, ErrBadMention)
	}
	return fail(a, errA)
}

// checkText refuses text no member types on purpose: very long pastes,
// broken UTF-8 and control characters (a NUL would also break the store's
// keys, were it ever to reach them).
func checkText(text string) error {
	if len(text) > maxTextBytes {
		return ErrTooLong
	}
	if !utf8.ValidString(text) {
		return ErrUnreadable
	}
	if utf8.RuneCountInString(unescapeSlack(text)) > MaxText {
		return ErrTooLong
	}
	for _, r := range text {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) {
			return ErrUnreadable
		}
	}
	return nil
}

// token is one word of a command, with where it sits in the text so that a
// note keeps its own spacing.
type token struct {
	s          string
	start, end int
}

// tokenize splits text on white space, keeping a Slack escape such as
// `<@U123|Ann Lee>` whole even when the name in it has spaces.
func tokenize(text string) []token {
	var toks []token
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		start := i
		if r == '<' {
			if end := strings.IndexByte(text[i:], '>'); end > 0 {
				i += end + 1
				toks = append(toks, token{text[start:i], start, i})
				continue
			}
		}
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += size
		}
		toks = append(toks, token{text[start:i], start, i})
	}
	return toks
}

// parseCount reads a count. isCount says the word is all ASCII digits and
// so meant as one; err is then set when it is out of range. Anything else
// ("1e3", "1,000", "1.5", "-5", "+5", fullwidth "５") is not a count here;
// numberish tells the parser to refuse such words as bad counts rather than
// read them as a kind or a note.
func parseCount(s string) (n int, isCount bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, nil
		}
	}
	digits := strings.TrimLeft(s, "0")
	if len(digits) > 4 { // checked before converting, so no overflow
		return 0, true, quota.ErrBadCount
	}
	for _, c := range digits {
		n = n*10 + int(c-'0')
	}
	if n < quota.MinCount || n > quota.MaxCount {
		return 0, true, quota.ErrBadCount
	}
	return n, true, nil
}

// spelledNumbers are refused as counts rather than as unknown kinds: a
// member who typed "five" meant a count, and the reply should say so.
var spelledNumbers = map[string]bool{
	"zero": true, "one": true, "two": true, "three": true, "four": true, "five": true,
	"six": true, "seven": true, "eight": true, "nine": true, "ten": true,
	"hundred": true, "thousand": true,
}

// numberish reports whether a word was meant as a number: it starts with a
// digit of any script, or with a sign or point and has a digit in it, or is
// a number spelt out.
func numberish(s string) bool {
	if spelledNumbers[strings.ToLower(s)] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsNumber(r) {
		return true
	}
	if strings.ContainsRune("+-−.,#~≈", r) {
		return strings.IndexFunc(s, unicode.IsNumber) >= 0
	}
	return false
}

func looksLikeMention(s string) bool {
	return strings.HasPrefix(s, "<@") || strings.HasPrefix(s, "@")
}

// parseMention reads a user mention as Slack escapes it, `<@U123ABC>` or
// `<@U123ABC|name>`, and returns the user ID. A bare "@name" arrives when
// the app does not ask Slack to escape mentions, and cannot be resolved
// here: it is refused with a hint.
func parseMention(s string) (string, error) {
	if !strings.HasPrefix(s, "<@") || !strings.HasSuffix(s, ">") {
		return "", ErrBadMention
	}
	id := s[2 : len(s)-1]
	if i := strings.IndexByte(id, '|'); i >= 0 {
		id = id[:i]
	}
	if !slackid.User(id) {
		return "", ErrBadMention
	}
	return id, nil
}

// nearest returns the word in words closest to s, if it is close enough to
// be a typo.
func nearest(s string, words []string) string { return quota.Closest(s, words) }

// unescapeSlack undoes the escaping Slack applies to &, < and > in a slash
// command's text, so that a note is kept (and exported) as the member typed
// it; replies escape it again when they show it.
func unescapeSlack(s string) string { return slackUnescaper.Replace(s) }

// slackUnescaper is built once: a Replacer builds its lookup trie on first
// use, and building one per command was a tenth of the bytes a /logsend
// allocated under load (internal/membench's heap profiles).
var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// clip shortens s to at most n runes, for quoting input back to a member or
// into a log line.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
