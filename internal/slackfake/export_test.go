package slackfake

import (
	"fmt"
	"testing"
)

// WaitPongs waits until the clients answered n of the fake's pings, so tests
// can let time pass by counting pings instead of sleeping.
func (s *Server) WaitPongs(t testing.TB, n int) {
	t.Helper()
	s.wait(t, fmt.Sprintf("%d pongs", n), func() bool { return s.pongs >= n })
}
