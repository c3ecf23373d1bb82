package frame

import (
	"errors"
	"fmt"

	"github.com/ringwire/ringwire/buffer"
)

var (
	// ErrTooLarge is the Kind of an Error for a frame past one of its Limits.
	ErrTooLarge = errors.New("frame: over a limit")

	// ErrMalformed is the Kind of an Error for a frame that breaks its
	// format.
	ErrMalformed = errors.New("frame: malformed")

	// ErrUnsupported is the Kind of an Error for a frame that is well
	// formed but uses what this package does not implement, such as the
	// HMAC transform.
	ErrUnsupported = errors.New("frame: unsupported")

	// ErrChecksum is the Kind of an Error for a payload whose checksum
	// header does not match it.
	ErrChecksum = errors.New("frame: checksum mismatch")

	// ErrHeaderFlushed is returned by End when it can tell that the
	// frame's reserved header was flushed before the payload was complete,
	// so that its length can no longer be filled in: when fewer bytes were
	// written after the Flush than before it, and always for a THeaderWriter
	// with transforms. Otherwise a Flush between Begin and End goes unseen
	// and the frame goes out with a zero length: the writers' contract
	// forbids it.
	ErrHeaderFlushed = errors.New("frame: buffer flushed between Begin and End")

	// ErrFrameOpen is returned by a frame writer's Begin before the End of
	// the frame it began last. A frame abandoned after Begin has left its
	// header on the buffer, with no length: the buffer's content is no
	// longer a stream of frames, and the writer needs End (or a new buffer).
	ErrFrameOpen = errors.New("frame: Begin before End of the previous frame")
)

// An Error is a frame that breaks its format or a limit: what, and where.
type Error struct {
	Format string // "Framed", "TTHeader", "THeader", "MeshHeader"; a transform's name for Untransform's errors
	Offset int    // from the frame's first byte (0 for a transform's errors)
	Kind   error  // ErrTooLarge, ErrMalformed, ErrUnsupported or ErrChecksum
	What   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("frame: %s at offset %d: %s", e.Format, e.Offset, e.What)
}

func (e *Error) Unwrap() error { return e.Kind }

func tooLarge(format string, off int, what string, args ...any) error {
	return &Error{Format: format, Offset: off, Kind: ErrTooLarge, What: fmt.Sprintf(what, args...)}
}

func malformed(format string, off int, what string, args ...any) error {
	return &Error{Format: format, Offset: off, Kind: ErrMalformed, What: fmt.Sprintf(what, args...)}
}

// A NeedError says the input is the start of a frame: Need bytes in all are
// needed to go on. It is buffer.ErrShort to errors.Is, as a buffer's own
// shortfall is.
type NeedError struct {
	Need int
}

func (e *NeedError) Error() string { return fmt.Sprintf("frame: need %d bytes", e.Need) }

func (e *NeedError) Is(target error) bool { return target == buffer.ErrShort }
