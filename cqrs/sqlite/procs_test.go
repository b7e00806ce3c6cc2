package sqlite_test

import "runtime"

var runtimeProcs = runtime.GOMAXPROCS(0)
