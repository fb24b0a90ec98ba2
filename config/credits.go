package config

import (
	"github.com/goccy/go-yaml/ast"

	"github.com/quotabot/quotabot/quota"
)

// A kind paid for in credits, as LinkedIn's paid plans pay for InMail, is
// written among its windows with three keys of its own:
//
//	inmail: {credits: 50, bank: 150, renews: 1}
//
// credits is the grant each month, bank the most that banks (at least the
// grant), renews the day of the month the grant comes (1 to 31, the 1st
// when left out; a month without that day renews on its last). Windows may
// stand beside them.
const (
	creditGrant = "credits"
	creditBank  = "bank"
	creditDay   = "renews"
)

// creditKeys are the keys of a kind's mapping that are not windows.
var creditKeys = []string{creditGrant, creditBank, creditDay}

const creditExample = "inmail: {credits: 50, bank: 150, renews: 1}"

// credits returns the kind's credits, if it is paid for in them.
func (w windows) credits() (quota.Credits, bool) {
	var c quota.Credits
	has := false
	for k, v := range w {
		switch k.credit {
		case creditGrant:
			c.Grant, has = int(*v), true
		case creditBank:
			c.Cap = int(*v)
		case creditDay:
			c.RenewDay = int(*v)
		}
	}
	if has && c.RenewDay == 0 {
		c.RenewDay = 1
	}
	return c, has
}

// checkCredits refuses credits that cannot work, at the key that says so:
// a bank or a renewal day without credits, no bank, a grant of none, a
// bank below the grant, a day that is no day of a month.
func (w windows) checkCredits(n ast.Node) error {
	at := keyNodes(n)
	got := map[string]int{}
	for k, v := range w {
		if k.credit != "" {
			got[k.credit] = int(*v)
		}
	}
	grant, hasGrant := got[creditGrant]
	bank, hasBank := got[creditBank]
	day, hasDay := got[creditDay]
	switch {
	case !hasGrant && hasBank:
		return errAt(at(creditBank), "a bank without credits: give the monthly grant too, such as %s", creditExample)
	case !hasGrant && hasDay:
		return errAt(at(creditDay), "a renewal day without credits: give the monthly grant too, such as %s", creditExample)
	case !hasGrant:
		return nil
	case grant < 1:
		return errAt(at(creditGrant), "credits %d: a monthly grant is 1 or more; to have none, leave the kind out of the tier", grant)
	case !hasBank:
		return errAt(at(creditGrant), "credits without a bank: give the most that banks, at least the grant, such as %s", creditExample)
	case bank < grant:
		return errAt(at(creditBank), "bank %d is below the monthly grant of %d: the bank holds at least one grant, such as bank: %d", bank, grant, 3*grant)
	case hasDay && (day < 1 || day > 31):
		return errAt(at(creditDay), "renews %d: want the day of the month the credits come, 1 to 31", day)
	}
	return nil
}
