package codec

import (
	"fmt"
	"math"
	"reflect"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// Maps of the types generated code uses most are coded through typed
// instantiations, without reflect: no boxing, no per-map allocation when
// encoding. Other map types go through reflect.

// mapFast is a map type with a typed coder; 0 is none.
type mapFast uint8

const (
	mapStringString mapFast = iota + 1
	mapStringI64
	mapStringI32
	mapStringBool
	mapStringDouble
	mapStringBinary
	mapI64String
	mapI32String
	mapI64I64
	mapI32I32
)

var mapFastTypes = map[reflect.Type]mapFast{
	reflect.TypeFor[map[string]string]():  mapStringString,
	reflect.TypeFor[map[string]int64]():   mapStringI64,
	reflect.TypeFor[map[string]int32]():   mapStringI32,
	reflect.TypeFor[map[string]bool]():    mapStringBool,
	reflect.TypeFor[map[string]float64](): mapStringDouble,
	reflect.TypeFor[map[string][]byte]():  mapStringBinary,
	reflect.TypeFor[map[int64]string]():   mapI64String,
	reflect.TypeFor[map[int32]string]():   mapI32String,
	reflect.TypeFor[map[int64]int64]():    mapI64I64,
	reflect.TypeFor[map[int32]int32]():    mapI32I32,
}

// fastMap returns the typed coder of ti's map type, if it has one and its
// key and value are coded as their Go kinds say (an int64 value that the
// tag makes an i32 enum goes through reflect).
func fastMap(ti *typeInfo) mapFast {
	f := mapFastTypes[ti.goTyp]
	if ti.key.kind == kEnum64 || ti.elem.kind == kEnum64 {
		return 0
	}
	return f
}

// The typed map coders code keys and values through scalar helpers that
// take them as interfaces holding pointers, not through sizeValue and
// friends: a key's address reaching those would close a loop for escape
// analysis (the map is read through the same parameter), which then moves
// every key and value to the heap.

func sizeMapOf[W wire, K comparable, V any](w W, p unsafex.Pointer, ti *typeInfo) (int, error) {
	m := *unsafex.As[map[K]V](p)
	size := w.sizeMapBegin(len(m))
	for k, v := range m {
		a, b := sizeScalar(w, &k), sizeScalar(w, &v)
		if a < 0 || b < 0 {
			return 0, wrap(fmt.Errorf("%w: a string of 2 GiB or more", ErrTooLong), fmt.Sprintf("[%v]", k))
		}
		size += a + b
	}
	return size, nil
}

func appendMapOf[W wire, K comparable, V any](w W, b []byte, p unsafex.Pointer, ti *typeInfo) []byte {
	m := *unsafex.As[map[K]V](p)
	b = w.appendMapBegin(b, ti.key.wire, ti.elem.wire, len(m))
	for k, v := range m {
		b = appendScalar(w, appendScalar(w, b, &k), &v)
	}
	return b
}

func decodeMapOf[W wire, K comparable, V any](w W, d *decoder, b []byte, p unsafex.Pointer, count, n int) (int, error) {
	m := make(map[K]V, count)
	for i := range count {
		var k K
		var v V
		a := decodeScalar(w, d, b[n:], &k)
		if a < 0 {
			return 0, wrap(tw.ParseError(a), fmt.Sprintf("<key %d>", i))
		}
		n += a
		c := decodeScalar(w, d, b[n:], &v)
		if c < 0 {
			return 0, wrap(tw.ParseError(c), fmt.Sprintf("[%v]", k))
		}
		n += c
		m[k] = v
	}
	*unsafex.As[map[K]V](p) = m
	return n, nil
}

// sizeScalar is the size of the value x points to, -1 for a string too
// long for its length field.
func sizeScalar[W wire](w W, x any) int {
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

func appendScalar[W wire](w W, b []byte, x any) []byte {
	switch v := x.(type) {
	case *string:
		return w.appendString(b, *v)
	case *[]byte:
		return w.appendString(b, unsafex.String(*v))
	case *int32:
		return w.appendI32(b, *v)
	case *int64:
		return w.appendI64(b, *v)
	case *bool:
		return w.appendBool(b, *v)
	case *float64:
		return w.appendDouble(b, *v)
	}
	panic("codec: no scalar coder for a typed map's key or value")
}

// decodeScalar decodes into what x points to and returns the bytes it took,
// or a negative thriftwire code.
func decodeScalar[W wire](w W, d *decoder, b []byte, x any) int {
	var n int
	switch v := x.(type) {
	case *string:
		var s []byte
		if s, n = w.consumeBinary(b); n > 0 && len(s) > 0 {
			if !d.noCopy {
				s = d.copyBytes(s, len(b))
			}
			*v = unsafex.String(s)
		}
	case *[]byte:
		var s []byte
		if s, n = w.consumeBinary(b); n >= 0 {
			if !d.noCopy {
				s = d.copyBytes(s, len(b))
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

func sizeMapFast[W wire](w W, p unsafex.Pointer, ti *typeInfo, f mapFast) (int, error) {
	switch f {
	case mapStringString:
		return sizeMapOf[W, string, string](w, p, ti)
	case mapStringI64:
		return sizeMapOf[W, string, int64](w, p, ti)
	case mapStringI32:
		return sizeMapOf[W, string, int32](w, p, ti)
	case mapStringBool:
		return sizeMapOf[W, string, bool](w, p, ti)
	case mapStringDouble:
		return sizeMapOf[W, string, float64](w, p, ti)
	case mapStringBinary:
		return sizeMapOf[W, string, []byte](w, p, ti)
	case mapI64String:
		return sizeMapOf[W, int64, string](w, p, ti)
	case mapI32String:
		return sizeMapOf[W, int32, string](w, p, ti)
	case mapI64I64:
		return sizeMapOf[W, int64, int64](w, p, ti)
	case mapI32I32:
		return sizeMapOf[W, int32, int32](w, p, ti)
	}
	return 0, fmt.Errorf("%w: map kind %d", ErrType, f)
}

func appendMapFast[W wire](w W, b []byte, p unsafex.Pointer, ti *typeInfo, f mapFast) []byte {
	switch f {
	case mapStringString:
		return appendMapOf[W, string, string](w, b, p, ti)
	case mapStringI64:
		return appendMapOf[W, string, int64](w, b, p, ti)
	case mapStringI32:
		return appendMapOf[W, string, int32](w, b, p, ti)
	case mapStringBool:
		return appendMapOf[W, string, bool](w, b, p, ti)
	case mapStringDouble:
		return appendMapOf[W, string, float64](w, b, p, ti)
	case mapStringBinary:
		return appendMapOf[W, string, []byte](w, b, p, ti)
	case mapI64String:
		return appendMapOf[W, int64, string](w, b, p, ti)
	case mapI32String:
		return appendMapOf[W, int32, string](w, b, p, ti)
	case mapI64I64:
		return appendMapOf[W, int64, int64](w, b, p, ti)
	case mapI32I32:
		return appendMapOf[W, int32, int32](w, b, p, ti)
	}
	return b
}

func decodeMapFast[W wire](w W, d *decoder, b []byte, p unsafex.Pointer, ti *typeInfo, depth, count, n int, f mapFast) (int, error) {
	switch f {
	case mapStringString:
		return decodeMapOf[W, string, string](w, d, b, p, count, n)
	case mapStringI64:
		return decodeMapOf[W, string, int64](w, d, b, p, count, n)
	case mapStringI32:
		return decodeMapOf[W, string, int32](w, d, b, p, count, n)
	case mapStringBool:
		return decodeMapOf[W, string, bool](w, d, b, p, count, n)
	case mapStringDouble:
		return decodeMapOf[W, string, float64](w, d, b, p, count, n)
	case mapStringBinary:
		return decodeMapOf[W, string, []byte](w, d, b, p, count, n)
	case mapI64String:
		return decodeMapOf[W, int64, string](w, d, b, p, count, n)
	case mapI32String:
		return decodeMapOf[W, int32, string](w, d, b, p, count, n)
	case mapI64I64:
		return decodeMapOf[W, int64, int64](w, d, b, p, count, n)
	case mapI32I32:
		return decodeMapOf[W, int32, int32](w, d, b, p, count, n)
	}
	return 0, fmt.Errorf("%w: map kind %d", tw.ErrType, f)
}
