package blockkit

import (
	"fmt"

	"github.com/quotabot/quotabot/quota"
)

// creditLine is a credit kind's balance under its windows: "`▓▓▓░░░░░░░`
// 48 of 150 credits banked · 50 more <date>", and what the bank's cap
// would take of that grant when it would.
func creditLine(k quota.Kind, b quota.CreditBalance) string {
	s := "`" + barOf(max(b.Balance, 0), b.Credits.Cap, creditStanding(b)) + "` " +
		banked(b, " "+k.Noun(1)+" credits")
	if b.Renewal > 0 {
		s += " · " + quota.FormatCount(b.Renewal) + " more " + DateToken(b.RenewsAt())
	} else {
		s += " · renews " + DateToken(b.RenewsAt()) + ", none added: the bank is full"
	}
	if b.LostAtRenewal > 0 {
		s += "\n:hourglass: " + quota.FormatCount(b.LostAtRenewal) + " would be lost to the cap of " +
			quota.FormatCount(b.Credits.Cap) + " then: spend them before " + DateToken(b.RenewsAt()) + "."
	}
	return s
}

// banked is "48 of 150 banked", with what between the counts and
// "banked"; or, for a balance a refund took above the cap, "160 banked,
// above the cap of 150": the cap bounds what a renewal banks, not what
// is given back.
func banked(b quota.CreditBalance, what string) string {
	if b.Balance > b.Credits.Cap {
		return quota.FormatCount(b.Balance) + what + " banked, above the cap of " + quota.FormatCount(b.Credits.Cap)
	}
	return quota.FormatCount(max(b.Balance, 0)) + " of " + quota.FormatCount(b.Credits.Cap) + what + " banked"
}

// creditText is creditLine in words, for the plain-text fallback.
func creditText(k quota.Kind, b quota.CreditBalance) string {
	s := UpperFirst(k.Noun(1)) + " credits: " + banked(b, "")
	if b.Renewal > 0 {
		s += fmt.Sprintf("; %s more on %s", quota.FormatCount(b.Renewal), PlainDate(b.RenewsAt()))
	} else {
		s += fmt.Sprintf("; renews on %s, none added: the bank is full", PlainDate(b.RenewsAt()))
	}
	if b.LostAtRenewal > 0 {
		s += fmt.Sprintf("; %s would be lost to the cap of %s then", quota.FormatCount(b.LostAtRenewal), quota.FormatCount(b.Credits.Cap))
	}
	return s + "."
}

// creditStanding is how full the bar of a balance is: spent out (or past)
// fills it, as a reached limit does.
func creditStanding(b quota.CreditBalance) quota.Standing {
	if b.Balance <= 0 {
		return quota.Reached
	}
	return quota.Within
}

// creditWarning is the loud line of a balance spent out or spent past, if
// it is: a send past the balance was recorded (it happened), and the
// member reads by how much.
func creditWarning(k quota.Kind, b quota.CreditBalance) *warning {
	noun, when := k.Noun(1), b.RenewsAt()
	more := quota.FormatCount(b.Renewal)
	switch {
	case b.Balance < 0:
		over := quota.FormatCount(-b.Balance)
		return &warning{
			mrkdwn: fmt.Sprintf(":rotating_light: *Past your %s credits by %s.* %s more come %s.", noun, over, more, DateToken(when)),
			text:   fmt.Sprintf("Past your %s credits by %s: %s more come on %s.", noun, over, more, PlainDate(when)),
		}
	case b.Balance == 0:
		return &warning{
			mrkdwn: fmt.Sprintf(":no_entry: *No %s credits left.* %s more come %s.", noun, more, DateToken(when)),
			text:   fmt.Sprintf("No %s credits left: %s more come on %s.", noun, more, PlainDate(when)),
		}
	}
	return nil
}

// EntryWhat is what an entry logged, as history and the Home list it:
// "3 InMails", or for a refund "1 InMail credit given back".
func EntryWhat(e quota.Entry) string {
	if e.Refund {
		return CreditCount(e.Kind, e.Count) + " given back"
	}
	return fmt.Sprintf("%s %s", quota.FormatCount(e.Count), e.Kind.Noun(e.Count))
}

// CreditCount is n credits of kind k in words: "1 InMail credit", "2
// InMail credits".
func CreditCount(k quota.Kind, n int) string {
	noun := "credits"
	if n == 1 {
		noun = "credit"
	}
	return quota.FormatCount(n) + " " + k.Noun(1) + " " + noun
}
