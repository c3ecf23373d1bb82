package codec

import (
	"fmt"
	"sync"

	"github.com/ringwire/ringwire/internal/unsafex"
)

// decoder holds what one Unmarshal needs besides the value: its options,
// and the arena its strings and binaries are copied into.
type decoder struct {
	noCopy bool
	arena  []byte
}

// Strings, binaries and lists of scalars up to arenaMax bytes share arena
// chunks of arenaChunk bytes, and a chunk outlives the Unmarshal that made
// it: decoders are pooled with what is left of their chunk, as frugal
// keeps a 2 KiB span in its pooled decoders. So a small struct's string
// costs no allocation of its own (measured: two allocations for a decoded
// 4-field struct, counting the struct, became one). A value kept pins its
// chunk: at most arenaChunk bytes, whoever else's values shared it.
const (
	arenaMax   = 512
	arenaChunk = 2 << 10
)

var decoders = sync.Pool{New: func() any { return new(decoder) }}

func getDecoder(noCopy bool) *decoder {
	d := decoders.Get().(*decoder)
	d.noCopy = noCopy
	return d
}

func putDecoder(d *decoder) {
	if cap(d.arena)-len(d.arena) < 16 {
		d.arena = nil // spent: let it go with the values that hold it
	}
	decoders.Put(d)
}

// mapHint is the size hint of a decoded map of count entries: count, unless
// their Go memory passes the list budget (a map of large structs by value),
// and then what fits it; the map grows as entries arrive.
func mapHint(ti *typeInfo, count, rest int) int {
	size := int(ti.key.size + ti.elem.size)
	if size == 0 {
		return count
	}
	return min(count, max(1, max(listBudget, 16*rest)/size))
}

// listBudget is the Go memory a list's backing may take before its
// elements have been read, at the least: more is allowed for a longer
// input (16 bytes a byte of it), and past it the backing grows as elements
// arrive.
const listBudget = 64 << 10

// scalars returns memory for n values of ti, a pointer-free type: from
// the arena when they are few, 8-byte aligned (the arena's chunks are: the
// allocator aligns blocks of 16 bytes and more to 8 or better). The caller
// has checked n against the input (a value takes at most 8 times its
// encoding: a compact i64 of one byte).
func (d *decoder) scalars(ti *typeInfo, n int) unsafex.Pointer {
	size := int(ti.size) * n
	if size > arenaMax {
		return unsafex.NewArray(ti.goTyp, n)
	}
	start := (len(d.arena) + 7) &^ 7
	if start+size > cap(d.arena) {
		d.arena = make([]byte, 0, max(size, arenaChunk))
		start = 0
	}
	// No clear: a chunk's bytes are handed out once, in order, and were
	// zeroed by make.
	d.arena = d.arena[:start+size]
	return unsafex.BytesPointer(d.arena[start:])
}

// copyBytes returns a copy of v.
func (d *decoder) copyBytes(v []byte) []byte {
	switch {
	case len(v) == 0:
		return []byte{} // set, not nil, whatever the arena holds
	case len(v) > arenaMax:
		return append([]byte(nil), v...)
	}
	if cap(d.arena)-len(d.arena) < len(v) {
		// A chunk is arenaChunk bytes or more, which the allocator
		// aligns to 8 or better: scalars carves 8-byte-aligned values
		// relative to the chunk's start (found by review: a *int32 at an
		// odd address when chunks could be under 16 bytes).
		d.arena = make([]byte, 0, max(len(v), arenaChunk))
	}
	start := len(d.arena)
	d.arena = append(d.arena, v...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

func wrapField(err error, si *structInfo, f *fieldInfo, id int16) error {
	if f != nil {
		return wrap(err, f.name)
	}
	return wrap(err, fmt.Sprintf("<field %d>", id))
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
	unsafex.Rebind(ti.defaulter, p).InitDefault()
}

// setBool stores a bool that came in a compact field header.
func setBool(p unsafex.Pointer, ti *typeInfo, v bool) {
	if ti.kind == kPtr {
		q := unsafex.New(ti.elem.goTyp) // fresh, as decodeValue's pointers
		p.Store(q)
		p = q
	}
	*unsafex.As[bool](p) = v
}
