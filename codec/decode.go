package codec

import (
	"fmt"
	"reflect"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// decoder holds what one Unmarshal needs besides the value: its options,
// and the arena its strings and binaries are copied into.
type decoder struct {
	noCopy bool
	arena  []byte
}

// Strings and binaries up to arenaMax bytes share arena chunks: one
// allocation for a struct's many small strings, as frugal batches them. A
// chunk is what remains of the input, up to arenaChunk bytes, since the
// input bounds the strings still to come. Longer values get their own
// memory, so that one kept string never pins a large chunk.
const (
	arenaMax   = 1 << 10
	arenaChunk = 8 << 10
)

// copyBytes returns a copy of v, rest being the input's bytes from v on.
func (d *decoder) copyBytes(v []byte, rest int) []byte {
	if len(v) > arenaMax {
		return append([]byte(nil), v...)
	}
	if cap(d.arena)-len(d.arena) < len(v) {
		d.arena = make([]byte, 0, max(len(v), min(rest, arenaChunk)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, v...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// decodeStruct decodes a struct from b into p and returns the bytes it
// took. depth is how many more levels of nesting may follow.
func decodeStruct[W wire](w W, d *decoder, b []byte, p unsafex.Pointer, si *structInfo, depth int) (int, error) {
	var seen [4]uint64 // required fields seen, by reqBit
	var unknown *[]byte
	if si.unknown >= 0 {
		unknown = unsafex.As[[]byte](p.Add(uintptr(si.unknown)))
		*unknown = (*unknown)[:0]
	}
	setID, set := int16(0), false // a union's field
	n, last := 0, int16(0)
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
		f := si.field(id)
		if f == nil || f.typ.wire != t {
			// Unknown, or known with another type: skipped, as Apache's
			// and Kitex's generated readers do; an unknown one is kept
			// if the struct has room for it.
			valueAt := n
			if !inHeader {
				m, err := skip(w, b[n:], t, depth)
				if err != nil {
					return 0, wrapField(err, si, f, id)
				}
				n += m
			}
			if f == nil && unknown != nil {
				*unknown = w.appendUnknown(*unknown, b[start:valueAt], b[valueAt:n], t, id, bv)
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
		if inHeader {
			setBool(fp, f.typ, bv)
		} else {
			m, err := decodeValue(w, d, b[n:], fp, f.typ, depth)
			if err != nil {
				return 0, wrap(err, f.name)
			}
			n += m
		}
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

func wrapField(err error, si *structInfo, f *fieldInfo, id int16) error {
	if f != nil {
		return wrap(err, f.name)
	}
	return wrap(err, fmt.Sprintf("<field %d>", id))
}

// skip skips a value of type t, as deep as depth allows.
func skip[W wire](w W, b []byte, t tw.Type, depth int) (int, error) {
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

// newValue allocates a value of ti's type, its defaults set.
func newValue(ti *typeInfo) unsafex.Pointer {
	q := unsafex.New(ti.goTyp)
	if ti.initDefault {
		initDefault(q, ti)
	}
	return q
}

func initDefault(p unsafex.Pointer, ti *typeInfo) {
	p.Interface(ti.goTyp).(defaulter).InitDefault()
}

// setBool stores a bool that came in a compact field header.
func setBool(p unsafex.Pointer, ti *typeInfo, v bool) {
	if ti.kind == kPtr {
		q := p.Load()
		if q.IsNil() {
			q = unsafex.New(ti.elem.goTyp)
			p.Store(q)
		}
		p = q
	}
	*unsafex.As[bool](p) = v
}

func decodeValue[W wire](w W, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
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
				v = d.copyBytes(v, len(b))
			}
			*unsafex.As[string](p) = unsafex.String(v)
		} else if n >= 0 {
			*unsafex.As[string](p) = ""
		}
	case kBinary:
		var v []byte
		if v, n = w.consumeBinary(b); n >= 0 {
			if !d.noCopy {
				v = d.copyBytes(v, len(b))
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
		return decodeStruct(w, d, b, p, ti.st, depth-1)
	case kPtr:
		q := p.Load()
		if q.IsNil() {
			q = newValue(ti.elem)
			p.Store(q)
		}
		return decodeValue(w, d, b, q, ti.elem, depth)
	case kList:
		return decodeList(w, d, b, p, ti, depth)
	case kMap:
		return decodeMap(w, d, b, p, ti, depth)
	}
	if n < 0 {
		return 0, tw.ParseError(n)
	}
	return n, nil
}

func decodeList[W wire](w W, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	if depth <= 0 {
		return 0, ErrDepth
	}
	et, count, n := w.consumeListBegin(b)
	switch {
	case n < 0:
		return 0, tw.ParseError(n)
	case count > 0 && et != ti.elem.wire:
		return 0, fmt.Errorf("%w: a list of %v, want %v", tw.ErrType, et, ti.elem.wire)
	}
	// consumeListBegin checked count against the bytes left: the
	// allocation is bounded by the input's size.
	data := unsafex.Pointer{}
	if count > 0 {
		data = unsafex.NewArray(ti.elem.goTyp, count)
		if ti.elem.initDefault {
			for i := range count {
				initDefault(data.Add(uintptr(i)*ti.elem.size), ti.elem)
			}
		}
		if st := ti.elem.elem; ti.elem.kind == kPtr && st.kind == kStruct {
			// A list of pointers to structs: the structs in one
			// allocation, not one each (frugal's batching).
			structs := unsafex.NewArray(st.goTyp, count)
			for i := range count {
				q := structs.Add(uintptr(i) * st.size)
				if st.initDefault {
					initDefault(q, st)
				}
				data.Add(uintptr(i) * ti.elem.size).Store(q)
			}
		}
	}
	for i := range count {
		m, err := decodeValue(w, d, b[n:], data.Add(uintptr(i)*ti.elem.size), ti.elem, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%d]", i))
		}
		n += m
	}
	if count == 0 {
		data = unsafex.NewArray(ti.elem.goTyp, 0) // empty, not nil: the field is set
	}
	p.SetSlice(data, count)
	return n, nil
}

func decodeMap[W wire](w W, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth int) (int, error) {
	if depth <= 0 {
		return 0, ErrDepth
	}
	kt, vt, count, n := w.consumeMapBegin(b)
	switch {
	case n < 0:
		return 0, tw.ParseError(n)
	case count > 0 && (kt != ti.key.wire || vt != ti.elem.wire):
		return 0, fmt.Errorf("%w: a map<%v,%v>, want map<%v,%v>", tw.ErrType, kt, vt, ti.key.wire, ti.elem.wire)
	}
	if ti.mapFast != 0 {
		return decodeMapFast(w, d, b, p, ti, depth, count, n, ti.mapFast)
	}
	m := reflect.MakeMapWithSize(ti.goTyp, count)
	k, v := reflect.New(ti.key.goTyp), reflect.New(ti.elem.goTyp)
	kp, vp := unsafex.PointerOf(k.Interface()), unsafex.PointerOf(v.Interface())
	for i := range count {
		k.Elem().SetZero()
		v.Elem().SetZero()
		a, err := decodeValue(w, d, b[n:], kp, ti.key, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("<key %d>", i))
		}
		n += a
		c, err := decodeValue(w, d, b[n:], vp, ti.elem, depth-1)
		if err != nil {
			return 0, wrap(err, fmt.Sprintf("[%v]", k.Elem()))
		}
		n += c
		m.SetMapIndex(k.Elem(), v.Elem())
	}
	p.StoreMap(m)
	return n, nil
}
