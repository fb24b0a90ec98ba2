package quota

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind is a sort of send that has limits: "message", "inmail", or one the
// config adds, such as "invite". Get one from [Plan.ParseKind].
type Kind string

// The kinds every plan knows.
const (
	Message Kind = "message"
	InMail  Kind = "inmail"
)

// Noun returns how a count of k reads: "1 message", "5 InMails".
func (k Kind) Noun(n int) string {
	name := string(k)
	if k == InMail {
		name = "InMail"
	}
	if n == 1 {
		return name
	}
	return name + "s"
}

// Limit is the most a member may send of one kind in one window.
type Limit struct {
	Window Window
	Max    int
}

// Tier is a kind of account, with its limits per kind.
type Tier struct {
	Name string
	// Limits holds, for each kind the tier can send, one limit per window,
	// shortest window first. A kind not here cannot be sent on this tier.
	Limits map[Kind][]Limit
}

// Has reports whether the tier can send kind k at all.
func (t Tier) Has(k Kind) bool { return len(t.Limits[k]) > 0 }

// Limit returns the tier's limit for k in window w, if it has one.
func (t Tier) Limit(k Kind, w Window) (Limit, bool) {
	for _, l := range t.Limits[k] {
		if l.Window == w {
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

// DefaultTiers returns the built-in tiers: free and premium with the numbers
// from LinkedIn's published limits.
func DefaultTiers() map[string]Tier {
	messages := []Limit{{Day, DefaultMessagesPerDay}, {Month, DefaultMessagesPerMonth}}
	return map[string]Tier{
		"free": {Name: "free", Limits: map[Kind][]Limit{Message: messages}},
		"premium": {Name: "premium", Limits: map[Kind][]Limit{
			Message: slices.Clone(messages),
			InMail:  {{Day, DefaultInMailsPerDay}, {Month, DefaultInMailsPerMonth}},
		}},
	}
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
			sort.Slice(ls, func(i, j int) bool { return ls[i].Window < ls[j].Window })
			for i, l := range ls {
				if l.Window < Day || l.Window > Month {
					return Plan{}, fmt.Errorf("%w: tier %s, kind %s: unknown window %d", ErrInvalidPlan, name, k, l.Window)
				}
				if l.Max < 0 {
					return Plan{}, fmt.Errorf("%w: tier %s, kind %s: %s limit %d is negative", ErrInvalidPlan, name, k, l.Window, l.Max)
				}
				if i > 0 && ls[i-1].Window == l.Window {
					return Plan{}, fmt.Errorf("%w: tier %s, kind %s: two %s limits", ErrInvalidPlan, name, k, l.Window)
				}
			}
			if len(ls) > 0 {
				limits[k] = ls
				seen[k] = true
			}
		}
		t.Limits = limits
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
