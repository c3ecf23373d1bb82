package buffer

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// A node is one link of a Linked chain: a run of bytes, either memory it owns
// (from the size-class pool, or allocated outright when too large for it) or a
// view of memory owned elsewhere (another node, or a caller's slice).
//
// Field ownership follows the Linked contract: off belongs to the reading
// side; end and next are written by the writing side once, when it links a
// successor, and next is the atomic that publishes end.
type node struct {
	// dbg is first: a trailing zero-size field would pad the struct.
	//lint:ignore U1000 used under the ringwire_debug tag
	dbg nodeDebug // empty unless built with ringwire_debug

	buf []byte // owned memory (len == cap == class size), or the viewed bytes
	off int    // read position in buf: reading side only

	// end is the node's final length, written before next is stored. While next
	// is nil the node is the writing side's tail and end means nothing.
	end  int
	next atomic.Pointer[node]

	// owner is the node that owns buf when this one is a view of it (a Slice),
	// nil when this node owns buf itself. Views always point at the owner,
	// never at another view, so a release is one decrement.
	owner *node
	// refs counts the nodes that read buf: the owner itself and its views.
	// Only meaningful on owners. It is 1 on every node in a pool, so that
	// taking one needs no store.
	refs atomic.Int32
	// release is called with buf when the last reference goes, for memory the
	// buffer does not own (Writer.Append). Nil for pooled memory.
	release func([]byte)
	// class is buf's size class, or noClass when buf did not come from a pool.
	class int8
	// readonly nodes are never written by Malloc or Write: appended slices and
	// views, whose memory is shared.
	readonly bool
}

// Size classes: powers of two from 64 B to 4 MiB. Larger nodes are allocated
// outright and left to the garbage collector.
//
// The pool is our own rather than bytedance/gopkg lang/mcache: a class pool
// holds *node with its memory attached, so taking a node is one sync.Pool Get
// instead of two (node struct, then bytes). A take and give-back cycle costs
// 10.1 ns this way against 22.1 ns for mcache plus a pool of node structs, at
// 1 KiB and at 16 KiB alike (medians of 3, Go 1.26.8, AMD EPYC, one CPU:
// `cd bench && go test -run '^$' -bench PoolDesign -cpu 1 ./buffer`).
const (
	minClassShift = 6
	maxClassShift = 22
	numClasses    = maxClassShift - minClassShift + 1
	noClass       = -1

	// minNodeSize is the first node of a chain; each further node doubles, up
	// to maxGrowSize, or is as large as a single Malloc needs.
	minNodeSize = 1 << 10
	maxGrowSize = 64 << 10
)

// MaxMalloc is the largest n that Malloc accepts.
const MaxMalloc = 1 << 30

var (
	classPools [numClasses]sync.Pool // *node owning 1<<(class+minClassShift) bytes
	viewPool   sync.Pool             // *node with no memory of its own
)

func init() {
	for c := range classPools {
		size := 1 << (c + minClassShift)
		class := int8(c)
		classPools[c].New = func() any {
			nd := &node{buf: make([]byte, size), class: class}
			nd.refs.Store(1)
			return nd
		}
	}
	viewPool.New = func() any {
		nd := &node{class: noClass}
		nd.refs.Store(1)
		return nd
	}
}

// classFor returns the smallest class holding n bytes, or noClass.
func classFor(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minClassShift
	if c >= numClasses {
		return noClass
	}
	return c
}

// newOwned returns a node owning at least size bytes, with one reference.
func newOwned(size int) *node {
	var nd *node
	if c := classFor(size); c != noClass {
		nd = classPools[c].Get().(*node)
	} else {
		nd = &node{buf: make([]byte, size), class: noClass}
		nd.refs.Store(1)
	}
	debugAcquire(nd)
	return nd
}

// newExternal returns a read-only node over p, calling release(p) when freed.
func newExternal(p []byte, release func([]byte)) *node {
	nd := viewPool.Get().(*node)
	nd.buf, nd.end, nd.release, nd.readonly = p, len(p), release, true
	debugAcquire(nd)
	return nd
}

// newView returns a read-only node over p, which lies in nd's memory, taking
// a reference on nd's owner.
func newView(nd *node, p []byte) *node {
	owner := nd
	if nd.owner != nil {
		owner = nd.owner
	}
	owner.refs.Add(1)
	v := viewPool.Get().(*node)
	v.buf, v.end, v.owner, v.readonly = p, len(p), owner, true
	debugAcquire(v)
	return v
}

// free drops nd's reference to its memory and recycles nd. It is called once
// per node, by whichever side holds the node last.
func (nd *node) free() {
	debugRelease(nd)
	if owner := nd.owner; owner != nil {
		nd.recycle()
		owner.unref()
		return
	}
	nd.unref()
}

// unref drops one reference to an owner's memory; the last one returns it.
//
// A count of 1 means the caller holds the only reference, and nobody can take
// another without holding one, so the common case needs only a load. With the
// count left at 1 in the pools and next cleared only when set, a node's round
// trip has no locked instruction: that took the 64 B framed-read cycle of
// bench/buffer from 57 to 38 ns (Go 1.26.8, AMD EPYC, one CPU).
func (nd *node) unref() {
	if nd.refs.Load() != 1 {
		if nd.refs.Add(-1) != 0 {
			return
		}
		nd.refs.Store(1) // pooled nodes keep a count of 1
	}
	if nd.release != nil {
		nd.release(nd.buf)
	} else if !nd.readonly { // an owner is read-only when it wraps a caller's memory
		debugPoison(nd.buf)
	}
	nd.recycle()
}

// recycle clears nd and puts it back in its pool. Under ringwire_debug nodes
// are never reused, so that a stale pointer keeps pointing at a dead node.
func (nd *node) recycle() {
	if debugEnabled {
		return
	}
	nd.off, nd.end, nd.owner, nd.release, nd.readonly = 0, 0, nil, nil, false
	if nd.next.Load() != nil { // a store is a locked exchange, see unref
		nd.next.Store(nil)
	}
	if nd.class == noClass {
		// A view, an appended slice, or an oversized owner: the struct is
		// reusable as a view; the memory is not ours to keep.
		nd.buf = nil
		viewPool.Put(nd)
		return
	}
	classPools[nd.class].Put(nd)
}
