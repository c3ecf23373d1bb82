package buffer

// Reader is the read side of a buffer: what codecs and handlers consume.
//
// Memory returned by Next and Peek is borrowed from the buffer: it stays valid
// and unchanged until the next call to Release (or Close) on the same Reader,
// and must not be written to.
type Reader interface {
	// Next returns the next n bytes and consumes them. The result is a view into
	// the buffer when the bytes sit in one node and a single copy when they
	// span nodes. It returns ErrShort, consuming nothing, when fewer than n
	// bytes are buffered.
	Next(n int) ([]byte, error)

	// Peek returns the next n bytes without consuming them, on the same terms
	// as Next.
	Peek(n int) ([]byte, error)

	// Skip consumes n bytes without returning them.
	Skip(n int) error

	// Len reports how many bytes can be read now.
	Len() int

	// Slice consumes the next n bytes and returns them as a new Reader that
	// shares the underlying memory by reference instead of copying it: the
	// zero-copy sub-frame. The new Reader is independent of this one: it stays
	// valid after this Reader is released, and may be used from another
	// goroutine.
	Slice(n int) (Reader, error)

	// Release gives back the memory of everything consumed so far. Slices
	// returned by Next and Peek before the call are invalid after it.
	Release() error
}

// Writer is the write side of a buffer: what encoders fill and connections send.
//
// Nothing written is visible to the reading side until Flush.
type Writer interface {
	// Malloc returns n writable bytes, contiguous, at the end of the buffer.
	// They count as written at once: the caller fills them before the next
	// Flush. The slice is valid until that Flush.
	Malloc(n int) ([]byte, error)

	// Write copies p into the buffer. It is the right call for small payloads.
	Write(p []byte) (int, error)

	// Append links p into the buffer as a node of its own, without copying:
	// the right call for large payloads. The buffer reads p until the last
	// reference to it goes; then it calls release(p) exactly once, if release
	// is not nil. With a nil release, p must stay unchanged for as long as the
	// buffer, or any Slice of it, may read it.
	Append(p []byte, release func([]byte)) error

	// Flush publishes everything written so far to the reading side.
	Flush() error

	// Unflushed reports how many bytes were written since the last Flush.
	Unflushed() int
}

// ReadWriter is both sides of a buffer.
type ReadWriter interface {
	Reader
	Writer
}

// ReadString reads n bytes from r into a new string. Unlike Next, its result
// owns its memory and stays valid after Release.
func ReadString(r Reader, n int) (string, error) {
	p, err := r.Next(n)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// ReadFull reads exactly len(p) bytes from r into p. On ErrShort nothing is
// consumed and p is unchanged.
func ReadFull(r Reader, p []byte) error {
	q, err := r.Next(len(p))
	if err != nil {
		return err
	}
	copy(p, q)
	return nil
}

// WriteString copies s into w without converting it to a []byte first.
func WriteString(w Writer, s string) error {
	p, err := w.Malloc(len(s))
	if err != nil {
		return err
	}
	copy(p, s)
	return nil
}
