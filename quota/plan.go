package quota

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is a sort of send that has limits: "message", "inmail", or one the
// config adds, such as "invite". Get one from [Plan.ParseKind].
type Kind string

// The kinds every plan knows.
const (
	Message Kind = "message"
	InMail  Kind = "inmail"
	Invite  Kind = "invite"
)

// Noun returns how a count of k reads: "1 message", "5 InMails", "3
// invitations" (the kind a config calls invite).
func (k Kind) Noun(n int) string {
	name := string(k)
	switch k {
	case InMail:
		name = "InMail"
	case Invite:
		name = "invitation"
	}
	if n == 1 {
		return name
	}
	return name + "s"
}

// Limit is the most a member may send of one kind in one window: a
// calendar window (Window), or a rolling span (Span, with Window zero) such
// as the last 7 days.
type Limit struct {
	Window Window
	Span   time.Duration
	Max    int
}

// Rolling reports whether the limit counts over a rolling span.
func (l Limit) Rolling() bool { return l.Span > 0 }

// SameWindow reports whether l and o limit the same window.
func (l Limit) SameWindow(o Limit) bool { return l.Window == o.Window && l.Span == o.Span }

// WindowName is how the config and the commands write the window: "day",
// "week", "month", or a span such as "7d" or "36h".
func (l Limit) WindowName() string {
	if !l.Rolling() {
		return l.Window.String()
	}
	return FormatSpan(l.Span)
}

// less orders limits as they are shown: calendar windows shortest first,
// then rolling spans shortest first.
func (l Limit) less(o Limit) bool {
	if l.Rolling() != o.Rolling() {
		return !l.Rolling()
	}
	if l.Rolling() {
		return l.Span < o.Span
	}
	return l.Window < o.Window
}

// Tier is a kind of account, with its limits per kind.
type Tier struct {
	Name string
	// Limits holds, for each kind the tier limits by windows, one limit per
	// window, calendar windows shortest first, then rolling spans.
	Limits map[Kind][]Limit
	// Credits holds the kinds paid for with credits. A kind in neither
	// map cannot be sent on this tier.
	Credits map[Kind]Credits
}

// Has reports whether the tier can send kind k at all.
func (t Tier) Has(k Kind) bool {
	_, credits := t.Credits[k]
	return len(t.Limits[k]) > 0 || credits
}

// HasRolling reports whether the tier limits some kind over a rolling
// span: reading its usage then needs what was sent, not counters alone.
func (t Tier) HasRolling() bool {
	for _, ls := range t.Limits {
		for _, l := range ls {
			if l.Rolling() {
				return true
			}
		}
	}
	return false
}

// Limit returns the tier's limit for k in calendar window w, if it has one.
func (t Tier) Limit(k Kind, w Window) (Limit, bool) {
	for _, l := range t.Limits[k] {
		if l.Window == w && !l.Rolling() {
			return l, true
		}
	}
	return Limit{}, false
}

// Plan is the whole set of tiers a workspace uses, the kinds they mention,
// and the tier a new member starts on.
type Plan struct {
	Tiers       map[string]Tier
	DefaultTier string
	kinds       []Kind
}

// The article's numbers (docs/ARCHITECTURE.md §1).
const (
	DefaultMessagesPerDay   = 100
	DefaultMessagesPerMonth = 1500
	DefaultInMailsPerDay    = 20
	DefaultInMailsPerMonth  = 300
)

// DefaultInvitesPerWeek is LinkedIn's connection invitations over the
// last 7 days (DESIGN.md §1, "Beyond the article"); every built-in tier
// has it.
const DefaultInvitesPerWeek = 100

// DefaultCredits is the InMail credits of LinkedIn's paid plans: the
// monthly grant and the most that banks, renewing on the 1st.
var DefaultCredits = map[string]Credits{
	"career":          {Grant: 5, Cap: 15, RenewDay: 1},
	"business":        {Grant: 15, Cap: 45, RenewDay: 1},
	"sales_navigator": {Grant: 50, Cap: 150, RenewDay: 1},
	"recruiter_lite":  {Grant: 30, Cap: 120, RenewDay: 1},
}

// DefaultTiers returns the built-in tiers: free and premium with the
// article's numbers, the paid plans of DefaultCredits with the article's
// messages and their InMail credits, and on every one of them invitations
// over a rolling week.
func DefaultTiers() map[string]Tier {
	messages := func() []Limit {
		return []Limit{{Window: Day, Max: DefaultMessagesPerDay}, {Window: Month, Max: DefaultMessagesPerMonth}}
	}
	invites := func() []Limit { return []Limit{{Span: 7 * 24 * time.Hour, Max: DefaultInvitesPerWeek}} }
	tiers := map[string]Tier{
		"free": {Name: "free", Limits: map[Kind][]Limit{Message: messages(), Invite: invites()}},
		"premium": {Name: "premium", Limits: map[Kind][]Limit{
			Message: messages(),
			InMail:  {{Window: Day, Max: DefaultInMailsPerDay}, {Window: Month, Max: DefaultInMailsPerMonth}},
			Invite:  invites(),
		}},
	}
	for name, c := range DefaultCredits {
		tiers[name] = Tier{
			Name:    name,
			Limits:  map[Kind][]Limit{Message: messages(), Invite: invites()},
			Credits: map[Kind]Credits{InMail: c},
		}
	}
	return tiers
}

// DefaultPlan returns the built-in plan, with free as the default tier.
func DefaultPlan() Plan {
	p, err := NewPlan(DefaultTiers(), "free")
	if err != nil {
		panic(err) // the built-in tiers are valid; a test holds this
	}
	return p
}

// NewPlan checks tiers and returns a plan. Each tier's limits are sorted by
// window; a negative limit, a window given twice, an empty tier name or a
// default tier that is not among the tiers is refused.
func NewPlan(tiers map[string]Tier, defaultTier string) (Plan, error) {
	p := Plan{Tiers: make(map[string]Tier, len(tiers)), DefaultTier: defaultTier}
	seen := map[Kind]bool{}
	for name, t := range tiers {
		if name == "" {
			return Plan{}, fmt.Errorf("%w: a tier needs a name", ErrInvalidPlan)
		}
		t.Name = name
		limits := make(map[Kind][]Limit, len(t.Limits))
		for k, ls := range t.Limits {
			if err := validKindName(string(k)); err != nil {
				return Plan{}, fmt.Errorf("%w: tier %s: %v", ErrInvalidPlan, name, err)
			}
			ls = slices.Clone(ls)
			sort.Slice(ls, func(i, j int) bool { return ls[i].less(ls[j]) })
			for i, l := range ls {
				if err := validLimit(l); err != nil {
					return Plan{}, fmt.Errorf("%w: tier %s, kind %s: %v", ErrInvalidPlan, name, k, err)
				}
				if i > 0 && ls[i-1].SameWindow(l) {
					return Plan{}, fmt.Errorf("%w: tier %s, kind %s: two %s limits", ErrInvalidPlan, name, k, l.WindowName())
				}
			}
			if len(ls) > 0 {
				limits[k] = ls
				seen[k] = true
			}
		}
		t.Limits = limits
		credits, err := validCredits(name, t.Credits)
		if err != nil {
			return Plan{}, err
		}
		for k := range credits {
			seen[k] = true
		}
		t.Credits = credits
		p.Tiers[name] = t
	}
	if _, ok := p.Tiers[defaultTier]; !ok {
		return Plan{}, fmt.Errorf("%w: default tier %q is not one of the tiers (%s)", ErrInvalidPlan, defaultTier, strings.Join(p.TierNames(), ", "))
	}
	// Message and InMail come first, in that order; added kinds follow by name.
	for _, k := range []Kind{Message, InMail} {
		if seen[k] {
			p.kinds = append(p.kinds, k)
			delete(seen, k)
		}
	}
	var extra []Kind
	for k := range seen {
		extra = append(extra, k)
	}
	slices.Sort(extra)
	p.kinds = append(p.kinds, extra...)
	return p, nil
}

// validLimit checks one limit: a known calendar window or a rolling span
// of whole hours from an hour to a year, and a limit not below zero.
func validLimit(l Limit) error {
	switch {
	case l.Rolling() && l.Window != 0:
		return fmt.Errorf("a limit is a calendar window or a span, not both")
	case l.Rolling() && (l.Span < MinSpan || l.Span > MaxSpan || l.Span%time.Hour != 0):
		return fmt.Errorf("span %v: want whole hours from %s to %s", l.Span, FormatSpan(MinSpan), FormatSpan(MaxSpan))
	case !l.Rolling() && (l.Window < Day || l.Window > Month):
		return fmt.Errorf("unknown window %d", l.Window)
	case l.Max < 0:
		return fmt.Errorf("%s limit %d is negative", l.WindowName(), l.Max)
	}
	return nil
}

// validCredits checks a tier's credit kinds and fills in the default
// renewal day, the 1st.
func validCredits(tier string, credits map[Kind]Credits) (map[Kind]Credits, error) {
	if len(credits) == 0 {
		return nil, nil
	}
	out := make(map[Kind]Credits, len(credits))
	for k, c := range credits {
		if err := validKindName(string(k)); err != nil {
			return nil, fmt.Errorf("%w: tier %s: %v", ErrInvalidPlan, tier, err)
		}
		if c.RenewDay == 0 {
			c.RenewDay = 1
		}
		switch {
		case c.Grant < 1:
			return nil, fmt.Errorf("%w: tier %s, kind %s: a monthly grant of %d credits; want 1 or more", ErrInvalidPlan, tier, k, c.Grant)
		case c.Cap < c.Grant:
			return nil, fmt.Errorf("%w: tier %s, kind %s: a cap of %d is below the grant of %d", ErrInvalidPlan, tier, k, c.Cap, c.Grant)
		case c.RenewDay < 1 || c.RenewDay > 31:
			return nil, fmt.Errorf("%w: tier %s, kind %s: renewal day %d; want 1 to 31", ErrInvalidPlan, tier, k, c.RenewDay)
		}
		out[k] = c
	}
	return out, nil
}

// The spans a rolling window may have.
const (
	MinSpan = time.Hour
	MaxSpan = 366 * 24 * time.Hour
)

// ParseSpan reads a rolling window's span: whole days ("7d") or whole
// hours ("36h"), from an hour to a year.
func ParseSpan(s string) (time.Duration, error) {
	bad := fmt.Errorf("%w %q: want day, week, month, or a span of days or hours such as 7d or 24h", ErrUnknownWindow, s)
	if len(s) < 2 {
		return 0, bad
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if unit == 0 || err != nil || n < 1 || s[0] == '+' || s[0] == '0' {
		return 0, bad
	}
	d := time.Duration(min(n, int(MaxSpan/time.Hour)+1)) * unit
	if d < MinSpan || d > MaxSpan {
		return 0, fmt.Errorf("%w %q: a span runs from %s to %s", ErrUnknownWindow, s, FormatSpan(MinSpan), FormatSpan(MaxSpan))
	}
	return d, nil
}

// FormatSpan writes a span as ParseSpan reads it: "7d", or "36h" when it
// is not whole days.
func FormatSpan(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
}

func validKindName(s string) error {
	if s == "" || len(s) > 32 {
		return fmt.Errorf("kind name %q must be 1 to 32 characters", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("kind name %q may use only a-z, 0-9, _ and -", s)
		}
	}
	return nil
}

// Kinds returns every kind any tier can send, message and inmail first.
func (p Plan) Kinds() []Kind { return slices.Clone(p.kinds) }

// TierNames returns the tier names in alphabetical order.
func (p Plan) TierNames() []string {
	names := make([]string, 0, len(p.Tiers))
	for n := range p.Tiers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Tier returns the named tier, or the default tier when name is not known
// (a member whose tier was removed from the config falls back to it).
func (p Plan) Tier(name string) Tier {
	if t, ok := p.Tiers[name]; ok {
		return t
	}
	return p.Tiers[p.DefaultTier]
}

// ParseTier returns the tier named s (case-insensitive).
func (p Plan) ParseTier(s string) (Tier, error) {
	if t, ok := p.Tiers[strings.ToLower(s)]; ok {
		return t, nil
	}
	return Tier{}, &UnknownError{What: "tier", Input: s, Known: p.TierNames(), Suggestion: Closest(strings.ToLower(s), p.TierNames())}
}

// ParseKind returns the kind named s. It takes the singular or plural,
// in any case ("InMails" is inmail); anything else is an *UnknownError that
// carries the known kinds and, where one is close, a suggestion.
func (p Plan) ParseKind(s string) (Kind, error) {
	l := strings.ToLower(s)
	for _, k := range p.kinds {
		if l == string(k) || l == string(k)+"s" {
			return k, nil
		}
	}
	return "", p.unknownKind(s)
}

// unknownKind is the *UnknownError for a kind named s that p lacks.
func (p Plan) unknownKind(s string) error {
	names := make([]string, len(p.kinds))
	for i, k := range p.kinds {
		names[i] = string(k)
	}
	return &UnknownError{What: "kind", Input: s, Known: names, Suggestion: Closest(strings.ToLower(s), names)}
}

// Closest returns the name in names nearest to s by edit distance, if it is
// near enough to be a typo (at most a third of its letters off, or one):
// "inmial" is close to "inmail", "tema" to "team".
func Closest(s string, names []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestD := "", 0
	for _, n := range names {
		d := editDistance(s, n)
		if best == "" || d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" || bestD > max(1, len(best)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb))
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
