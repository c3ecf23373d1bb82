package unsafex

import (
	"reflect"
	"unsafe"
)

// A Pointer is an untyped pointer into a Go value: what the compiled codec
// walks structs with, by offset. It keeps what it points to alive, as
// unsafe.Pointer does.
type Pointer struct{ p unsafe.Pointer }

// PointerOf returns the pointer an interface holds; v must hold a pointer
// type (its data word is then the pointer itself).
func PointerOf(v any) Pointer {
	return Pointer{(*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]}
}

// TypeKey returns an identity of v's dynamic type: its type word, the same
// for every value of the type. A map keyed by it hashes a word, where one
// keyed by reflect.Type hashes an interface.
func TypeKey(v any) uintptr {
	return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0])
}

// PointerTo returns a Pointer to v.
func PointerTo[T any](v *T) Pointer { return Pointer{unsafe.Pointer(v)} }

// IsNil reports whether p is nil.
func (p Pointer) IsNil() bool { return p.p == nil }

// Add returns p moved off bytes forward: a field at that offset of the
// struct p points to, or an element of an array.
func (p Pointer) Add(off uintptr) Pointer { return Pointer{unsafe.Add(p.p, off)} }

// As returns p as a *T. The caller knows that p points to a T, or to a value
// of a type with T's memory layout (a named type's underlying type).
func As[T any](p Pointer) *T { return (*T)(p.p) }

// Load reads the pointer stored where p points: p points to a pointer field.
func (p Pointer) Load() Pointer { return Pointer{*(*unsafe.Pointer)(p.p)} }

// Store writes q where p points: p points to a pointer field.
func (p Pointer) Store(q Pointer) { *(*unsafe.Pointer)(p.p) = q.p }

// sliceHeader is a slice's memory layout.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// Slice returns the data pointer and length of the slice p points to.
func (p Pointer) Slice() (data Pointer, n int) {
	h := (*sliceHeader)(p.p)
	return Pointer{h.data}, h.len
}

// SetSlice makes the slice p points to have data, length and capacity n.
func (p Pointer) SetSlice(data Pointer, n int) {
	*(*sliceHeader)(p.p) = sliceHeader{data.p, n, n}
}

// New allocates a zero value of type t and returns a Pointer to it.
func New(t reflect.Type) Pointer { return Pointer{reflect.New(t).UnsafePointer()} }

// NewArray allocates n zero elements of type t, contiguous, and returns a
// Pointer to the first: the memory of a []t of length n. It grows a slice
// header of its own: reflect.MakeSlice would allocate a second time, to box
// the header in its Value.
func NewArray(t reflect.Type, n int) Pointer {
	var s sliceHeader
	reflect.NewAt(reflect.SliceOf(t), unsafe.Pointer(&s)).Elem().Grow(n)
	return Pointer{s.data}
}

// Map returns, as a reflect.Value of map type t, the map p points to: for
// what the codec leaves to reflection. It reads the map's pointer through a
// copy, so that p does not escape through the reflect.Value: escape analysis
// would otherwise move to the heap every value whose address reaches p on
// any path.
func (p Pointer) Map(t reflect.Type) reflect.Value {
	m := new(unsafe.Pointer)
	*m = *(*unsafe.Pointer)(p.p)
	return reflect.NewAt(t, unsafe.Pointer(m)).Elem()
}

// Interface returns p as an interface holding a *t: p points to a t.
func (p Pointer) Interface(t reflect.Type) any { return reflect.NewAt(t, p.p).Interface() }

// Rebind returns iface, a value of an interface type that holds a pointer,
// holding p in its place: its methods then run on what p points to, which
// must be a value of that pointer's element type. A call through it is one
// indirect call, where an interface made by Interface cost about 100
// instructions (measured: InitDefault on every decoded struct).
func Rebind[I any](iface I, p Pointer) I {
	if unsafe.Sizeof(iface) != 2*unsafe.Sizeof(p) {
		panic("unsafex: Rebind of a value that is not an interface")
	}
	(*[2]unsafe.Pointer)(unsafe.Pointer(&iface))[1] = p.p
	return iface
}

// StoreMap stores map m where p points: p points to a map of m's type.
func (p Pointer) StoreMap(m reflect.Value) { *(*unsafe.Pointer)(p.p) = m.UnsafePointer() }

// IsZero reports whether the n bytes p points to are all zero.
func (p Pointer) IsZero(n uintptr) bool {
	for _, b := range unsafe.Slice((*byte)(p.p), n) {
		if b != 0 {
			return false
		}
	}
	return true
}

// Slice returns the n Ts that start where p points, as a []T.
func Slice[T any](p Pointer, n int) []T { return unsafe.Slice((*T)(p.p), n) }

// BytesPointer returns a Pointer to b's first byte.
func BytesPointer(b []byte) Pointer { return Pointer{unsafe.Pointer(unsafe.SliceData(b))} }

// zeroArray is where an empty slice's data points.
var zeroArray [0]uint64

// SetEmptySlice makes the slice p points to empty but not nil, with no
// allocation.
func (p Pointer) SetEmptySlice() {
	*(*sliceHeader)(p.p) = sliceHeader{unsafe.Pointer(&zeroArray), 0, 0}
}

// MakeSlice makes the slice of type t that p points to n zero elements long,
// in one allocation: reflect.MakeSlice would allocate a second time, to box
// the slice header in its Value.
func (p Pointer) MakeSlice(t reflect.Type, n int) {
	s := reflect.NewAt(t, p.p).Elem()
	s.Set(reflect.Zero(t))
	s.Grow(n)
	s.SetLen(n)
}

// GrowSlice makes the slice of type t that p points to n zero elements
// longer, growing its backing as append does (moving its elements).
func (p Pointer) GrowSlice(t reflect.Type, n int) {
	s := reflect.NewAt(t, p.p).Elem()
	s.Grow(n)
	s.SetLen(s.Len() + n)
}
