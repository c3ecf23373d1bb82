package codec

import (
	"fmt"
	"math"
	"reflect"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// Encoding is two walks: size checks the value (required fields set, lengths
// that fit) and measures it, then append writes it into exactly that room,
// trusting what size checked. So append returns no error, and the caller
// grows its buffer once.

func sizeStruct[W wire](w W, p unsafex.Pointer, si *structInfo) (int, error) {
	n, last := 1, int16(0) // the stop
	if si.unknown >= 0 {
		n += len(*unsafex.As[[]byte](p.Add(uintptr(si.unknown))))
	}
	set := 0
	for i := range si.fields {
		f := &si.fields[i]
		fp := p.Add(f.offset)
		if isNil(fp, f.typ) {
			if f.required {
				return 0, wrap(ErrRequired, f.name)
			}
			if f.optional {
				continue
			}
		}
		if si.union && !isZero(fp, f.typ) {
			if set++; set > 1 {
				return 0, wrap(ErrUnion, f.name)
			}
		}
		if f.typ.wire == tw.Bool {
			n += w.sizeFieldBool(f.id, last)
			last = f.id
			continue
		}
		m, err := sizeValue(w, fp, f.typ)
		if err != nil {
			return 0, wrap(err, f.name)
		}
		n += w.sizeFieldBegin(f.id, last) + m
		last = f.id
	}
	return n, nil
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
	}
	return false
}

func sizeValue[W wire](w W, p unsafex.Pointer, ti *typeInfo) (int, error) {
	switch ti.kind {
	case kBool, kI8:
		return 1, nil
	case kI16:
		return w.sizeI16(*unsafex.As[int16](p)), nil
	case kI32:
		return w.sizeI32(*unsafex.As[int32](p)), nil
	case kEnum64:
		v := *unsafex.As[int64](p)
		if v != int64(int32(v)) {
			return 0, fmt.Errorf("%w: enum value %d does not fit an i32", ErrTooLong, v)
		}
		return w.sizeI32(int32(v)), nil
	case kI64:
		return w.sizeI64(*unsafex.As[int64](p)), nil
	case kDouble:
		return 8, nil
	case kString:
		return sizeBytes(w, len(*unsafex.As[string](p)))
	case kBinary:
		return sizeBytes(w, len(*unsafex.As[[]byte](p)))
	case kUUID:
		return 16, nil
	case kStruct:
		return sizeStruct(w, p, ti.st)
	case kPtr:
		q := p.Load()
		if q.IsNil() {
			// A nil pointer where a value must go (a list element or a
			// required field's struct): the zero value goes.
			return sizeZero(w, ti.elem)
		}
		return sizeValue(w, q, ti.elem)
	case kList:
		data, n := p.Slice()
		if n > math.MaxInt32 {
			return 0, fmt.Errorf("%w: %d elements", ErrTooLong, n)
		}
		size := w.sizeListBegin(n)
		for i := range n {
			m, err := sizeValue(w, data.Add(uintptr(i)*ti.elem.size), ti.elem)
			if err != nil {
				return 0, wrap(err, fmt.Sprintf("[%d]", i))
			}
			size += m
		}
		return size, nil
	case kMap:
		return sizeMap(w, p, ti)
	}
	return 0, fmt.Errorf("%w: kind %d", ErrType, ti.kind)
}

func sizeBytes[W wire](w W, n int) (int, error) {
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLong, n)
	}
	return w.sizeLength(n) + n, nil
}

// sizeZero is the size of ti's zero value.
func sizeZero[W wire](w W, ti *typeInfo) (int, error) {
	if ti.kind == kStruct {
		return 1, nil // a struct with no field set is its stop; required fields make it an error below
	}
	zero := unsafex.New(ti.goTyp)
	return sizeValue(w, zero, ti)
}

func sizeMap[W wire](w W, p unsafex.Pointer, ti *typeInfo) (int, error) {
	if ti.mapFast != 0 {
		return sizeMapFast(w, p, ti, ti.mapFast)
	}
	m := p.Map(ti.goTyp)
	n := m.Len()
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d entries", ErrTooLong, n)
	}
	size := w.sizeMapBegin(n)
	k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
	kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
	for it := m.MapRange(); it.Next(); {
		k.Elem().SetIterKey(it)
		v.Elem().SetIterValue(it)
		a, err := sizeValue(w, kp, ti.key)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		b, err := sizeValue(w, vp, ti.elem)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		size += a + b
	}
	return size, nil
}

func appendStruct[W wire](w W, b []byte, p unsafex.Pointer, si *structInfo) []byte {
	last := int16(0)
	for i := range si.fields {
		f := &si.fields[i]
		fp := p.Add(f.offset)
		if f.optional && isNil(fp, f.typ) {
			continue
		}
		if f.typ.wire == tw.Bool {
			v := false
			if f.typ.kind == kPtr {
				if q := fp.Load(); !q.IsNil() {
					v = *unsafex.As[bool](q)
				}
			} else {
				v = *unsafex.As[bool](fp)
			}
			b = w.appendFieldBool(b, v, f.id, last)
		} else {
			b = appendValue(w, w.appendFieldBegin(b, f.typ.wire, f.id, last), fp, f.typ)
		}
		last = f.id
	}
	if si.unknown >= 0 {
		b = append(b, *unsafex.As[[]byte](p.Add(uintptr(si.unknown)))...)
	}
	return append(b, 0)
}

func appendValue[W wire](w W, b []byte, p unsafex.Pointer, ti *typeInfo) []byte {
	switch ti.kind {
	case kBool:
		return w.appendBool(b, *unsafex.As[bool](p))
	case kI8:
		return append(b, *unsafex.As[byte](p))
	case kI16:
		return w.appendI16(b, *unsafex.As[int16](p))
	case kI32:
		return w.appendI32(b, *unsafex.As[int32](p))
	case kEnum64:
		return w.appendI32(b, int32(*unsafex.As[int64](p)))
	case kI64:
		return w.appendI64(b, *unsafex.As[int64](p))
	case kDouble:
		return w.appendDouble(b, *unsafex.As[float64](p))
	case kString:
		return w.appendString(b, *unsafex.As[string](p))
	case kBinary:
		return w.appendString(b, unsafex.String(*unsafex.As[[]byte](p)))
	case kUUID:
		return append(b, unsafex.As[[16]byte](p)[:]...)
	case kStruct:
		return appendStruct(w, b, p, ti.st)
	case kPtr:
		q := p.Load()
		if q.IsNil() {
			if ti.elem.kind == kStruct {
				return append(b, 0)
			}
			q = unsafex.New(ti.elem.goTyp)
		}
		return appendValue(w, b, q, ti.elem)
	case kList:
		data, n := p.Slice()
		b = w.appendListBegin(b, ti.elem.wire, n)
		for i := range n {
			b = appendValue(w, b, data.Add(uintptr(i)*ti.elem.size), ti.elem)
		}
		return b
	case kMap:
		if ti.mapFast != 0 {
			return appendMapFast(w, b, p, ti, ti.mapFast)
		}
		m := p.Map(ti.goTyp)
		b = w.appendMapBegin(b, ti.key.wire, ti.elem.wire, m.Len())
		k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
		kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
		for it := m.MapRange(); it.Next(); {
			k.Elem().SetIterKey(it)
			v.Elem().SetIterValue(it)
			b = appendValue(w, appendValue(w, b, kp, ti.key), vp, ti.elem)
		}
		return b
	}
	return b
}
