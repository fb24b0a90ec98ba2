package testutil

import (
	"fmt"
	"io/fs"
	"syscall"
)

func mountTmpfs(dir string, size int64) error {
	return syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size))
}

// unmount detaches the tmpfs even while a store a failed test left open
// still maps its files.
func unmount(dir string) { syscall.Unmount(dir, syscall.MNT_DETACH) }

// allocated is the space a file takes, which for a sparse file is less
// than its size.
func allocated(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return min(st.Blocks*512, info.Size())
	}
	return info.Size()
}
