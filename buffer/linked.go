package buffer

import "sync/atomic"

// Linked is a chain of nodes that implements Reader and Writer. Its zero value
// is an empty buffer that holds no memory; it must not be copied after first use.
//
// # Concurrency
//
// One goroutine may write (Malloc, Write, Append, Flush, Unflushed) while one
// other goroutine reads (Next, Peek, Skip, Len, Slice, Release, Views,
// Advance), with no lock: the sides share one atomic state word, which Flush
// stores and the reading side loads, and each node's next pointer. Any number
// of goroutines may use the Readers made by Slice, each its own. Close must not
// run concurrently with either side.
//
// # Memory
//
// Written bytes go into pooled nodes that start at 1 KiB and double, up to
// 64 KiB, as the chain grows; a single larger Malloc gets a node of its size.
// Release frees the nodes read to their end. When everything flushed has been
// read and the writing side is between Flushes, Release frees the last node
// too, so an idle buffer costs only its struct.
type Linked struct {
	// dbg is first: a trailing zero-size field would pad the struct.
	//lint:ignore U1000 used under the ringwire_debug tag
	dbg linkedDebug

	// Reading side.
	head     *node   // oldest node not yet freed; nil when the chain is detached
	read     *node   // node the next read starts in
	consumed int     // bytes consumed since the buffer was made
	scratch  []*node // copies made by Next and Peek across nodes, freed by Release

	// Shared. state is the total flushed byte count shifted left by
	// stateShift, with the two flags below. Only the writing side changes the
	// count; the reading side sets stateDetached, by a compare-and-swap that
	// succeeds only while the writing side is idle and everything is read.
	state atomic.Uint64
	// first is the first node of a chain the writing side started, published
	// by the Flush that follows. The reading side picks it up when it has no
	// chain.
	first *node

	// Writing side.
	tail      *node
	wpos      int  // write position in tail.buf
	unflushed int  // bytes written since the last Flush
	writing   bool // a write has started since the last Flush (see beginWrite)
	grow      int  // size of the next owned node

	closed bool
}

const (
	// stateWriting is set from the first write after a Flush into a chain the
	// reading side holds, until the next Flush: the tail node may hold bytes
	// the reading side cannot see, and must not be freed.
	stateWriting = 1 << 0
	// stateDetached is set by the reading side when it has freed the whole
	// chain; the writing side then starts a new one.
	stateDetached = 1 << 1
	stateShift    = 2
)

// Len reports how many flushed bytes are waiting to be read.
func (b *Linked) Len() int {
	return int(b.state.Load()>>stateShift) - b.consumed
}

// Next returns the next n bytes and consumes them: a view into a node when
// they sit in one, else one copy into pooled memory. The result is valid until
// the next Release or Close.
func (b *Linked) Next(n int) ([]byte, error) {
	// Fast path: the bytes lie in the node being read.
	if nd := b.read; nd != nil && n > 0 && n <= b.Len() && !b.closed &&
		(nd.next.Load() == nil || n <= nd.end-nd.off) {
		return b.take(nd, n), nil
	}
	avail, err := b.check(n)
	if err != nil || n == 0 {
		return nil, err
	}
	if nd := b.cur(); n <= nd.readable(nd.off, avail) {
		return b.take(nd, n), nil
	}
	p := b.scratchBytes(n)
	b.copyOut(p, avail)
	b.skip(n, avail)
	return p, nil
}

// take consumes and returns n bytes that lie in nd, the node being read.
func (b *Linked) take(nd *node, n int) []byte {
	debugCheck(nd)
	p := nd.buf[nd.off : nd.off+n : nd.off+n]
	nd.off += n
	b.consumed += n
	return p
}

// Peek returns the next n bytes without consuming them, valid until the next
// Release or Close.
func (b *Linked) Peek(n int) ([]byte, error) {
	avail, err := b.check(n)
	if err != nil || n == 0 {
		return nil, err
	}
	nd := b.cur()
	if n <= nd.readable(nd.off, avail) {
		return nd.buf[nd.off : nd.off+n : nd.off+n], nil
	}
	p := b.scratchBytes(n)
	b.copyOut(p, avail)
	return p, nil
}

// Skip consumes n bytes.
func (b *Linked) Skip(n int) error {
	avail, err := b.check(n)
	if err != nil || n == 0 {
		return err
	}
	b.skip(n, avail)
	return nil
}

// Slice consumes the next n bytes and returns them as a new *Linked that
// shares their memory. Close the result when done with it: that drops its
// references, so that pooled memory returns to the pool and release hooks of
// appended memory run. Slice allocates the new Linked; SliceTo reuses one.
func (b *Linked) Slice(n int) (Reader, error) {
	if _, err := b.check(n); err != nil {
		return nil, err
	}
	s := new(Linked)
	return s, b.SliceTo(s, n)
}

// SliceTo is Slice into a Linked the caller provides: it resets dst, as Reset
// does, and fills it with the next n bytes, shared by reference. Reusing one
// dst, for example per connection, makes a sub-frame cost no allocation.
func (b *Linked) SliceTo(dst *Linked, n int) error {
	avail, err := b.check(n)
	if err != nil {
		return err
	}
	if dst == b {
		return ErrSliceToSelf
	}
	if err := dst.Reset(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	nd := b.cur()
	for rem := n; ; nd = nd.next.Load() {
		debugCheck(nd)
		k := min(rem, nd.readable(nd.off, avail))
		if k > 0 {
			dst.link(newView(nd, nd.buf[nd.off:nd.off+k:nd.off+k]), k)
			nd.off += k
			rem -= k
			avail -= k
		}
		if rem == 0 {
			break
		}
	}
	b.read = nd
	b.consumed += n
	dst.state.Store(uint64(n) << stateShift)
	return nil
}

// Release frees every node read to its end, and the memory of copies made by
// Next and Peek. Slices returned by Next and Peek are invalid after it.
func (b *Linked) Release() error {
	if b.closed {
		return b.useAfterClose()
	}
	if len(b.scratch) > 0 {
		b.freeScratch()
	}
	if b.read == nil {
		return nil
	}
	avail := b.Len()
	nd := b.read.pastRead()
	b.read = nd
	for b.head != nd {
		h := b.head
		b.head = h.next.Load()
		h.free()
	}
	// The last node: free it too if all is read and the writing side is idle.
	// The swap fails if a Flush or a write has started since avail was loaded.
	// This costs a compare-and-swap and a pool round trip whenever a Release
	// empties the buffer: the 64 B framed read of bench/buffer takes 31 ns
	// with it and 21 ns with the node kept (Go 1.26.8). It is what lets an
	// idle connection hold no buffer memory.
	idle := uint64(b.consumed) << stateShift
	if avail == 0 && nd.next.Load() == nil && b.state.CompareAndSwap(idle, idle|stateDetached) {
		nd.free()
		b.head, b.read = nil, nil
	}
	return nil
}

// Views fills dst, up to its capacity, with the flushed bytes waiting to be
// read, in order, without consuming them or allocating: the iovecs of a writev
// or sendmsg. The slices are valid until the next Release or Close.
func (b *Linked) Views(dst [][]byte) [][]byte {
	dst = dst[:0]
	avail := b.Len()
	if b.closed || avail == 0 {
		return dst
	}
	for nd := b.cur(); len(dst) < cap(dst); nd = nd.next.Load() {
		debugCheck(nd)
		if k := nd.readable(nd.off, avail); k > 0 {
			dst = append(dst, nd.buf[nd.off:nd.off+k:nd.off+k])
			avail -= k
		}
		if avail == 0 {
			break
		}
	}
	return dst
}

// Advance consumes n bytes and releases everything read: the call after a
// writev or sendmsg of Views wrote n bytes.
func (b *Linked) Advance(n int) error {
	if err := b.Skip(n); err != nil {
		return err
	}
	return b.Release()
}

// Malloc returns n writable bytes at the end of the buffer, counted as
// written. They are valid until the next Flush.
func (b *Linked) Malloc(n int) ([]byte, error) {
	if b.closed {
		return nil, b.useAfterClose()
	}
	if n <= 0 || n > MaxMalloc {
		if n == 0 {
			return nil, nil
		}
		return nil, ErrInvalidSize
	}
	if !b.writing {
		b.beginWrite()
	}
	if t := b.tail; t == nil || t.readonly || len(t.buf)-b.wpos < n {
		b.linkOwned(n)
	}
	debugCheck(b.tail)
	p := b.tail.buf[b.wpos : b.wpos+n : b.wpos+n]
	b.wpos += n
	b.unflushed += n
	return p, nil
}

// Write copies p into the buffer, filling the tail node before linking a new
// one. It never fails on an open buffer.
func (b *Linked) Write(p []byte) (int, error) {
	if b.closed {
		return 0, b.useAfterClose()
	}
	n := len(p)
	if n == 0 {
		return 0, nil
	}
	if !b.writing {
		b.beginWrite()
	}
	if t := b.tail; t != nil && !t.readonly {
		debugCheck(t)
		k := copy(t.buf[b.wpos:], p)
		b.wpos += k
		p = p[k:]
	}
	if len(p) > 0 {
		b.linkOwned(len(p))
		b.wpos = copy(b.tail.buf, p)
	}
	b.unflushed += n
	return n, nil
}

// Append links p as a node of its own, without copying. release, if not nil,
// is called with p exactly once, when the buffer and every Slice of it are
// done with p. An empty p is released at once.
func (b *Linked) Append(p []byte, release func([]byte)) error {
	if b.closed {
		return b.useAfterClose()
	}
	if len(p) == 0 {
		if release != nil {
			release(p)
		}
		return nil
	}
	if !b.writing {
		b.beginWrite()
	}
	b.link(newExternal(p, release), len(p))
	b.unflushed += len(p)
	return nil
}

// Flush publishes everything written to the reading side.
func (b *Linked) Flush() error {
	if b.closed {
		return b.useAfterClose()
	}
	if !b.writing {
		return nil
	}
	// While stateWriting or stateDetached is set the reading side does not
	// store the state, so a plain store is enough; it clears both flags.
	flushed := b.state.Load()>>stateShift + uint64(b.unflushed)
	b.state.Store(flushed << stateShift)
	b.writing, b.unflushed = false, 0
	return nil
}

// Unflushed reports how many bytes were written since the last Flush.
func (b *Linked) Unflushed() int { return b.unflushed }

// Close frees every node, read or not, flushed or not, and makes every later
// call fail with ErrClosed. Neither side may be in a call when Close runs.
func (b *Linked) Close() error {
	if err := b.Reset(); err != nil {
		return err
	}
	b.closed = true
	debugMarkClosed(b)
	return nil
}

// Reset frees every node, read or not, flushed or not, and leaves b empty and
// ready for use, as a zero Linked. Neither side may be in a call when Reset
// runs.
func (b *Linked) Reset() error {
	if b.closed {
		return b.useAfterClose()
	}
	b.freeScratch()
	for nd := b.chain(); nd != nil; {
		next := nd.next.Load()
		nd.free()
		nd = next
	}
	scratch := b.scratch
	*b = Linked{scratch: scratch}
	return nil
}

// chain returns the first node b holds, or nil. Neither side may be in a call.
func (b *Linked) chain() *node {
	if b.head != nil {
		return b.head
	}
	// A chain the reading side has not picked up yet. After a detach, the
	// tail is stale until a write starts a new chain (see beginWrite).
	if b.tail != nil && (b.state.Load()&stateDetached == 0 || b.writing) {
		return b.first
	}
	return nil
}

// check validates n for a read and returns the readable length.
func (b *Linked) check(n int) (int, error) {
	if b.closed {
		return 0, b.useAfterClose()
	}
	avail := b.Len()
	if n < 0 {
		return 0, ErrInvalidSize
	}
	if n > avail {
		return 0, ErrShort
	}
	return avail, nil
}

func (b *Linked) useAfterClose() error {
	if debugEnabled {
		debugUseAfterClose(b)
	}
	return ErrClosed
}

// cur returns the node the next read starts in, past nodes read to their
// end. Call it only when Len() > 0.
func (b *Linked) cur() *node {
	if b.read == nil {
		b.read, b.head = b.first, b.first
	}
	b.read = b.read.pastRead()
	return b.read
}

// pastRead returns the first node from nd on that is not read to its end, or
// the tail.
func (nd *node) pastRead() *node {
	for {
		debugCheck(nd)
		next := nd.next.Load()
		if next == nil || nd.off < nd.end {
			return nd
		}
		nd = next
	}
}

// readable returns how many of the avail bytes readable from position from
// onward lie in nd. A node without a successor is the tail: all of them do.
// The caller loaded avail before this loads next, so a successor linked in
// between is seen with its end already final.
func (nd *node) readable(from, avail int) int {
	if nd.next.Load() != nil {
		return min(nd.end-from, avail)
	}
	return avail
}

// copyOut copies len(p) bytes from the read position into p, consuming nothing.
func (b *Linked) copyOut(p []byte, avail int) {
	for nd := b.cur(); ; nd = nd.next.Load() {
		debugCheck(nd)
		k := copy(p, nd.buf[nd.off:nd.off+nd.readable(nd.off, avail)])
		p = p[k:]
		avail -= k
		if len(p) == 0 {
			return
		}
	}
}

// skip consumes n <= avail bytes.
func (b *Linked) skip(n, avail int) {
	b.consumed += n
	nd := b.cur()
	for {
		k := min(n, nd.readable(nd.off, avail))
		nd.off += k
		n -= k
		avail -= k
		if n == 0 {
			break
		}
		nd = nd.next.Load()
		debugCheck(nd)
	}
	b.read = nd
}

func (b *Linked) scratchBytes(n int) []byte {
	nd := newOwned(n)
	b.scratch = append(b.scratch, nd)
	return nd.buf[:n:n]
}

func (b *Linked) freeScratch() {
	for i, nd := range b.scratch {
		nd.free()
		b.scratch[i] = nil
	}
	b.scratch = b.scratch[:0]
}

// beginWrite runs before the first write after a Flush. If the reading side
// has freed the chain, it starts a new one, which the reading side cannot see
// or free until the next Flush: no atomic write is needed. Otherwise it marks
// the writing side busy, so that Release does not free the tail node being
// written. Callers write at least one byte before the next Flush, so the
// flushed count always moves between two busy periods and the swap in Release
// cannot succeed on a stale state.
func (b *Linked) beginWrite() {
	b.writing = true
	for {
		s := b.state.Load()
		if s&stateDetached != 0 {
			// Flush clears stateDetached when it publishes the new chain.
			b.tail, b.wpos, b.grow = nil, 0, 0
			return
		}
		if b.state.CompareAndSwap(s, s|stateWriting) {
			return
		}
	}
}

// linkOwned links a new pooled node with room for at least n bytes.
func (b *Linked) linkOwned(n int) {
	size := max(b.grow, minNodeSize)
	b.grow = min(2*size, maxGrowSize)
	b.link(newOwned(max(size, n)), 0)
}

// link makes nd the tail, with wpos bytes of it already written. The old
// tail's end is stored before the next pointer that publishes it.
func (b *Linked) link(nd *node, wpos int) {
	if t := b.tail; t == nil {
		b.first = nd
	} else {
		if !t.readonly {
			t.end = b.wpos
		}
		t.next.Store(nd)
	}
	b.tail, b.wpos = nd, wpos
}

var (
	_ ReadWriter = (*Linked)(nil)
)
