package codec

import (
	"fmt"

	"github.com/ringwire/ringwire/internal/unsafex"
)

// Encoding is one walk or two. append checks the value (required fields
// set, lengths that fit Thrift's 32-bit lengths, one field of a union) as
// it writes it, growing its buffer as append does: MarshalAppend into a
// buffer with room is that one walk. size makes the same checks and
// measures, so that Marshal allocates once and Write takes one Malloc of
// exactly the size.

// errLength is a string, binary, list or map too long for Thrift's 32-bit
// lengths: n of what.
func errLength(n int, what string) error {
	return fmt.Errorf("%w: %d %s", ErrTooLong, n, what)
}

// errEnum is an int64 enum value that does not fit the i32 of the wire.
func errEnum(v int64) error {
	return fmt.Errorf("%w: enum value %d does not fit an i32", ErrTooLong, v)
}

// errNilRequired is a nil pointer to a struct with required fields where a
// value must be written: a list element or a map value.
func errNilRequired(ti *typeInfo) error {
	return fmt.Errorf("%w: a nil %v, which has required fields", ErrRequired, ti.goTyp)
}

// isZero reports whether the field at p is unset: nil, or, for a value
// kind, its zero value.
func isZero(p unsafex.Pointer, ti *typeInfo) bool {
	switch ti.kind {
	case kPtr, kList, kMap:
		return isNil(p, ti)
	}
	return p.IsZero(ti.size)
}

// isNil reports whether the field at p is a nil pointer, slice or map.
func isNil(p unsafex.Pointer, ti *typeInfo) bool {
	switch ti.kind {
	case kPtr:
		return p.Load().IsNil()
	case kList:
		data, _ := p.Slice()
		return data.IsNil()
	case kMap:
		return p.Load().IsNil()
	case kBinary:
		data, _ := p.Slice()
		return data.IsNil()
	}
	return false
}

// loadBool returns the bool field at p, false for a nil *bool.
func loadBool(p unsafex.Pointer, ti *typeInfo) bool {
	if ti.kind == kPtr {
		if q := p.Load(); !q.IsNil() {
			return *unsafex.As[bool](q)
		}
		return false
	}
	return *unsafex.As[bool](p)
}

// keyPath is a map key as an error path element: a long string key cut
// short, so that an error about a 2 GiB key does not hold a copy of it.
func keyPath(k any) string {
	if s, ok := k.(string); ok && len(s) > 64 {
		return fmt.Sprintf("[%q...]", s[:64])
	}
	return fmt.Sprintf("[%v]", k)
}
