package commands

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
)

// heldUsers answers users.info only once release is closed.
type heldUsers struct {
	release chan struct{}
	calls   atomic.Int32
}

func (h *heldUsers) GetUserInfoContext(ctx context.Context, id string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	h.calls.Add(1)
	<-h.release
	return &slack.User{ID: id, IsOwner: true}, nil
}

// TestAdminCacheSharesCalls: twenty members asking about the same admin
// while users.info is slow make one call between them, not twenty.
func TestAdminCacheSharesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users := &heldUsers{release: make(chan struct{})}
		c := &adminCache{users: users, ttl: time.Minute, now: time.Now,
			known: map[string]adminAnswer{}, calls: map[string]*adminCall{}}
		var wg sync.WaitGroup
		got := make([]bool, 20)
		for i := range got {
			wg.Go(func() {
				admin, err := c.isAdmin(context.Background(), "UOWNER")
				got[i] = admin && err == nil
			})
		}
		synctest.Wait() // all twenty are waiting: one in users.info, the rest on it
		if n := users.calls.Load(); n != 1 {
			t.Errorf("got %d users.info calls in flight, want 1", n)
		}
		close(users.release)
		wg.Wait()
		for i, ok := range got {
			if !ok {
				t.Errorf("asker %d: got not admin or an error, want admin", i)
			}
		}
	})
}
