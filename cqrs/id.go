package cqrs

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"
)

// IDGenerator generates UUIDv7 ids (RFC 9562) that are strictly increasing
// for one generator: a 48-bit millisecond timestamp, a 12-bit counter that
// orders ids within a millisecond, and 62 random bits. Time-ordered ids keep
// the stores' id indexes append-friendly. It is safe for concurrent use.
type IDGenerator struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16
	rng    *rand.ChaCha8
	now    func() time.Time
}

// NewIDGenerator returns a generator seeded from crypto/rand that reads the
// time from now (time.Now when nil).
func NewIDGenerator(now func() time.Time) *IDGenerator {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails (Go 1.24+)
	if now == nil {
		now = time.Now
	}
	return &IDGenerator{rng: rand.NewChaCha8(seed), now: now}
}

// New returns the next id in its canonical 36-character form.
func (g *IDGenerator) New() string {
	var b [16]byte
	g.mu.Lock()
	ms := g.now().UnixMilli()
	if ms > g.lastMS {
		g.lastMS = ms
		// Start each millisecond at a random counter in the lower half so
		// ids from different generators interleave but rarely collide.
		g.seq = uint16(g.rng.Uint64() & 0x7ff)
	} else {
		g.seq++
		if g.seq > 0xfff { // counter exhausted: borrow the next millisecond
			g.lastMS++
			g.seq = 0
		}
	}
	ms, seq := g.lastMS, g.seq
	r := g.rng.Uint64()
	g.mu.Unlock()
	fill(&b, ms, seq, r)
	return format(&b)
}

// NewID returns a new random UUIDv7 (time-ordered to the millisecond), e.g.
// for aggregate ids.
func NewID() string {
	var rnd [10]byte
	_, _ = crand.Read(rnd[:]) // crypto/rand.Read never fails (Go 1.24+)
	var b [16]byte
	fill(&b, time.Now().UnixMilli(), binary.BigEndian.Uint16(rnd[:2])&0xfff, binary.BigEndian.Uint64(rnd[2:]))
	return format(&b)
}

func fill(b *[16]byte, ms int64, seq uint16, r uint64) {
	// 48 bits of milliseconds, the version (7) and 12 bits of counter.
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16|0x7000|uint64(seq&0x0fff)) //nolint:gosec // ms ≥ 0 fits in 48 bits until year 10889
	binary.BigEndian.PutUint64(b[8:], r)
	b[8] = b[8]&0x3f | 0x80 // variant 10
}

func format(b *[16]byte) string {
	const hexDigits = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(s[:])
}
