package codec

import (
	"errors"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Errors an *Error wraps, besides thriftwire's (ErrTruncated, ErrNegative,
// ErrOverflow, ErrType for a bad type id, ErrDepth, ErrVersion).
var (
	// ErrType is a Go type the codec cannot code, or a value that is not
	// a pointer to a struct.
	ErrType = errors.New("codec: unsupported type")

	// ErrTag is a malformed struct tag, or two fields with one id.
	ErrTag = errors.New("codec: bad struct tag")

	// ErrRequired is a required field missing from the input, or nil when
	// encoding.
	ErrRequired = errors.New("codec: required field not set")

	// ErrUnion is a union with more than one field set.
	ErrUnion = errors.New("codec: more than one field of a union set")

	// ErrTooLong is a string, binary or container longer than a limit, or
	// too long for its length field.
	ErrTooLong = errors.New("codec: over a length limit")

	// ErrDepth is a value nested deeper than the limit.
	ErrDepth = tw.ErrDepth
)

// An Error says where in a value coding failed: Path is the Go type and the
// field path to the value (`Medium.Items[3].Name`).
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// wrap prefixes err's path with elem: a field's name or an index.
func wrap(err error, elem string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Path == "" || e.Path[0] == '[' {
			e.Path = elem + e.Path
		} else {
			e.Path = elem + "." + e.Path
		}
		return e
	}
	return &Error{Path: elem, Err: err}
}
