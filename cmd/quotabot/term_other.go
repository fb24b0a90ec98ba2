//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// fdIsTerminal cannot tell here; the console then stays quiet, as for a
// pipe.
func fdIsTerminal(fd uintptr) bool { return false }
