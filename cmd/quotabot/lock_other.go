//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// dirLocked cannot tell on this system; opening the store still refuses a
// directory in use, with store.ErrLocked.
func dirLocked(dir string) bool { return false }
