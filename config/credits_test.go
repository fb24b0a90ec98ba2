package config_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/quota"
)

// TestParseCredits holds that a kind's credits reach the plan, beside its
// windows or alone, with the 1st as the renewal day when none is given.
func TestParseCredits(t *testing.T) {
	t.Parallel()
	src := `tiers:
  navigator:
    message: {day: 100, month: 1500}
    inmail: {credits: 50, bank: 150, renews: 15}
  scout:
    inmail: {credits: 5, bank: 5, day: 3}
`
	c, err := config.Parse("quotabot.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	nav, scout := c.Plan.Tiers["navigator"], c.Plan.Tiers["scout"]
	if got, want := nav.Credits[quota.InMail], (quota.Credits{Grant: 50, Cap: 150, RenewDay: 15}); got != want {
		t.Errorf("navigator's InMail credits: got %+v, want %+v", got, want)
	}
	if len(nav.Limits[quota.InMail]) != 0 || !nav.Has(quota.InMail) {
		t.Errorf("navigator's InMail: limits %v, has %t; want credits alone", nav.Limits[quota.InMail], nav.Has(quota.InMail))
	}
	if got, want := scout.Credits[quota.InMail], (quota.Credits{Grant: 5, Cap: 5, RenewDay: 1}); got != want {
		t.Errorf("scout's InMail credits: got %+v, want %+v", got, want)
	}
	if got, want := scout.Limits[quota.InMail], []quota.Limit{{Window: quota.Day, Max: 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("scout's InMail windows: got %+v, want %+v", got, want)
	}
	if got := c.Plan.Tiers["sales_navigator"].Credits[quota.InMail]; got != quota.DefaultCredits["sales_navigator"] {
		t.Errorf("the built-in sales_navigator's credits changed: %+v", got)
	}
}

// TestParseCreditsRefuses: every mistake in a credit kind is refused with
// the file, the line, the setting and the fix.
func TestParseCreditsRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		src    string
		line   int
		path   string
		reason string // a part of the reason
	}{
		{"bank without credits", "tiers:\n  gold:\n    inmail:\n      day: 5\n      bank: 150\n", 5, "tiers.gold.inmail.bank", "a bank without credits: give the monthly grant too, such as inmail: {credits: 50, bank: 150, renews: 1}"},
		{"renewal day without credits", "tiers:\n  gold:\n    inmail: {day: 5, renews: 3}\n", 3, "tiers.gold.inmail.renews", "a renewal day without credits"},
		{"credits without a bank", "tiers:\n  gold:\n    inmail:\n      credits: 50\n", 4, "tiers.gold.inmail.credits", "credits without a bank: give the most that banks"},
		{"no credits at all", "tiers:\n  gold:\n    inmail: {credits: 0, bank: 10}\n", 3, "tiers.gold.inmail.credits", "a monthly grant is 1 or more"},
		{"bank below the grant", "tiers:\n  gold:\n    inmail:\n      credits: 50\n      bank: 20\n", 5, "tiers.gold.inmail.bank", "bank 20 is below the monthly grant of 50"},
		{"renewal day past the month", "tiers:\n  gold:\n    inmail: {credits: 5, bank: 15, renews: 32}\n", 3, "tiers.gold.inmail.renews", "renews 32: want the day of the month the credits come, 1 to 31"},
		{"renewal day 0", "tiers:\n  gold:\n    inmail: {credits: 5, bank: 15, renews: 0}\n", 3, "tiers.gold.inmail.renews", "1 to 31"},
		{"credits in words", "tiers:\n  gold:\n    inmail: {credits: fifty, bank: 15}\n", 3, "tiers.gold.inmail.credits", `got "fifty"`},
		{"credits negative", "tiers:\n  gold:\n    inmail: {credits: -5, bank: 15}\n", 3, "tiers.gold.inmail.credits", "limit -5 is negative"},
		{"credit key misspelt", "tiers:\n  gold:\n    inmail: {credit: 5, bank: 15}\n", 3, "tiers.gold.inmail.credit", `did you mean "credits"?`},
		{"credits given twice", "tiers:\n  gold:\n    inmail: {credits: 5, credits: 6, bank: 15}\n", 3, "tiers.gold.inmail.credits", "is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Parse("quotabot.yml", []byte(tc.src))
			if err == nil {
				t.Fatalf("got %+v, want an error", c)
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v, want a *config.Error", err, err)
			}
			if ce.File != "quotabot.yml" || ce.Line != tc.line || ce.Path != tc.path {
				t.Errorf("got file %q, line %d, path %q; want quotabot.yml, line %d, path %q (%v)", ce.File, ce.Line, ce.Path, tc.line, tc.path, err)
			}
			if prefix := fmt.Sprintf("quotabot.yml:%d: %s: ", tc.line, tc.path); !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("got %q, want it to start %q and say %q", err, prefix, tc.reason)
			}
		})
	}
}
