// Package lifo is the reply-buffer free list the single-threaded echo
// servers share: last in, first out, so that the buffer reused next is the
// one most recently written, still in cache.
package lifo

// Buffers is a free list of byte buffers. It is not safe for concurrent use:
// each event loop keeps its own.
type Buffers struct {
	free [][]byte
}

// Get returns an empty buffer, the most recently put one if any.
func (s *Buffers) Get() []byte {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 4096)
}

// Put gives b back; a nil b is ignored.
func (s *Buffers) Put(b []byte) {
	if b != nil {
		s.free = append(s.free, b[:0])
	}
}
