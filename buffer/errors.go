package buffer

import "errors"

// Errors returned by this package. They are sentinels, compared with errors.Is;
// none of them is ever replaced by a panic, whatever n a caller passes.
var (
	// ErrShort is returned by the read methods when fewer bytes are buffered
	// than asked for. Nothing is consumed; the caller may wait and try again.
	ErrShort = errors.New("buffer: not enough bytes buffered")

	// ErrInvalidSize is returned for a negative length, or for a Malloc larger
	// than MaxMalloc.
	ErrInvalidSize = errors.New("buffer: negative or oversized length")

	// ErrClosed is returned by every method of a Linked after Close.
	ErrClosed = errors.New("buffer: use of closed buffer")

	// ErrSliceToSelf is returned by SliceTo when asked to slice a buffer into
	// itself.
	ErrSliceToSelf = errors.New("buffer: SliceTo into the buffer itself")
)
