//go:build !linux

package sqlite

import "os"

// syncFile flushes f to stable storage (F_FULLFSYNC on macOS).
func syncFile(f *os.File) error { return f.Sync() }
