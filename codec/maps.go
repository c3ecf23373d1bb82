package codec

import (
	"reflect"
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
	if !natural(ti.key) || !natural(ti.elem) {
		return 0
	}
	return mapFastTypes[ti.goTyp]
}

// natural reports whether ti is coded as its Go kind says: not an int64
// enum written as an i32, not a []byte the tag makes a list<byte>.
func natural(ti *typeInfo) bool {
	switch ti.goTyp.Kind() {
	case reflect.Int64:
		return ti.kind == kI64
	case reflect.Slice:
		return ti.kind == kBinary
	}
	return true
}

// The typed map coders code keys and values through scalar helpers that
// take them as interfaces holding pointers, not through sizeValue and
// friends: a key's address reaching those would close a loop for escape
// analysis (the map is read through the same parameter), which then moves
// every key and value to the heap.
