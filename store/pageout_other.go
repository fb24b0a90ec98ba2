//go:build !linux

package store

// pager is a no-op off Linux: MADV_PAGEOUT is Linux's.
type pager struct{}

func startPageout(string, bool) *pager { return nil }

// Stop does nothing.
func (*pager) Stop() {}
