//go:build !quotabench

package main

import "log/slog"

// benchHooks is a no-op in the binary that ships; internal/membench builds
// quotabot with -tags quotabench to get heap profiles out of it.
func benchHooks(func(string) string, *slog.Logger) (stop func()) { return func() {} }
