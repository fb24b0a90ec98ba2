// Package slackfake is an in-process fake of Slack's Web API and Socket Mode,
// served by net/http/httptest, for tests that drive slack-go's real clients
// (github.com/slack-go/slack and its socketmode package, v0.35.0) without the
// internet.
//
// # Web API
//
// Point a real client at the fake:
//
//	fake := slackfake.New(t)
//	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()),
//		slack.OptionAppLevelToken("xapp-test"))
//
// or, for a whole process, set SLACK_API_URL to fake.APIURL(). The fake serves
// auth.test, apps.connections.open, chat.postMessage, chat.postEphemeral,
// chat.update, views.publish, users.info, conversations.join and
// conversations.info (channels added with [Server.SetChannel]) with the JSON
// Slack answers, and reports the bot's granted scopes in every answer's
// X-OAuth-Scopes header ([DefaultScopes], manifest.yml's, or [Server.SetScopes]); any other method answers ok:false "unknown_method" unless a
// test adds it with [Server.Handle]. Every call is recorded, in order, and can
// be read with [Server.Calls] or awaited with [Server.WaitCalls]:
//
//	calls := fake.WaitCalls(t, "chat.postMessage", 1)
//	if got := calls[0].Form.Get("channel"); got != "C1" { … }
//
// slack-go sends most methods form-encoded with the token as a "token" form
// field, and JSON methods (views.*, apps.connections.open) with an
// "Authorization: Bearer" header; the fake accepts either, records the token in
// [Call].Token, and answers "not_authed" when there is none. Methods other than
// auth.test refuse an app-level (xapp-) token and apps.connections.open needs
// one, with "not_allowed_token_type", as Slack does.
//
// The fake checks what Slack checks and a bot gets wrong: a message needs a
// channel and text or blocks, blocks obey Block Kit's limits (50 per message,
// 100 per view, section text up to 3,000 characters, at most 10 fields, a header
// up to 150, unique block_ids), chat.update needs a message the fake posted, and
// views.publish honours hash (answering "hash_conflict"). [ValidateMessage]
// applies the same rules to a message a test holds, such as an ack's payload.
//
// Failures are queued per method with [Server.Fail]: {Status: 429, RetryAfter: 1}
// answers HTTP 429 with a Retry-After header, which slack-go turns into
// *slack.RateLimitedError; {Error: "not_in_channel"} answers HTTP 200 with
// ok:false, which slack-go turns into slack.SlackErrorResponse. Each queued
// failure answers exactly one call, in the order queued.
//
// [Server.ResponseURL] hands out response_url addresses whose posts are
// recorded as method "response_url"; like Slack, each takes at most 5 posts.
//
// # Socket Mode
//
// apps.connections.open answers with a ws:// URL of the same server, carrying a
// one-time ticket. On connect the fake sends Slack's hello (num_connections,
// debug_info, connection_info), then a WebSocket ping at once and every ping
// interval (one second, see [WithPingInterval]). The pings matter: slack-go's
// socketmode client never pings; it waits for Slack's pings and reconnects
// when none arrived within its own interval (30 seconds by default).
//
//	client := socketmode.New(api)
//	go client.RunContext(ctx)             // and drain client.Events!
//	fake.WaitConnected(t)
//	fake.Send(t, "slash_commands", "env-1", slack.SlashCommand{Command: "/quota"})
//	payload := fake.WaitAck(t, "env-1")   // what the client passed to Ack
//
// [Server.Drop] cuts the connection without a close frame, [Server.Disconnect]
// sends Slack's routine {"type":"disconnect","reason":"refresh_requested"};
// either way slack-go opens a new connection by itself, which
// [Server.WaitConnections] awaits. [Server.SetAuthError] makes
// apps.connections.open (and auth.test) fail, after which socketmode's
// RunContext returns the error.
//
// Things about slack-go v0.35.0 that tests must know:
//
//   - The socketmode client emits, per connection, EventTypeConnecting,
//     EventTypeConnected and then EventTypeHello (when the hello arrives).
//     Slack's disconnect message is never emitted as an event: the client just
//     reconnects, and the consumer sees Connecting/Connected/Hello again. A
//     dropped connection may add an EventTypeIncomingError first.
//   - Client.Events must be drained: the client blocks on it, stops reading
//     the socket, misses pings and reconnects after its ping interval.
//   - RunContext returns on invalid_auth, account_inactive, not_authed and
//     token_revoked from apps.connections.open, without an EventTypeInvalidAuth
//     (that event is sent only on HTTP 404); other failures are retried with
//     backoff, a 429 after its Retry-After.
//   - Ack writes {"envelope_id":…,"payload":…} as one text frame, omitting
//     payload when it is nil; an ack of 20 KB or more is refused by Ack itself
//     (Slack drops such frames, and so does this fake).
//
// Envelopes go to the newest connection that is open; Send waits for one when
// there is none (after Drop or Disconnect, until the client is back). The fake
// does not redeliver envelopes that were not acked; send one again with
// [Server.SendEnvelope] and a RetryAttempt to test redelivery.
//
// The Wait and Send methods fail the test through t.Fatalf after a generous
// timeout (10 seconds, see [WithWaitTimeout]), so call them from the test's own
// goroutine. They wait on the fake's events, never by polling. Stop socketmode
// clients before the test ends (cancel their context in a t.Cleanup registered
// after New), or they keep retrying against the closed server.
package slackfake
