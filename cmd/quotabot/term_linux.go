//go:build linux

package main

import (
	"syscall"
	"unsafe"
)

// fdIsTerminal asks the terminal driver for fd's settings, as
// golang.org/x/term's IsTerminal does: only a terminal has them.
func fdIsTerminal(fd uintptr) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
