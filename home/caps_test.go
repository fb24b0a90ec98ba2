package home_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quotabot/quotabot/quota"
	"github.com/quotabot/quotabot/store"
)

// TestHeldBack: an admin's team section flags who is paused and who is
// capped, and a paused member's own home says so once, above every kind.
func TestHeldBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "UADMIN")
	e.log("U2", quota.Message, 5, "")
	e.log("U3", "invite", 12, "")
	if _, err := e.ledger.Pause(context.Background(), store.PauseRequest{Member: "U2", Reason: "warned", By: "UADMIN"}); err != nil {
		t.Fatal(err)
	}
	capInvites(t, e, "U3", 10)

	team := e.publish("UADMIN").text()
	for _, want := range []string{"<@U2> :double_vertical_bar: *paused*", "<@U3> · messages 0/100 today, 0/1,500 this month · invitations :lock: capped *12/10 in the last 7 days (2 over)*"} {
		if !strings.Contains(team, want) {
			t.Errorf("the admin's team section lacks %q:\n%s", want, team)
		}
	}
	own := e.publish("U2").text()
	if n := strings.Count(own, "Paused by <@UADMIN>"); n != 1 {
		t.Errorf("U2's home says the pause %d times, want once:\n%s", n, own)
	}
}
