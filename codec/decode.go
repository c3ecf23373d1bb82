package codec

import (
	"fmt"

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

// scalars returns memory for n values of ti, a pointer-free type, rest
// being the input's bytes left: from the arena when they are few, 8-byte
// aligned (the arena's chunks are: the allocator aligns blocks of 16 bytes
// and more to 8 or better). A value takes at most 8 times its encoding (a
// compact i64 of one byte), which sizes a new chunk.
func (d *decoder) scalars(ti *typeInfo, n, rest int) unsafex.Pointer {
	size := int(ti.size) * n
	if size > arenaMax {
		return unsafex.NewArray(ti.goTyp, n)
	}
	start := (len(d.arena) + 7) &^ 7
	if start+size > cap(d.arena) {
		d.arena = make([]byte, 0, max(size, min(8*rest, arenaChunk), 16))
		start = 0
	}
	d.arena = d.arena[:start+size]
	clear(d.arena[start:])
	return unsafex.BytesPointer(d.arena[start:])
}

// copyBytes returns a copy of v, rest being the input's bytes from v on.
func (d *decoder) copyBytes(v []byte, rest int) []byte {
	switch {
	case len(v) == 0:
		return []byte{} // set, not nil, whatever the arena holds
	case len(v) > arenaMax:
		return append([]byte(nil), v...)
	}
	if cap(d.arena)-len(d.arena) < len(v) {
		// 16 bytes at least: smaller, the allocator's tiny blocks may
		// start anywhere, and scalars carves 8-byte-aligned values
		// relative to the chunk's start (found by review: a *int32 at
		// an odd address).
		d.arena = make([]byte, 0, max(len(v), min(rest, arenaChunk), 16))
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
