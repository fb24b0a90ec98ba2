package config_test

import (
	"fmt"
	"time"

	"github.com/quotabot/quotabot/config"
	"github.com/quotabot/quotabot/quota"
)

func ExampleParse() {
	cfg, err := config.Parse("quotabot.yml", []byte(`
timezone: Europe/Berlin
tiers:
  sales_navigator:
    message: {day: 150, month: 2500}
    invite: {week: 100}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	invites, _ := cfg.Plan.Tiers["sales_navigator"].Limit("invite", quota.Week)
	fmt.Println(cfg.Timezone, cfg.Plan.TierNames(), invites.Max)

	_, err = config.Parse("quotabot.yml", []byte(`
tiers:
  premium:
    inmail: {day: 20, year: 300}
`))
	fmt.Println(err)
	// Output:
	// Europe/Berlin [business career free premium recruiter_lite sales_navigator] 100
	// quotabot.yml:4: tiers.premium.inmail.year: unknown window "year" (want day, week or month)
}

func ExampleParseSchedule() {
	cfg := config.Default()
	monthly, err := config.ParseSchedule(cfg.Schedule.Monthly.Spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	ny, _ := time.LoadLocation("America/New_York")
	fmt.Println(monthly.Next(time.Date(2026, 11, 26, 12, 0, 0, 0, ny)))
	// Output: 2026-12-01 09:00:00 -0500 EST
}
