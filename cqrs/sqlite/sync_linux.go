package sqlite

import (
	"os"
	"syscall"
)

// syncFile flushes f's data (and the metadata needed to read it back) to
// stable storage: fdatasync, as SQLite itself uses where it has it.
func syncFile(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
