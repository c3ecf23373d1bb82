//go:build ignore

// The walkers that encode, size and decode a value, written once for a
// protocol "wireT": internal/tools/genwalk makes walk_binary.go and
// walk_compact.go from this file, wireT becoming binaryWire and compactWire
// and the _T suffix of every name Binary and Compact. (Generic functions
// over the protocol would be one file, but Go compiles them to call the
// protocol's methods through a dictionary, indirectly and never inlined:
// measured here, every primitive an indirect CALL.)

package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

type wireT = binaryWire // what genwalk replaces; so that this file type-checks as the binary copy

// The walkers that encode count depth as decoding does: a struct, list or
// map nested in another takes a level, so that what encodes decodes with
// the same MaxDepth, and a value that refers to itself is an error, not a
// stack overflow.

func sizeStruct_T(w wireT, p unsafex.Pointer, si *structInfo, depth int) (int, error) {
	if w.fixed() && !si.union {
		return sizeFixedStruct_T(w, p, si, depth)
	}
	n, last := 1, int16(0) // the stop
	if si.unknown >= 0 {
		m, err := w.unknownSize(*unsafex.As[[]byte](p.Add(uintptr(si.unknown))))
		if err != nil {
			return 0, err
		}
		n += m
	}
	set := 0
	for i := range si.fields {
		f := &si.fields[i]
		fp := p.Add(f.offset)
		switch f.op { // the common shapes here, without a call
		case opI64:
			n += w.sizeFieldBegin(f.id, last) + w.sizeI64(*unsafex.As[int64](fp))
		case opI32:
			n += w.sizeFieldBegin(f.id, last) + w.sizeI32(*unsafex.As[int32](fp))
		case opBool:
			n += w.sizeFieldBool(f.id, last)
		case opStructPtr:
			q := fp.Load()
			if q.IsNil() {
				continue
			}
			if depth <= 0 {
				return 0, wrap(ErrDepth, f.name)
			}
			m, err := sizeStruct_T(w, q, f.typ.elem.st, depth-1)
			if err != nil {
				return 0, wrap(err, f.name)
			}
			n += w.sizeFieldBegin(f.id, last) + m
		default:
			if isNil(fp, f.typ) {
				if f.required && f.typ.kind == kPtr {
					return 0, wrap(ErrRequired, f.name)
				}
				if f.optional {
					continue
				}
			}
			if si.union {
				if isZero(fp, f.typ) {
					continue // a union writes its set field only
				}
				if set++; set > 1 {
					return 0, wrap(ErrUnion, f.name)
				}
			}
			if f.typ.wire == tw.Bool {
				n += w.sizeFieldBool(f.id, last)
				break
			}
			m, err := sizeValue_T(w, fp, f.typ, depth)
			if err != nil {
				return 0, wrap(err, f.name)
			}
			n += w.sizeFieldBegin(f.id, last) + m
		}
		last = f.id
	}
	return n, nil
}

// sizeFixedStruct is sizeStruct for binary: the fixed-size fields that are
// always written add up to binFixed; only the others are walked.
func sizeFixedStruct_T(w wireT, p unsafex.Pointer, si *structInfo, depth int) (int, error) {
	n := si.binFixed
	if si.unknown >= 0 {
		m, err := w.unknownSize(*unsafex.As[[]byte](p.Add(uintptr(si.unknown))))
		if err != nil {
			return 0, err
		}
		n += m
	}
	for _, i := range si.binVar {
		f := &si.fields[i]
		fp := p.Add(f.offset)
		switch f.op { // the common shapes here, without a call
		case opString:
			if l := len(*unsafex.As[string](fp)); l <= math.MaxInt32 {
				n += 3 + 4 + l
				continue
			}
		case opBinary:
			if l := len(*unsafex.As[[]byte](fp)); l <= math.MaxInt32 {
				n += 3 + 4 + l
				continue
			}
		case opStructPtr:
			q := fp.Load()
			if q.IsNil() {
				continue
			}
			if depth <= 0 {
				return 0, wrap(ErrDepth, f.name)
			}
			m, err := sizeStruct_T(w, q, f.typ.elem.st, depth-1)
			if err != nil {
				return 0, wrap(err, f.name)
			}
			n += 3 + m
			continue
		case opListI64, opListI32:
			if _, l := fp.Slice(); l <= math.MaxInt32 {
				n += 3 + 5 + l*int(f.typ.elem.size)
				continue
			}
		}
		if isNil(fp, f.typ) {
			if f.required && f.typ.kind == kPtr {
				return 0, wrap(ErrRequired, f.name)
			}
			if f.optional {
				continue
			}
		}
		m, err := sizeValue_T(w, fp, f.typ, depth)
		if err != nil {
			return 0, wrap(err, f.name)
		}
		n += 3 + m
	}
	return n, nil
}

func sizeValue_T(w wireT, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
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
			return 0, errEnum(v)
		}
		return w.sizeI32(int32(v)), nil
	case kI64:
		return w.sizeI64(*unsafex.As[int64](p)), nil
	case kDouble:
		return 8, nil
	case kString:
		return sizeBytes_T(w, len(*unsafex.As[string](p)))
	case kBinary:
		return sizeBytes_T(w, len(*unsafex.As[[]byte](p)))
	case kUUID:
		return 16, nil
	case kStruct:
		if depth <= 0 {
			return 0, ErrDepth
		}
		return sizeStruct_T(w, p, ti.st, depth-1)
	case kPtr:
		q := p.Load()
		if q.IsNil() {
			// A nil pointer where a value must go (a list element or a
			// required field's struct): the zero value goes.
			return sizeZero_T(w, ti.elem, depth)
		}
		return sizeValue_T(w, q, ti.elem, depth)
	case kList:
		if depth <= 0 {
			return 0, ErrDepth
		}
		data, n := p.Slice()
		if n > math.MaxInt32 {
			return 0, errLength(n, "elements")
		}
		size := w.sizeListBegin(n)
		if s := binarySize(ti.elem.kind); w.fixed() && s > 0 {
			return size + n*s, nil
		}
		switch ti.elem.kind {
		case kI32:
			for _, v := range unsafex.Slice[int32](data, n) {
				size += w.sizeI32(v)
			}
			return size, nil
		case kI64:
			for _, v := range unsafex.Slice[int64](data, n) {
				size += w.sizeI64(v)
			}
			return size, nil
		case kPtr:
			if st := ti.elem.elem; st.kind == kStruct {
				if depth <= 1 && n > 0 {
					return 0, wrap(ErrDepth, "[0]") // the elements' structs, as sizeValue would say
				}
				for i, q := range unsafex.Slice[unsafex.Pointer](data, n) {
					if q.IsNil() {
						m, err := sizeZero_T(w, st, depth-1)
						if err != nil {
							return 0, wrap(err, fmt.Sprintf("[%d]", i))
						}
						size += m // written as an empty struct
						continue
					}
					m, err := sizeStruct_T(w, q, st.st, depth-2)
					if err != nil {
						return 0, wrap(err, fmt.Sprintf("[%d]", i))
					}
					size += m
				}
				return size, nil
			}
		}
		for i := range n {
			m, err := sizeValue_T(w, data.Add(uintptr(i)*ti.elem.size), ti.elem, depth-1)
			if err != nil {
				return 0, wrap(err, fmt.Sprintf("[%d]", i))
			}
			size += m
		}
		return size, nil
	case kMap:
		return sizeMap_T(w, p, ti, depth)
	}
	return 0, fmt.Errorf("%w: kind %d", ErrType, ti.kind)
}

func sizeBytes_T(w wireT, n int) (int, error) {
	if n > math.MaxInt32 {
		return 0, errLength(n, "bytes")
	}
	return w.sizeLength(n) + n, nil
}

// sizeZero is the size of ti's zero value, what a nil pointer in a list or
// map is written as: a struct with no field set is its stop, unless it has
// required fields, which makes it an error.
func sizeZero_T(w wireT, ti *typeInfo, depth int) (int, error) {
	if ti.kind == kStruct {
		if ti.st.required > 0 {
			return 0, errNilRequired(ti)
		}
		return 1, nil
	}
	return sizeValue_T(w, ti.zero, ti, depth)
}

func sizeMap_T(w wireT, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	if depth <= 0 {
		return 0, ErrDepth
	}
	if ti.mapFast != 0 {
		return sizeMapFast_T(w, p, ti, ti.mapFast)
	}
	m := p.Map(ti.goTyp)
	n := m.Len()
	if n > math.MaxInt32 {
		return 0, errLength(n, "entries")
	}
	size := w.sizeMapBegin(n)
	k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
	kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
	for it := m.MapRange(); it.Next(); {
		k.Elem().SetIterKey(it)
		v.Elem().SetIterValue(it)
		a, err := sizeValue_T(w, kp, ti.key, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		b, err := sizeValue_T(w, vp, ti.elem, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		size += a + b
	}
	return size, nil
}

// appendStruct appends p's encoding to b, growing b as append does. It
// checks what sizeStruct checks, so that MarshalAppend can write in one
// pass without sizing first (measured: sizing was a third of encoding a
// medium struct).
func appendStruct_T(w wireT, b []byte, p unsafex.Pointer, si *structInfo, depth int) ([]byte, error) {
	last, set := int16(0), 0
	var err error
	for i := range si.fields {
		f := &si.fields[i]
		fp := p.Add(f.offset)
		switch f.op { // the common shapes here, without a call
		case opI64:
			b = w.appendI64(w.appendField(b, f, last), *unsafex.As[int64](fp))
		case opI32:
			b = w.appendI32(w.appendField(b, f, last), *unsafex.As[int32](fp))
		case opString:
			v := *unsafex.As[string](fp)
			if len(v) > math.MaxInt32 {
				return b, wrap(errLength(len(v), "bytes"), f.name)
			}
			b = w.appendString(w.appendField(b, f, last), v)
		case opBool:
			b = w.appendFieldBool(b, *unsafex.As[bool](fp), f.id, last)
		case opI8:
			b = append(w.appendField(b, f, last), *unsafex.As[byte](fp))
		case opI16:
			b = w.appendI16(w.appendField(b, f, last), *unsafex.As[int16](fp))
		case opDouble:
			b = w.appendDouble(w.appendField(b, f, last), *unsafex.As[float64](fp))
		case opBinary:
			v := *unsafex.As[[]byte](fp)
			if len(v) > math.MaxInt32 {
				return b, wrap(errLength(len(v), "bytes"), f.name)
			}
			b = w.appendString(w.appendField(b, f, last), unsafex.String(v))
		case opStructPtr:
			q := fp.Load()
			if q.IsNil() {
				continue
			}
			if depth <= 0 {
				return b, wrap(ErrDepth, f.name)
			}
			if b, err = appendStruct_T(w, w.appendField(b, f, last), q, f.typ.elem.st, depth-1); err != nil {
				return b, wrap(err, f.name)
			}
		case opListI64:
			data, n := fp.Slice()
			if n > math.MaxInt32 {
				return b, wrap(errLength(n, "elements"), f.name)
			}
			b = w.appendListBegin(w.appendField(b, f, last), tw.I64, n)
			for _, v := range unsafex.Slice[int64](data, n) {
				b = w.appendI64(b, v)
			}
		case opListI32:
			data, n := fp.Slice()
			if n > math.MaxInt32 {
				return b, wrap(errLength(n, "elements"), f.name)
			}
			b = w.appendListBegin(w.appendField(b, f, last), tw.I32, n)
			for _, v := range unsafex.Slice[int32](data, n) {
				b = w.appendI32(b, v)
			}
		case opListString, opListStructPtr:
			if b, err = appendValue_T(w, w.appendField(b, f, last), fp, f.typ, depth); err != nil {
				return b, wrap(err, f.name)
			}
		default:
			if isNil(fp, f.typ) {
				if f.required && f.typ.kind == kPtr {
					return b, wrap(ErrRequired, f.name)
				}
				if f.optional {
					continue
				}
			}
			if si.union {
				if isZero(fp, f.typ) {
					continue // a union writes its set field only
				}
				if set++; set > 1 {
					return b, wrap(ErrUnion, f.name)
				}
			}
			if f.typ.wire == tw.Bool {
				b = w.appendFieldBool(b, loadBool(fp, f.typ), f.id, last)
			} else if b, err = appendValue_T(w, w.appendField(b, f, last), fp, f.typ, depth); err != nil {
				return b, wrap(err, f.name)
			}
		}
		last = f.id
	}
	if si.unknown >= 0 {
		if b, err = w.appendKept(b, *unsafex.As[[]byte](p.Add(uintptr(si.unknown))), last); err != nil {
			return b, err
		}
	}
	return append(b, 0), nil
}

func appendValue_T(w wireT, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) ([]byte, error) {
	switch ti.kind {
	case kBool:
		return w.appendBool(b, *unsafex.As[bool](p)), nil
	case kI8:
		return append(b, *unsafex.As[byte](p)), nil
	case kI16:
		return w.appendI16(b, *unsafex.As[int16](p)), nil
	case kI32:
		return w.appendI32(b, *unsafex.As[int32](p)), nil
	case kEnum64:
		v := *unsafex.As[int64](p)
		if v != int64(int32(v)) {
			return b, errEnum(v)
		}
		return w.appendI32(b, int32(v)), nil
	case kI64:
		return w.appendI64(b, *unsafex.As[int64](p)), nil
	case kDouble:
		return w.appendDouble(b, *unsafex.As[float64](p)), nil
	case kString:
		v := *unsafex.As[string](p)
		if len(v) > math.MaxInt32 {
			return b, errLength(len(v), "bytes")
		}
		return w.appendString(b, v), nil
	case kBinary:
		v := *unsafex.As[[]byte](p)
		if len(v) > math.MaxInt32 {
			return b, errLength(len(v), "bytes")
		}
		return w.appendString(b, unsafex.String(v)), nil
	case kUUID:
		return append(b, unsafex.As[[16]byte](p)[:]...), nil
	case kStruct:
		if depth <= 0 {
			return b, ErrDepth
		}
		return appendStruct_T(w, b, p, ti.st, depth-1)
	case kPtr:
		q := p.Load()
		if q.IsNil() {
			// A nil pointer where a value must go (a list element or a
			// required field's struct): the zero value goes.
			if ti.elem.kind == kStruct {
				if ti.elem.st.required > 0 {
					return b, errNilRequired(ti.elem)
				}
				return append(b, 0), nil
			}
			q = ti.elem.zero
		}
		return appendValue_T(w, b, q, ti.elem, depth)
	case kList:
		if depth <= 0 {
			return b, ErrDepth
		}
		data, n := p.Slice()
		if n > math.MaxInt32 {
			return b, errLength(n, "elements")
		}
		b = w.appendListBegin(b, ti.elem.wire, n)
		switch ti.elem.kind { // the usual element kinds without a call each
		case kI32:
			for _, v := range unsafex.Slice[int32](data, n) {
				b = w.appendI32(b, v)
			}
			return b, nil
		case kI64:
			for _, v := range unsafex.Slice[int64](data, n) {
				b = w.appendI64(b, v)
			}
			return b, nil
		case kString:
			for i, v := range unsafex.Slice[string](data, n) {
				if len(v) > math.MaxInt32 {
					return b, wrap(errLength(len(v), "bytes"), fmt.Sprintf("[%d]", i))
				}
				b = w.appendString(b, v)
			}
			return b, nil
		case kPtr:
			if st := ti.elem.elem; st.kind == kStruct {
				if depth <= 1 && n > 0 {
					return b, wrap(ErrDepth, "[0]") // the elements' structs, as appendValue would say
				}
				var err error
				for i, q := range unsafex.Slice[unsafex.Pointer](data, n) {
					if q.IsNil() {
						if st.st.required > 0 {
							return b, wrap(errNilRequired(st), fmt.Sprintf("[%d]", i))
						}
						b = append(b, 0) // written as an empty struct
					} else if b, err = appendStruct_T(w, b, q, st.st, depth-2); err != nil {
						return b, wrap(err, fmt.Sprintf("[%d]", i))
					}
				}
				return b, nil
			}
		}
		var err error
		for i := range n {
			if b, err = appendValue_T(w, b, data.Add(uintptr(i)*ti.elem.size), ti.elem, depth-1); err != nil {
				return b, wrap(err, fmt.Sprintf("[%d]", i))
			}
		}
		return b, nil
	case kMap:
		if depth <= 0 {
			return b, ErrDepth
		}
		if ti.mapFast != 0 {
			return appendMapFast_T(w, b, p, ti, ti.mapFast)
		}
		m := p.Map(ti.goTyp)
		if m.Len() > math.MaxInt32 {
			return b, errLength(m.Len(), "entries")
		}
		b = w.appendMapBegin(b, ti.key.wire, ti.elem.wire, m.Len())
		k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
		kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
		var err error
		for it := m.MapRange(); it.Next(); {
			k.Elem().SetIterKey(it)
			v.Elem().SetIterValue(it)
			if b, err = appendValue_T(w, b, kp, ti.key, depth-1); err == nil {
				b, err = appendValue_T(w, b, vp, ti.elem, depth-1)
			}
			if err != nil {
				return b, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
			}
		}
		return b, nil
	}
	return b, fmt.Errorf("%w: kind %d", ErrType, ti.kind)
}

// decodeStruct decodes a struct from b into p and returns the bytes it
// took. depth is how many more levels of nesting may follow.
func decodeStruct_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, si *structInfo, depth int) (int, error) {
	if si.plain {
		return decodePlainStruct_T(w, d, b, p, si, depth)
	}
	var seen [4]uint64 // required fields seen, by reqBit
	var unknown *[]byte
	if si.unknown >= 0 {
		unknown = unsafex.As[[]byte](p.Add(uintptr(si.unknown)))
		*unknown = nil // fresh: a copy of the value may share the old bytes
	}
	setID, set := int16(0), false // a union's field
	n, last := 0, int16(0)
	next := 0 // the field expected next: encoders write them in id order
	for {
		start := n
		t, id, bv, inHeader, m := w.consumeFieldBegin(b[n:], last)
		if m < 0 {
			return 0, tw.ParseError(m)
		}
		n += m
		if t == tw.Stop {
			break
		}
		last = id
		var f *fieldInfo
		if next < len(si.fields) && si.fields[next].id == id {
			f = &si.fields[next]
			next++
		} else if i := si.index(id); i >= 0 {
			f, next = &si.fields[i], i+1
		}
		if f == nil || tw.Type(f.binHeader[0]) != t && !f.typ.reads(t) {
			// Unknown, or known with another type: skipped, as Apache's
			// and Kitex's generated readers do; an unknown one is kept
			// if the struct has room for it.
			valueAt := n
			if !inHeader {
				m, err := skip_T(w, b[n:], t, depth)
				if err != nil {
					return 0, wrapField(err, si, f, id)
				}
				n += m
			}
			if f == nil && unknown != nil {
				kept, err := w.keepUnknown(*unknown, b[start:valueAt], b[valueAt:n], t, id, bv)
				if err != nil {
					return 0, wrapField(err, si, f, id)
				}
				*unknown = kept
			}
			continue
		}
		if si.union {
			if set && id != setID {
				return 0, wrap(ErrUnion, f.name)
			}
			setID, set = id, true
		}
		fp := p.Add(f.offset)
		m = 0
		if inHeader {
			setBool(fp, f.typ, bv)
		} else {
			switch f.op { // the common shapes here, without a call
			case opI64:
				*unsafex.As[int64](fp), m = w.consumeI64(b[n:])
			case opI32:
				*unsafex.As[int32](fp), m = w.consumeI32(b[n:])
			case opBool:
				*unsafex.As[bool](fp), m = w.consumeBool(b[n:])
			case opDouble:
				*unsafex.As[float64](fp), m = w.consumeDouble(b[n:])
			case opString:
				var v []byte
				if v, m = w.consumeBinary(b[n:]); m > 0 {
					if len(v) == 0 {
						v = nil // "", not an empty string that pins the input (found by review)
					} else if !d.noCopy {
						v = d.copyBytes(v)
					}
					*unsafex.As[string](fp) = unsafex.String(v)
				}
			case opI16:
				*unsafex.As[int16](fp), m = w.consumeI16(b[n:])
			case opI8:
				if n >= len(b) {
					return 0, wrap(tw.ErrTruncated, f.name)
				}
				*unsafex.As[byte](fp), m = b[n], 1
			case opListI64, opListI32, opListString, opListStructPtr:
				var err error
				if m, err = decodeList_T(w, d, b[n:], fp, f.typ, depth); err != nil {
					return 0, wrap(err, f.name)
				}
			default:
				var err error
				if m, err = decodeValue_T(w, d, b[n:], fp, f.typ, depth); err != nil {
					return 0, wrap(err, f.name)
				}
			}
		}
		if m < 0 {
			return 0, wrap(tw.ParseError(m), f.name)
		}
		n += m
		if f.required {
			seen[f.reqBit/64] |= 1 << (f.reqBit % 64)
		}
	}
	if si.required > 0 {
		for i := range si.fields {
			if f := &si.fields[i]; f.required && seen[f.reqBit/64]&(1<<(f.reqBit%64)) == 0 {
				return 0, wrap(ErrRequired, f.name)
			}
		}
	}
	return n, nil
}

// decodePlainStruct is decodeStruct for a struct with no required
// fields, no union and no room for unknown fields, most of them: with
// less state live across its calls, fewer registers are spilled and
// reloaded around them (measured on bench/codec's small struct: 92
// instructions a field in decodeStruct's own loop, 66 in this one). Its
// field switch repeats decodeStruct's on purpose: a function shared by the
// two would be a call a field, the cost this loop exists to save. Change
// them together; FuzzPlainVsFull compares them.
func decodePlainStruct_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, si *structInfo, depth int) (int, error) {
	n, last := 0, int16(0)
	next := 0 // the field expected next: encoders write them in id order
	for {
		t, id, bv, inHeader, m := w.consumeFieldBegin(b[n:], last)
		if m < 0 {
			return 0, tw.ParseError(m)
		}
		n += m
		if t == tw.Stop {
			return n, nil
		}
		last = id
		var f *fieldInfo
		if next < len(si.fields) && si.fields[next].id == id {
			f = &si.fields[next]
			next++
		} else if i := si.index(id); i >= 0 {
			f, next = &si.fields[i], i+1
		}
		if f == nil || tw.Type(f.binHeader[0]) != t && !f.typ.reads(t) {
			if !inHeader {
				m, err := skip_T(w, b[n:], t, depth)
				if err != nil {
					return 0, wrapField(err, si, f, id)
				}
				n += m
			}
			continue
		}
		fp := p.Add(f.offset)
		if inHeader {
			setBool(fp, f.typ, bv)
			continue
		}
		switch f.op { // the common shapes here, without a call
		case opI64:
			*unsafex.As[int64](fp), m = w.consumeI64(b[n:])
		case opI32:
			*unsafex.As[int32](fp), m = w.consumeI32(b[n:])
		case opBool:
			*unsafex.As[bool](fp), m = w.consumeBool(b[n:])
		case opDouble:
			*unsafex.As[float64](fp), m = w.consumeDouble(b[n:])
		case opString:
			var v []byte
			if v, m = w.consumeBinary(b[n:]); m > 0 {
				if len(v) == 0 {
					v = nil // "", not an empty string that pins the input (found by review)
				} else if !d.noCopy {
					v = d.copyBytes(v)
				}
				*unsafex.As[string](fp) = unsafex.String(v)
			}
		case opI16:
			*unsafex.As[int16](fp), m = w.consumeI16(b[n:])
		case opI8:
			if n >= len(b) {
				return 0, wrap(tw.ErrTruncated, f.name)
			}
			*unsafex.As[byte](fp), m = b[n], 1
		case opListI64, opListI32, opListString, opListStructPtr:
			var err error
			if m, err = decodeList_T(w, d, b[n:], fp, f.typ, depth); err != nil {
				return 0, wrap(err, f.name)
			}
		default:
			var err error
			if m, err = decodeValue_T(w, d, b[n:], fp, f.typ, depth); err != nil {
				return 0, wrap(err, f.name)
			}
		}
		if m < 0 {
			return 0, wrap(tw.ParseError(m), f.name)
		}
		n += m
	}
}

// skip skips a value of type t, as deep as depth allows.
func skip_T(w wireT, b []byte, t tw.Type, depth int) (int, error) {
	switch t {
	case tw.Struct, tw.Map, tw.Set, tw.List:
		if depth <= 0 {
			return 0, ErrDepth
		}
	}
	m := w.skip(b, t, max(depth, 1))
	if m < 0 {
		return 0, tw.ParseError(m)
	}
	return m, nil
}

func decodeValue_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	var n int
	switch ti.kind {
	case kBool:
		*unsafex.As[bool](p), n = w.consumeBool(b)
	case kI8:
		if len(b) < 1 {
			return 0, tw.ErrTruncated
		}
		*unsafex.As[byte](p), n = b[0], 1
	case kI16:
		*unsafex.As[int16](p), n = w.consumeI16(b)
	case kI32:
		*unsafex.As[int32](p), n = w.consumeI32(b)
	case kEnum64:
		var v int32
		v, n = w.consumeI32(b)
		*unsafex.As[int64](p) = int64(v)
	case kI64:
		*unsafex.As[int64](p), n = w.consumeI64(b)
	case kDouble:
		*unsafex.As[float64](p), n = w.consumeDouble(b)
	case kString:
		var v []byte
		if v, n = w.consumeBinary(b); n > 0 && len(v) > 0 {
			if !d.noCopy {
				v = d.copyBytes(v)
			}
			*unsafex.As[string](p) = unsafex.String(v)
		} else if n >= 0 {
			*unsafex.As[string](p) = ""
		}
	case kBinary:
		var v []byte
		if v, n = w.consumeBinary(b); n >= 0 {
			if !d.noCopy {
				v = d.copyBytes(v)
			}
			*unsafex.As[[]byte](p) = v
		}
	case kUUID:
		if len(b) < 16 {
			return 0, tw.ErrTruncated
		}
		*unsafex.As[[16]byte](p), n = [16]byte(b), 16
	case kStruct:
		if depth <= 0 {
			return 0, ErrDepth
		}
		return decodeStruct_T(w, d, b, p, ti.st, depth-1)
	case kPtr:
		// A fresh value, not the one a pointer already there points to: a
		// copy of the struct decoded into may share it (as Apache's and
		// Kitex's generated readers do).
		var q unsafex.Pointer
		if ti.elem.scalar {
			q = d.scalars(ti.elem, 1)
		} else {
			q = newValue(ti.elem)
		}
		p.Store(q)
		return decodeValue_T(w, d, b, q, ti.elem, depth)
	case kList:
		return decodeList_T(w, d, b, p, ti, depth)
	case kMap:
		return decodeMap_T(w, d, b, p, ti, depth)
	}
	if n < 0 {
		return 0, tw.ParseError(n)
	}
	return n, nil
}

func decodeList_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	if depth <= 0 {
		return 0, ErrDepth
	}
	et, count, n := w.consumeListBegin(b)
	switch {
	case n < 0:
		return 0, tw.ParseError(n)
	case count > 0 && !ti.elem.reads(et):
		return 0, fmt.Errorf("%w: a list of %v, want %v", tw.ErrType, et, ti.elem.wire)
	}
	// consumeListBegin checked count against the bytes left: the
	// allocation is bounded by the input's size.
	if count == 0 {
		p.SetEmptySlice() // empty, not nil: the field is set
		return n, nil
	}
	if ti.elem.scalar {
		// At most 16 bytes of memory for one byte of input (a compact
		// i64 of one byte takes 8): no budget needed.
		switch ti.elem.kind { // the usual element kinds without a call each
		case kI64:
			data := d.scalars(ti.elem, count)
			p.SetSlice(data, count)
			s := unsafex.Slice[int64](data, count)
			if w.fixed() {
				// consumeListBegin checked that count elements of 8
				// bytes remain.
				src := b[n : n+8*count]
				for i := range s {
					s[i] = int64(binary.BigEndian.Uint64(src))
					src = src[8:]
				}
				return n + 8*count, nil
			}
			for i := range s {
				v, m := w.consumeI64(b[n:])
				if m < 0 {
					return 0, wrap(tw.ParseError(m), fmt.Sprintf("[%d]", i))
				}
				s[i], n = v, n+m
			}
			return n, nil
		case kI32:
			data := d.scalars(ti.elem, count)
			p.SetSlice(data, count)
			s := unsafex.Slice[int32](data, count)
			if w.fixed() {
				src := b[n : n+4*count]
				for i := range s {
					s[i] = int32(binary.BigEndian.Uint32(src))
					src = src[4:]
				}
				return n + 4*count, nil
			}
			for i := range s {
				v, m := w.consumeI32(b[n:])
				if m < 0 {
					return 0, wrap(tw.ParseError(m), fmt.Sprintf("[%d]", i))
				}
				s[i], n = v, n+m
			}
			return n, nil
		}
		data := d.scalars(ti.elem, count)
		p.SetSlice(data, count)
		m, err := decodeElems_T(w, d, b[n:], data, 0, count, ti, depth)
		return n + m, err
	}
	// A non-scalar element's Go memory can be far larger than its encoding
	// (a struct with many absent fields is one byte on the wire): up to a
	// budget set by the input's size the backing is made at once, past it
	// it grows as elements arrive, doubling (found by review: 20 KB of
	// input asked for 20 MB before its first element failed).
	first := count
	size := int(ti.elem.size)
	if e := ti.elem; e.kind == kPtr && e.elem.kind == kStruct {
		size += int(e.elem.size) // decodeElems allocates the structs too (found by review)
	}
	if size > 0 {
		first = min(count, max(1, max(listBudget, 16*len(b))/size))
	}
	for done := 0; done < count; {
		k := first
		if done == 0 {
			p.MakeSlice(ti.goTyp, k)
		} else {
			k = min(done, count-done)
			p.GrowSlice(ti.goTyp, k)
		}
		data, _ := p.Slice()
		m, err := decodeElems_T(w, d, b[n:], data, done, done+k, ti, depth)
		if err != nil {
			return 0, err
		}
		n += m
		done += k
	}
	return n, nil
}

// decodeElems decodes elements from..to-1 of the list whose backing starts
// at data, and returns the bytes they took.
func decodeElems_T(w wireT, d *decoder, b []byte, data unsafex.Pointer, from, to int, ti *typeInfo, depth int) (int, error) {
	if ti.elem.initDefault {
		for i := from; i < to; i++ {
			initDefault(data.Add(uintptr(i)*ti.elem.size), ti.elem)
		}
	}
	n := 0
	if st := ti.elem.elem; ti.elem.kind == kPtr && st.kind == kStruct {
		// A list of pointers to structs: the structs in one allocation,
		// not one each (frugal's batching), decoded in place.
		// Each struct decoded by its walker directly, as decodeValue
		// would after its depth check, made here once.
		if depth-1 <= 0 {
			return 0, wrap(ErrDepth, fmt.Sprintf("[%d]", from))
		}
		structs := unsafex.NewArray(st.goTyp, to-from)
		for i := from; i < to; i++ {
			q := structs.Add(uintptr(i-from) * st.size)
			if st.initDefault {
				initDefault(q, st)
			}
			data.Add(uintptr(i) * ti.elem.size).Store(q)
			var m int
			var err error
			if st.st.plain {
				m, err = decodePlainStruct_T(w, d, b[n:], q, st.st, depth-2)
			} else {
				m, err = decodeStruct_T(w, d, b[n:], q, st.st, depth-2)
			}
			if err != nil {
				return 0, wrap(err, fmt.Sprintf("[%d]", i))
			}
			n += m
		}
		return n, nil
	}
	for i := from; i < to; i++ {
		m, err := decodeValue_T(w, d, b[n:], data.Add(uintptr(i)*ti.elem.size), ti.elem, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%d]", i))
		}
		n += m
	}
	return n, nil
}

func decodeMap_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	if depth <= 0 {
		return 0, ErrDepth
	}
	kt, vt, count, n := w.consumeMapBegin(b)
	switch {
	case n < 0:
		return 0, tw.ParseError(n)
	case count > 0 && (!ti.key.reads(kt) || !ti.elem.reads(vt)):
		return 0, fmt.Errorf("%w: a map<%v,%v>, want map<%v,%v>", tw.ErrType, kt, vt, ti.key.wire, ti.elem.wire)
	}
	if ti.mapFast != 0 {
		return decodeMapFast_T(w, d, b, p, ti, depth, count, n, ti.mapFast)
	}
	m := reflect.MakeMapWithSize(ti.goTyp, mapHint(ti, count, len(b)))
	k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
	kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
	for i := range count {
		k.Elem().SetZero()
		v.Elem().SetZero()
		a, err := decodeValue_T(w, d, b[n:], kp, ti.key, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("<key %d>", i))
		}
		n += a
		c, err := decodeValue_T(w, d, b[n:], vp, ti.elem, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		n += c
		m.SetMapIndex(k.Elem(), v.Elem())
	}
	p.StoreMap(m)
	return n, nil
}
func sizeMapOf_T[K comparable, V any](w wireT, p unsafex.Pointer, ti *typeInfo) (int, error) {
	m := *unsafex.As[map[K]V](p)
	if len(m) > math.MaxInt32 {
		return 0, errLength(len(m), "entries")
	}
	size := w.sizeMapBegin(len(m))
	for k, v := range m {
		a, b := sizeScalar_T(w, &k), sizeScalar_T(w, &v)
		if a < 0 || b < 0 {
			return 0, wrap(fmt.Errorf("%w: a string of 2 GiB or more", ErrTooLong), keyPath(k))
		}
		size += a + b
	}
	return size, nil
}

func appendMapOf_T[K comparable, V any](w wireT, b []byte, p unsafex.Pointer, ti *typeInfo) ([]byte, error) {
	m := *unsafex.As[map[K]V](p)
	if len(m) > math.MaxInt32 {
		return b, errLength(len(m), "entries")
	}
	b = w.appendMapBegin(b, ti.key.wire, ti.elem.wire, len(m))
	for k, v := range m {
		var ok bool
		if b, ok = appendScalar_T(w, b, &k); ok {
			b, ok = appendScalar_T(w, b, &v)
		}
		if !ok {
			return b, wrap(fmt.Errorf("%w: a string of 2 GiB or more", ErrTooLong), keyPath(k))
		}
	}
	return b, nil
}

func decodeMapOf_T[K comparable, V any](w wireT, d *decoder, b []byte, p unsafex.Pointer, count, n int) (int, error) {
	m := make(map[K]V, count) // K and V are at most 24 bytes: within the budget
	for i := range count {
		var k K
		var v V
		a := decodeScalar_T(w, d, b[n:], &k)
		if a < 0 {
			return 0, wrap(tw.ParseError(a), fmt.Sprintf("<key %d>", i))
		}
		n += a
		c := decodeScalar_T(w, d, b[n:], &v)
		if c < 0 {
			return 0, wrap(tw.ParseError(c), fmt.Sprintf("[%v]", k))
		}
		n += c
		m[k] = v
	}
	*unsafex.As[map[K]V](p) = m
	return n, nil
}

// decodeMapStringString is decodeMapOf for the commonest map, without its
// scalar coders' type switches (measured: 105 instructions a string).
func decodeMapStringString_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, count, n int) (int, error) {
	m := make(map[string]string, count) // within the budget: 32 bytes an entry
	for i := range count {
		k, a := w.consumeBinary(b[n:])
		if a < 0 {
			return 0, wrap(tw.ParseError(a), fmt.Sprintf("<key %d>", i))
		}
		n += a
		v, c := w.consumeBinary(b[n:])
		if c < 0 {
			return 0, wrap(tw.ParseError(c), fmt.Sprintf("[%s]", k))
		}
		n += c
		if !d.noCopy {
			k, v = d.copyBytes(k), d.copyBytes(v)
		}
		m[unsafex.String(k)] = unsafex.String(v)
	}
	*unsafex.As[map[string]string](p) = m
	return n, nil
}

// sizeScalar is the size of the value x points to, -1 for a string too
// long for its length field.
func sizeScalar_T(w wireT, x any) int {
	switch v := x.(type) {
	case *string:
		if len(*v) > math.MaxInt32 {
			return -1
		}
		return w.sizeLength(len(*v)) + len(*v)
	case *[]byte:
		if len(*v) > math.MaxInt32 {
			return -1
		}
		return w.sizeLength(len(*v)) + len(*v)
	case *int32:
		return w.sizeI32(*v)
	case *int64:
		return w.sizeI64(*v)
	case *bool:
		return 1
	case *float64:
		return 8
	}
	panic("codec: no scalar coder for a typed map's key or value")
}

// appendScalar appends the value x points to; false, and nothing appended,
// for a string too long for its length field.
func appendScalar_T(w wireT, b []byte, x any) ([]byte, bool) {
	switch v := x.(type) {
	case *string:
		if len(*v) > math.MaxInt32 {
			return b, false
		}
		return w.appendString(b, *v), true
	case *[]byte:
		if len(*v) > math.MaxInt32 {
			return b, false
		}
		return w.appendString(b, unsafex.String(*v)), true
	case *int32:
		return w.appendI32(b, *v), true
	case *int64:
		return w.appendI64(b, *v), true
	case *bool:
		return w.appendBool(b, *v), true
	case *float64:
		return w.appendDouble(b, *v), true
	}
	panic("codec: no scalar coder for a typed map's key or value")
}

// decodeScalar decodes into what x points to and returns the bytes it took,
// or a negative thriftwire code.
func decodeScalar_T(w wireT, d *decoder, b []byte, x any) int {
	var n int
	switch v := x.(type) {
	case *string:
		var s []byte
		if s, n = w.consumeBinary(b); n > 0 && len(s) > 0 {
			if !d.noCopy {
				s = d.copyBytes(s)
			}
			*v = unsafex.String(s)
		}
	case *[]byte:
		var s []byte
		if s, n = w.consumeBinary(b); n >= 0 {
			if !d.noCopy {
				s = d.copyBytes(s)
			}
			*v = s
		}
	case *int32:
		*v, n = w.consumeI32(b)
	case *int64:
		*v, n = w.consumeI64(b)
	case *bool:
		*v, n = w.consumeBool(b)
	case *float64:
		*v, n = w.consumeDouble(b)
	default:
		panic("codec: no scalar coder for a typed map's key or value")
	}
	return n
}

func sizeMapFast_T(w wireT, p unsafex.Pointer, ti *typeInfo, f mapFast) (int, error) {
	switch f {
	case mapStringString:
		return sizeMapOf_T[string, string](w, p, ti)
	case mapStringI64:
		return sizeMapOf_T[string, int64](w, p, ti)
	case mapStringI32:
		return sizeMapOf_T[string, int32](w, p, ti)
	case mapStringBool:
		return sizeMapOf_T[string, bool](w, p, ti)
	case mapStringDouble:
		return sizeMapOf_T[string, float64](w, p, ti)
	case mapStringBinary:
		return sizeMapOf_T[string, []byte](w, p, ti)
	case mapI64String:
		return sizeMapOf_T[int64, string](w, p, ti)
	case mapI32String:
		return sizeMapOf_T[int32, string](w, p, ti)
	case mapI64I64:
		return sizeMapOf_T[int64, int64](w, p, ti)
	case mapI32I32:
		return sizeMapOf_T[int32, int32](w, p, ti)
	}
	return 0, fmt.Errorf("%w: map kind %d", ErrType, f)
}

func appendMapFast_T(w wireT, b []byte, p unsafex.Pointer, ti *typeInfo, f mapFast) ([]byte, error) {
	switch f {
	case mapStringString:
		return appendMapOf_T[string, string](w, b, p, ti)
	case mapStringI64:
		return appendMapOf_T[string, int64](w, b, p, ti)
	case mapStringI32:
		return appendMapOf_T[string, int32](w, b, p, ti)
	case mapStringBool:
		return appendMapOf_T[string, bool](w, b, p, ti)
	case mapStringDouble:
		return appendMapOf_T[string, float64](w, b, p, ti)
	case mapStringBinary:
		return appendMapOf_T[string, []byte](w, b, p, ti)
	case mapI64String:
		return appendMapOf_T[int64, string](w, b, p, ti)
	case mapI32String:
		return appendMapOf_T[int32, string](w, b, p, ti)
	case mapI64I64:
		return appendMapOf_T[int64, int64](w, b, p, ti)
	case mapI32I32:
		return appendMapOf_T[int32, int32](w, b, p, ti)
	}
	return b, fmt.Errorf("%w: map kind %d", ErrType, f)
}

func decodeMapFast_T(w wireT, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth, count, n int, f mapFast) (int, error) {
	switch f {
	case mapStringString:
		return decodeMapStringString_T(w, d, b, p, count, n)
	case mapStringI64:
		return decodeMapOf_T[string, int64](w, d, b, p, count, n)
	case mapStringI32:
		return decodeMapOf_T[string, int32](w, d, b, p, count, n)
	case mapStringBool:
		return decodeMapOf_T[string, bool](w, d, b, p, count, n)
	case mapStringDouble:
		return decodeMapOf_T[string, float64](w, d, b, p, count, n)
	case mapStringBinary:
		return decodeMapOf_T[string, []byte](w, d, b, p, count, n)
	case mapI64String:
		return decodeMapOf_T[int64, string](w, d, b, p, count, n)
	case mapI32String:
		return decodeMapOf_T[int32, string](w, d, b, p, count, n)
	case mapI64I64:
		return decodeMapOf_T[int64, int64](w, d, b, p, count, n)
	case mapI32I32:
		return decodeMapOf_T[int32, int32](w, d, b, p, count, n)
	}
	return 0, fmt.Errorf("%w: map kind %d", tw.ErrType, f)
}
