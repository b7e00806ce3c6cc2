package postgres

// ListenerPID returns the backend pid of s's LISTEN connection (0 while
// it is down).
func ListenerPID(s *Store) uint32 { return s.listenPID.Load() }

// SetBeforeCommit makes s's writer call fn between each transaction's last
// statement and its COMMIT (with the append lock held when it appends).
// Call it before the store's first write.
func SetBeforeCommit(s *Store, fn func()) { s.beforeCommit = fn }

// LockAppend is the class id of the append lock (pg_locks.classid).
const LockAppend = lockAppend

// Closing reports whether Close has begun: s refuses new writes.
func Closing(s *Store) bool {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	return s.closed
}
