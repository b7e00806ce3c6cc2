package sqlite

// WriterDSN exposes the writer's connection settings to the benchmarks, so
// the raw-SQL baselines run with exactly the same database configuration.
var WriterDSN = func(path string, d Durability) string { return writerDSN(path, d) }
