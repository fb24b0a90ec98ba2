//go:build !(linux || darwin || freebsd)

package store

import (
	"errors"
	"io/fs"
)

// statfsFree cannot read the free space on this system: the full-disk
// guard is off unless Options.DiskFree says.
func statfsFree(dir string) (uint64, error) {
	return 0, errors.New("free space unknown on this system")
}

// allocated returns the file's size: the space it takes is unknown here.
func allocated(info fs.FileInfo) int64 { return info.Size() }
