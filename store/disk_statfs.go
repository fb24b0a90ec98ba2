//go:build linux || darwin || freebsd

package store

import (
	"io/fs"
	"syscall"
)

// statfsFree returns the bytes free for an unprivileged writer on the disk
// holding dir: blocks held back for root are not counted as room.
func statfsFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	// Bavail is signed on some systems, and below zero when root has
	// eaten into its share.
	avail := int64(st.Bavail)
	if avail <= 0 {
		return 0, nil
	}
	return uint64(avail) * uint64(st.Bsize), nil
}

// allocated returns the space a file takes on disk, which for a sparse
// file is less than its size.
func allocated(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return min(int64(st.Blocks)*512, info.Size())
	}
	return info.Size()
}
