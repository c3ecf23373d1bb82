package conn

import (
	"sync"
	"time"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/poller"
)

// A connection's two buffers are attached while bytes are in flight and
// given back once it is drained, so that an idle connection holds neither
// (2 x 112 bytes of the 0.8 KB it held idle; buffer.Linked already frees its
// last node when emptied). The loop takes them back in a sweep rather than
// at once, so that a busy connection keeps its buffers between requests.

// linkeds pools the detached buffers.
var linkeds = sync.Pool{New: func() any { return new(buffer.Linked) }}

// sweepEvery is how often a loop gives back the buffers of its drained
// connections. A sweep costs each connection two TryLocks and a few
// loads. A variable for the tests, which sweep every millisecond so that
// every test races sweeps against its traffic.
var sweepEvery = 100 * time.Millisecond

// connList is one loop's list of open connections (a server's, or those Dial
// made on the loop), swept while it is not empty. Used only on its loop.
type connList struct {
	head     *Conn
	sweeping bool   // a sweep is armed
	sweep    func() // the sweep, made once
}

// add puts c on the list and arms the sweep if it is not.
func (list *connList) add(l *poller.Loop, c *Conn) {
	c.next = list.head
	if list.head != nil {
		list.head.prev = c
	}
	list.head = c
	if !list.sweeping {
		list.sweeping = true
		if list.sweep == nil {
			list.sweep = func() { list.sweepOnce(l) }
		}
		l.AfterFunc(sweepEvery, list.sweep)
	}
}

// remove takes c off the list.
func (list *connList) remove(c *Conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else if list.head == c {
		list.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
}

// sweepOnce gives back the buffers of the drained connections, and comes
// again while there are connections.
func (list *connList) sweepOnce(l *poller.Loop) {
	for c := list.head; c != nil; c = c.next {
		c.trim()
	}
	if list.head == nil {
		list.sweeping = false
		return
	}
	l.AfterFunc(sweepEvery, list.sweep)
}

// inBuf returns the receive buffer, attaching one if there is none: on the
// loop, or by the reader with rmu held.
func (c *Conn) inBuf() *buffer.Linked {
	if in := c.in.Load(); in != nil {
		return in
	}
	in := linkeds.Get().(*buffer.Linked)
	if c.in.CompareAndSwap(nil, in) {
		return in
	}
	linkeds.Put(in)
	return c.in.Load()
}

// inLen is how many received bytes are unread, with rmu held or on the loop.
func (c *Conn) inLen() int {
	if in := c.in.Load(); in != nil {
		return in.Len()
	}
	return 0
}

// outBuf returns the send buffer, attaching one if there is none, with wmu
// held: only the writer attaches it.
func (c *Conn) outBuf() *buffer.Linked {
	if out := c.out.Load(); out != nil {
		return out
	}
	out := linkeds.Get().(*buffer.Linked)
	c.out.Store(out)
	return out
}

// trim gives back the buffers of a drained connection, on its loop. The
// receive buffer goes when nothing in it is unread or held (read and not
// released) and no reader is in a call; the send buffer when nothing in it
// waits to be flushed or sent, no send is in flight and no writer is in a
// call. A reader parked for more data holds no reference to the buffer, nor
// rmu: the next arrival attaches another.
func (c *Conn) trim() {
	if in := c.in.Load(); in != nil && c.rmu.TryLock() {
		if c.state.Load()&stFreed == 0 && in.Len() == 0 && c.released.Load() == c.arrived.Load() {
			c.in.Store(nil)
			in.Reset()
			linkeds.Put(in)
		}
		c.rmu.Unlock()
	}
	if out := c.out.Load(); out != nil && !c.sending && c.wmu.TryLock() {
		if c.state.Load()&stFreed == 0 && out.Len() == 0 && out.Unflushed() == 0 {
			c.out.Store(nil)
			out.Reset()
			linkeds.Put(out)
		}
		c.wmu.Unlock()
	}
}
