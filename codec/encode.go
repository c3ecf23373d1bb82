package codec

import (
	"github.com/ringwire/ringwire/internal/unsafex"
)

// Encoding is two walks: size checks the value (required fields set, lengths
// that fit) and measures it, then append writes it into exactly that room,
// trusting what size checked. So append returns no error, and the caller
// grows its buffer once.

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
