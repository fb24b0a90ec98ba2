package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quotabot/quotabot/internal/slackretry"
)

// DefaultAdminTTL is how long a users.info answer is trusted. users.info is
// a Tier 4 method (about 100 calls a minute); a team whose admins set tiers
// all morning asks once per admin per TTL. Demoting an admin in Slack takes
// effect here within the TTL.
const DefaultAdminTTL = 10 * time.Minute

// adminCache answers "is this user a workspace admin or owner?" from
// users.info, remembering answers for a TTL, sharing one call among callers
// asking about the same user at once, and asking nothing while Slack has
// said to back off (429 with Retry-After, as slackretry.RetryAfter bounds
// it).
type adminCache struct {
	users Users
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	known   map[string]adminAnswer
	calls   map[string]*adminCall
	backoff time.Time // no users.info before this
}

type adminAnswer struct {
	admin bool
	until time.Time
}

type adminCall struct {
	done  chan struct{}
	admin bool
	err   error
}

// pruneAt bounds the cache: past this many users, expired answers go.
const pruneAt = 4096

func (c *adminCache) isAdmin(ctx context.Context, user string) (bool, error) {
	c.mu.Lock()
	now := c.now()
	if a, ok := c.known[user]; ok && now.Before(a.until) {
		c.mu.Unlock()
		return a.admin, nil
	}
	if now.Before(c.backoff) {
		until := c.backoff
		c.mu.Unlock()
		return false, fmt.Errorf("users.info %s: %w: rate limited until %s", user, ErrAdminCheck, until.Format(time.RFC3339))
	}
	if call, ok := c.calls[user]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.admin, call.err
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	call := &adminCall{done: make(chan struct{})}
	c.calls[user] = call
	c.mu.Unlock()

	u, err := c.users.GetUserInfoContext(ctx, user)

	c.mu.Lock()
	delete(c.calls, user)
	if err == nil && u == nil {
		err = errors.New("no user in the answer")
	}
	if err == nil {
		call.admin = u.IsAdmin || u.IsOwner || u.IsPrimaryOwner
		if len(c.known) >= pruneAt {
			for id, a := range c.known {
				if !now.Before(a.until) {
					delete(c.known, id)
				}
			}
		}
		c.known[user] = adminAnswer{admin: call.admin, until: c.now().Add(c.ttl)}
	} else {
		if d, limited := slackretry.RetryAfter(err); limited {
			c.backoff = c.now().Add(d)
		}
		call.err = fmt.Errorf("users.info %s: %w: %w", user, ErrAdminCheck, err)
	}
	c.mu.Unlock()
	close(call.done)
	return call.admin, call.err
}
