//go:build !linux

package testutil

import (
	"errors"
	"io/fs"
)

func mountTmpfs(dir string, size int64) error {
	return errors.New("tmpfs is mounted only on Linux")
}

func unmount(dir string) {}

func allocated(info fs.FileInfo) int64 { return info.Size() }
