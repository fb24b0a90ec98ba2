package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/quotabot/quotabot/internal/slackretry"
	"github.com/quotabot/quotabot/store"
)

// The outbox: one record in the ledger per post ([store.PostRecord]),
// named by the post's key: "daily/2026-11-26", "monthly/2026-11" or, for a
// near-limit direct message, "dm/2026-11/U123/message". Its state is one of
//
//	Posting     a post was about to go out, or may have gone out, since Since
//	Posted      Slack took it; TS is its message timestamp
//	PostFailed  the last attempt certainly did not post, for Reason
//
// Posting is written, durably, before every call that may post, and Posted
// after Slack answers ok. A process that dies in between leaves Posting;
// PostFailed is written when Slack's answer proves nothing was posted (a
// 429, or ok:false), so that the next attempt needs no lookup.

// metadataType is the event_type of the metadata every post carries, with
// the outbox key in its payload, so that a post can be found again in the
// channel's history.
const metadataType = "quotabot_scheduled_post"

// How far back, before the Posting record was written, a history lookup
// starts: room for the difference between our clock and Slack's.
const historySkew = 10 * time.Minute

// At most this many pages of 200 messages are read when looking for a post.
const maxHistoryPages = 10

func postKey(name string, p interface{ Key() string }) string { return name + "/" + p.Key() }

func (s *Scheduler) readState(ctx context.Context, key string) (store.PostRecord, error) {
	return s.ledger.Post(ctx, key)
}

func (s *Scheduler) setState(ctx context.Context, key string, r store.PostRecord) error {
	// A record says what already happened at Slack, so it is written
	// even when the job is being stopped.
	return s.ledger.SetPost(context.WithoutCancel(ctx), key, r)
}

// message is a post ready to go out.
type message struct {
	key    string // outbox key
	text   string // the notification text and the fallback for blocks
	blocks []slack.Block
	// channel is where it goes; for a direct message it is empty and user
	// names the member, whose DM channel is opened first.
	channel string
	user    string
}

// Retry policy: internal/slackretry's background policy (a 429 waits what
// Retry-After says; a timeout, a network error or a 5xx backs off
// exponentially; at most slackretry.Background.Attempts calls), except that
// a channel the bot cannot post to waits longer, since it needs a person
// to act.
const (
	maxChannelAttempts  = 6
	firstChannelBackoff = 5 * time.Minute
	maxChannelBackoff   = time.Hour
)

// failure is how an attempt went wrong, and what follows from it.
type failure int

const (
	failTransient failure = iota // try again; the post may have gone out
	failBusy                     // Slack said 429 or had trouble: try again; nothing posted
	failChannel                  // the channel refuses the bot; nothing posted
	failPermanent                // trying again cannot help; nothing posted
)

// Slack errors (ok:false) that mean the channel, not the message, is the
// problem: a person must invite the bot or fix the config.
var channelErrors = map[string]bool{
	"not_in_channel":    true,
	"channel_not_found": true,
	"is_archived":       true,
	"restricted_action": true,
}

// classify says what err means for the post: slackretry's class, but for
// the channel errors.
func classify(err error) failure {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && channelErrors[se.Err] {
		return failChannel
	}
	switch slackretry.Classify(err) {
	case slackretry.Permanent:
		return failPermanent
	case slackretry.RateLimited, slackretry.Busy:
		return failBusy
	}
	// Unknown: the request may have reached Slack.
	return failTransient
}

// deliver posts m exactly once, whatever happened to earlier attempts: it
// returns nil once the outbox says posted. It retries with backoff within
// one call, up to a cap; past that it returns the last error and the post
// stays owed, for the next firing or the next start.
//
// When an earlier attempt was interrupted (the record says Posting: the
// process died, or a call timed out, between the record and Slack's answer),
// deliver first looks for the post in the channel's history: every post
// carries message metadata with its outbox key, and conversations.history
// returns metadata when asked. Found, it is recorded as posted and not sent
// again. Not found, it is sent. chat.postMessage has no idempotency key
// (client_msg_id is set by Slack's own clients and not honoured for bots),
// so this lookup is the only way to know.
//
// If the lookup itself is refused (the app lacks channels:history,
// groups:history or im:history, or the channel is gone), deliver posts
// anyway and logs a warning: a post twice, in the rare case of a crash in a
// window of milliseconds, is visible and harmless, while a post never sent
// is a silent loss, and docs/ARCHITECTURE.md promises posts are never dropped. A lookup
// that fails for a passing reason (a 429, a timeout) is retried instead.
func (s *Scheduler) deliver(ctx context.Context, m *message) error {
	st, err := s.readState(ctx, m.key)
	if err != nil {
		return err
	}
	if st.State == store.Posted {
		return nil
	}
	uncertain, since := st.State == store.Posting, st.Since
	var (
		lastErr  error
		channels int // channel failures so far
	)
	for attempt := 0; attempt < slackretry.Background.Attempts; attempt++ {
		if err := ctx.Err(); err != nil {
			// Being stopped: start nothing new.
			return s.giveUp(ctx, m, uncertain, err)
		}
		if attempt > 0 {
			wait := s.backoff(lastErr, attempt, channels)
			if err := s.sleep(ctx, wait); err != nil {
				return s.giveUp(ctx, m, uncertain, fmt.Errorf("%w (last error: %v)", err, lastErr))
			}
		}
		if m.user != "" && m.channel == "" {
			ch, err := s.openDM(ctx, m.user)
			if err != nil {
				lastErr = fmt.Errorf("open a direct message to %s: %w", m.user, err)
				if classify(err) == failPermanent {
					return s.giveUp(ctx, m, uncertain, lastErr)
				}
				continue
			}
			m.channel = ch.ID
		}
		if uncertain {
			switch found, err := s.lookBack(ctx, m, since); found {
			case lookRecorded:
				return err
			case lookAgain:
				lastErr = err
				continue
			}
		}
		if !uncertain {
			since = s.now()
			if err := s.setState(ctx, m.key, store.PostRecord{State: store.Posting, Since: since}); err != nil {
				return fmt.Errorf("post %s: %w", m.key, err)
			}
			uncertain = true
		}
		ts, err := s.post(ctx, m)
		if err == nil {
			s.log.Info("posted", "post", m.key, "channel", m.channel, "ts", ts)
			if err := s.setState(ctx, m.key, store.PostRecord{State: store.Posted, TS: ts}); err != nil {
				// Slack has it; the next attempt will find it in the
				// history and record it then.
				return fmt.Errorf("post %s went out as %s but was not recorded: %w", m.key, ts, err)
			}
			return nil
		}
		lastErr = err
		if classify(err) != failTransient {
			// Slack answered, so nothing was posted: no lookup needed
			// before the next attempt.
			uncertain = false
		}
		if !s.postFailed(m, err, attempt, &channels) {
			return s.giveUp(ctx, m, uncertain, err)
		}
	}
	return s.giveUp(ctx, m, uncertain, lastErr)
}

// What deliver's look for an interrupted post found.
type lookOutcome int

const (
	lookNotFound lookOutcome = iota // not there, or not to be known: post it
	lookRecorded                    // it had gone out, and is recorded
	lookAgain                       // the lookup failed for a passing reason
)

// lookBack looks for an interrupted post in its channel's history since
// the time its Posting record gives, and records it if found. The error is
// the recording's (lookRecorded) or the lookup's (lookAgain).
func (s *Scheduler) lookBack(ctx context.Context, m *message, since time.Time) (lookOutcome, error) {
	ts, found, err := s.findPost(ctx, m.channel, m.key, since)
	switch f := classify(err); {
	case err == nil && found:
		s.log.Info("an interrupted post had gone out; recording it", "post", m.key, "ts", ts)
		return lookRecorded, s.setState(ctx, m.key, store.PostRecord{State: store.Posted, TS: ts})
	case err == nil:
		// Not there: it never went out.
		return lookNotFound, nil
	case f == failPermanent || f == failChannel:
		s.log.Warn("cannot check whether an interrupted post went out; posting it again, so it may appear twice",
			"post", m.key, "channel", m.channel, "err", err,
			"fix", "give the app the channels:history, groups:history and im:history scopes")
		return lookNotFound, nil
	}
	return lookAgain, fmt.Errorf("look for an interrupted post: %w", err)
}

// postFailed logs a post Slack did not take, attempt number attempt
// (from 0), and says whether to try it again. channels counts the
// failures for the channel.
func (s *Scheduler) postFailed(m *message, err error, attempt int, channels *int) bool {
	switch classify(err) {
	case failChannel:
		*channels++
		s.log.Error("cannot post to the channel: invite the bot", "post", m.key, "channel", m.channel, "err", err,
			"fix", fmt.Sprintf("invite the bot to the channel: type /invite @quotabot in <#%s>, or set `channel` in the config to a channel the bot is in", m.channel))
		return *channels < maxChannelAttempts
	case failPermanent:
		return false
	}
	s.log.Warn("post failed; trying again", "post", m.key, "attempt", attempt+1, "err", err)
	return true
}

// giveUp ends deliver for now. When the last attempt certainly did not
// post, the record says PostFailed so that the next try needs no lookup;
// when it may have, Posting stays.
func (s *Scheduler) giveUp(ctx context.Context, m *message, uncertain bool, err error) error {
	if !uncertain {
		if serr := s.setState(ctx, m.key, store.PostRecord{State: store.PostFailed, Reason: oneLine(err.Error())}); serr != nil {
			s.log.Error("outbox record not written", "post", m.key, "err", serr)
		}
	}
	return fmt.Errorf("post %s: %w", m.key, err)
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// backoff is the wait before attempt number attempt (1 for the first retry).
func (s *Scheduler) backoff(lastErr error, attempt, channels int) time.Duration {
	if classify(lastErr) == failChannel {
		return min(firstChannelBackoff<<(max(channels, 1)-1), maxChannelBackoff)
	}
	if wait, ok := slackretry.Wait(lastErr, attempt); ok {
		return wait
	}
	// Not reached: deliver gives up on what Slack would refuse again.
	// Should that change, back off all the same.
	return slackretry.Backoff(attempt)
}

// callCtx bounds one Web API call. It does not end when the job is being
// stopped: a post on its way should finish, so that its outcome is known.
func (s *Scheduler) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.postTimeout)
}

func (s *Scheduler) post(ctx context.Context, m *message) (string, error) {
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.text, false),
		slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType:    metadataType,
			EventPayload: map[string]any{"key": m.key},
		}),
	}
	if len(m.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.blocks...))
	}
	c, cancel := s.callCtx(ctx)
	defer cancel()
	_, ts, err := s.poster.PostMessageContext(c, m.channel, opts...)
	return ts, err
}

func (s *Scheduler) openDM(ctx context.Context, user string) (*slack.Channel, error) {
	c, cancel := s.callCtx(ctx)
	defer cancel()
	ch, _, _, err := s.poster.OpenConversationContext(c, &slack.OpenConversationParameters{Users: []string{user}})
	return ch, err
}

func (s *Scheduler) history(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	c, cancel := s.callCtx(ctx)
	defer cancel()
	return s.poster.GetConversationHistoryContext(c, params)
}

// findPost looks for the post with key in channel's history since the
// given time (less historySkew), newest first.
func (s *Scheduler) findPost(ctx context.Context, channel, key string, since time.Time) (string, bool, error) {
	params := &slack.GetConversationHistoryParameters{
		ChannelID:          channel,
		Limit:              200,
		IncludeAllMetadata: true,
	}
	if !since.IsZero() {
		from := since.Add(-historySkew)
		params.Oldest = fmt.Sprintf("%d.%06d", from.Unix(), from.Nanosecond()/1000)
	}
	for range maxHistoryPages {
		resp, err := s.history(ctx, params)
		if err != nil {
			return "", false, err
		}
		for _, msg := range resp.Messages {
			if msg.Metadata.EventType == metadataType && fmt.Sprint(msg.Metadata.EventPayload["key"]) == key {
				return msg.Timestamp, true, nil
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return "", false, nil
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
	// Too busy a channel to read back to the record: say so as a refusal,
	// which posts (see deliver).
	return "", false, slack.SlackErrorResponse{Err: "history_too_long"}
}
