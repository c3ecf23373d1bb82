package conn

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/poller"
)

// Conn is a connection on a poller loop. It is a buffer.Reader over the
// bytes received, a buffer.Writer over the bytes to send, and a net.Conn.
//
// # Reading
//
// Next, Peek, Skip and Slice wait until the bytes they ask for have arrived,
// the read deadline passes (ErrTimeout) or the connection ends (io.EOF once
// the peer has closed and fewer bytes remain; ErrClosed or a *ConnError
// otherwise). On a connection served inline they never wait: they return
// buffer.ErrShort, and the handler is called again when more bytes arrive.
// One goroutine reads at a time. Memory returned by Next and Peek is valid
// until the next Release, Read or Close.
//
// # Writing
//
// Malloc, Append and WriteString fill the send buffer; Flush hands what was
// written to the loop, without a copy, and returns once it is queued. When
// more than WriteHighWater bytes wait to be sent, Flush waits until the queue
// is below half of that (or the write deadline passes), or, with
// WriteFailFast, returns ErrWouldBlock at once. Write, for net.Conn, copies
// and flushes. One goroutine writes at a time; reading and writing may run
// on two goroutines.
//
// # Closing
//
// Close may be called at any moment from any goroutine, more than once: calls
// it interrupts return ErrClosed. Bytes flushed before Close are still sent,
// for up to Linger, then the socket closes. The connection's memory returns
// to its pools once the loop and every caller are done with it.
type Conn struct {
	h    *poller.Handle // on the loop; nil once the handle has closed
	loop *poller.Loop
	eng  *engine
	srv  *Server // nil for a connection from Dial
	opts *Options

	// The fields are ordered so that the struct packs into 320 bytes, a
	// size class (TestConnSize): every idle connection pays for it.

	// Receiving. The loop writes in and publishes what it flushed in
	// arrived; one reading goroutine reads it under rmu, which Close's final
	// free also takes. in is attached while bytes are in flight and taken
	// back by the loop's sweep once the connection is drained (see trim).
	rmu       sync.Mutex
	in        atomic.Pointer[buffer.Linked]
	consumed  int64        // reading side: bytes consumed
	rconsumed atomic.Int64 // consumed, published for the loop
	released  atomic.Int64 // bytes consumed by the last Release: what in no longer holds
	arrived   atomic.Int64 // bytes flushed into in by the loop
	rneed     atomic.Int64 // a parked reader waits for arrived >= rneed
	rwait     atomic.Pointer[waiter]
	rdeadline atomic.Int64 // unix nanoseconds; 0 for none
	inPaused  atomic.Bool  // receiving paused: too many bytes unread

	// Sending. One writing goroutine fills out under wmu; the loop sends what
	// was flushed and counts it in sent. out is attached by the writer and
	// taken back as in is.
	wmu       sync.Mutex
	kicked    atomic.Bool // a send task is posted and has not run
	out       atomic.Pointer[buffer.Linked]
	flushed   int64 // writing side: bytes flushed
	sent      atomic.Int64
	wneed     atomic.Int64 // a parked flusher waits for sent >= wneed
	wwait     atomic.Pointer[waiter]
	wdeadline atomic.Int64

	state atomic.Uint32
	refs  atomic.Int32          // the loop, a running handler, the user of a dialed Conn
	cause atomic.Pointer[error] // why it closed: the first reason wins

	inline bool // served inline; set before the connection is published

	// Loop-owned.
	sending    bool
	outPaused  bool // receiving paused: the peer does not read what we send
	recvPaused bool // the handle's receive is paused (inPaused or outPaused)
	lingering  bool // closing once the send queue drains

	// A server's handler runs at most once at a time, in a worker's turn:
	// turn is odd while one is under way. The loop starts a turn when it
	// hands the connection to a worker; the worker, or Handoff, ends it.
	// Each start and end adds one, so a worker knows whether its turn
	// ended under it.
	turn   atomic.Uint32
	holds  atomic.Int32  // Hold minus Unhold: replies still to come after the handler returned
	events atomic.Uint64 // arrivals and EOF, to catch one that raced a finishing handler

	lingerT    *poller.Timer // loop-owned: Linger's limit on a closing connection's last sends
	prev, next *Conn         // loop-owned: its loop's connList (a server's, or Dial's)
	x          *connRare     // set before the connection is published; nil for most

	local, remote netip.AddrPort // TCP addresses, kept by value; Unix names are in x
	ctx           atomic.Pointer[any]
}

// connRare is what few connections need, kept out of the many idle ones:
// IdleTimeout's state, Dial's wait for the connect, Unix socket names.
type connRare struct {
	idle       *poller.Timer // IdleTimeout's check; loop-owned
	idleMark   [2]int64      // consumed and sent at the last check
	idleQuiet  bool          // the last check saw no progress
	connected  chan error    // Dial's wait for the connect; loop-owned once posted
	localUnix  *net.UnixAddr
	remoteUnix *net.UnixAddr
}

// rare returns x, making it: only before the connection is published.
func (c *Conn) rare() *connRare {
	if c.x == nil {
		c.x = new(connRare)
	}
	return c.x
}

// State bits.
const (
	stClosed     = 1 << iota // closing or closed: cause is set
	stUserClosed             // Close was called
	stEOF                    // the peer closed its sending side
	stLoopDone               // the handle's OnClose ran
	stFreed                  // the buffers are back in their pools
	stShutdown               // the server shuts down: close once the handler returns
)

func newConn(e *engine, l *poller.Loop, srv *Server, opts *Options) *Conn {
	c := &Conn{eng: e, loop: l, srv: srv, opts: opts}
	if srv != nil {
		c.inline = srv.Inline
		c.refs.Store(1) // the loop's
	} else {
		c.refs.Store(2) // the loop's and the caller's
	}
	return c
}

// LocalAddr returns the local network address: a *net.TCPAddr, made at each
// call (the connection keeps it in a smaller form), or a *net.UnixAddr.
func (c *Conn) LocalAddr() net.Addr {
	if c.x != nil && c.x.localUnix != nil {
		return c.x.localUnix
	}
	return tcpAddr(c.local)
}

// RemoteAddr returns the peer's network address, as LocalAddr does.
func (c *Conn) RemoteAddr() net.Addr {
	if c.x != nil && c.x.remoteUnix != nil {
		return c.x.remoteUnix
	}
	return tcpAddr(c.remote)
}

// Context returns the value stored by SetContext, or nil.
func (c *Conn) Context() any {
	if p := c.ctx.Load(); p != nil {
		return *p
	}
	return nil
}

// SetContext stores a value of the user's with the connection: a session, a
// codec, a per-connection scratch buffer. Any goroutine may call it.
func (c *Conn) SetContext(v any) { c.ctx.Store(&v) }

// Loop returns the loop the connection runs on.
func (c *Conn) Loop() *poller.Loop { return c.loop }

// Usable reports whether the connection is open and the peer has not
// closed its side: what a pool checks before it reuses an idle connection.
func (c *Conn) Usable() bool {
	return c.state.Load()&(stClosed|stEOF|stUserClosed) == 0
}

// err returns why the connection closed.
func (c *Conn) err() error {
	if p := c.cause.Load(); p != nil {
		return *p
	}
	return ErrClosed
}

// setClosed records why the connection closes, if it is the first reason,
// and sets stClosed. It reports whether it was the first.
func (c *Conn) setClosed(cause error) bool {
	first := c.cause.CompareAndSwap(nil, &cause)
	for {
		st := c.state.Load()
		if st&stClosed != 0 || c.state.CompareAndSwap(st, st|stClosed) {
			break
		}
	}
	return first
}

func (c *Conn) setState(bit uint32) (was uint32) {
	for {
		st := c.state.Load()
		if c.state.CompareAndSwap(st, st|bit) {
			return st
		}
	}
}

// testHookPark, set by tests only, runs in await and flush between their
// reading of the deadline and their wait: where a deadline set meanwhile
// used to be missed.
var testHookPark func()

// busy reports whether a worker's turn is under way.
func (c *Conn) busy() bool { return c.turn.Load()&1 != 0 }

// take starts a worker's turn, unless one is under way.
func (c *Conn) take() bool {
	t := c.turn.Load()
	return t&1 == 0 && c.turn.CompareAndSwap(t, t+1)
}

// ---- Reading ----

// await waits until n bytes are buffered, with rmu held; it releases rmu
// while it waits.
func (c *Conn) await(n int) error {
	for {
		st := c.state.Load()
		if st&(stUserClosed|stFreed) != 0 {
			return ErrClosed
		}
		if n <= 0 || c.inLen() >= n {
			return nil
		}
		switch {
		case st&stClosed != 0:
			return c.err()
		case st&stEOF != 0:
			return io.EOF
		case c.inline:
			// Called again when more has arrived; meanwhile a request
			// larger than MaxBuffered must not pause receiving.
			c.rneed.Store(c.consumed + int64(n))
			return buffer.ErrShort
		}
		need := c.consumed + int64(n)
		c.rneed.Store(need)
		// Receiving may have paused on MaxBuffered before this reader said
		// it needs more: resume it. The loop stores inPaused, then reads
		// rneed; this stores rneed, then reads inPaused: one sees the other.
		if c.inPaused.Load() && c.arrived.Load() < need && c.inPaused.CompareAndSwap(true, false) {
			c.post((*resumeTask)(c))
		}
		// A deadline set after it is read here and before the waiter is
		// published wakes no one: ready sees it changed, and the loop
		// waits again with it.
		dl := c.rdeadline.Load()
		if testHookPark != nil {
			testHookPark()
		}
		err := park(&c.rwait, &c.rmu, dl, func() bool {
			return c.arrived.Load() >= need || c.state.Load()&(stClosed|stEOF) != 0 ||
				c.rdeadline.Load() != dl
		})
		if err != nil {
			return err
		}
	}
}

// consume counts n bytes read. Their memory stays held until release.
func (c *Conn) consume(n int) {
	c.consumed += int64(n)
	c.rconsumed.Store(c.consumed)
}

// release frees what was read, with rmu held (or on the loop, inline), and
// resumes receiving when what in holds has fallen below half of
// MaxBuffered. Backpressure counts held bytes, not unread ones: a handler
// that reads on and never releases holds what it read.
func (c *Conn) release() error {
	var err error
	if in := c.in.Load(); in != nil {
		err = in.Release()
	}
	c.released.Store(c.consumed)
	if c.inPaused.Load() && c.arrived.Load()-c.consumed <= int64(c.opts.maxBuffered()/2) &&
		c.inPaused.CompareAndSwap(true, false) {
		c.post((*resumeTask)(c))
	}
	return err
}

// Next returns the next n bytes and consumes them, waiting for them as the
// type's documentation says. The result is valid until the next Release,
// Read or Close.
func (c *Conn) Next(n int) ([]byte, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(n); err != nil {
		return nil, err
	}
	p, err := c.inBuf().Next(n)
	if err == nil {
		c.consume(n)
	}
	return p, err
}

// Peek returns the next n bytes without consuming them, waiting for them as
// Next does. The result is valid until the next Release, Read or Close.
func (c *Conn) Peek(n int) ([]byte, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(n); err != nil {
		return nil, err
	}
	return c.inBuf().Peek(n)
}

// Skip consumes n bytes, waiting for them as Next does.
func (c *Conn) Skip(n int) error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(n); err != nil {
		return err
	}
	err := c.inBuf().Skip(n)
	if err == nil {
		c.consume(n)
	}
	return err
}

// Slice consumes the next n bytes, waiting for them as Next does, and returns
// them as a Reader that shares their memory and outlives Release and Close:
// close it (it is a *buffer.Linked) when done.
func (c *Conn) Slice(n int) (buffer.Reader, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(n); err != nil {
		return nil, err
	}
	r, err := c.inBuf().Slice(n)
	if err == nil {
		c.consume(n)
	}
	return r, err
}

// Len reports how many received bytes can be read now, without waiting.
func (c *Conn) Len() int {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.state.Load()&(stUserClosed|stFreed) != 0 {
		return 0
	}
	return c.inLen()
}

// Release gives back the memory of everything read so far. Memory returned
// by Next and Peek before it is invalid after.
func (c *Conn) Release() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.state.Load()&(stUserClosed|stFreed) != 0 {
		return ErrClosed
	}
	return c.release()
}

// Read reads up to len(p) bytes into p, waiting until at least one has
// arrived, as net.Conn's Read does. It releases what it read, so it must not
// be mixed with Next or Peek results still in use.
func (c *Conn) Read(p []byte) (int, error) {
	if c.inline {
		return 0, ErrInlineRead
	}
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if err := c.await(1); err != nil {
		return 0, err
	}
	n := min(len(p), c.inLen())
	if err := buffer.ReadFull(c.inBuf(), p[:n]); err != nil {
		return 0, err
	}
	c.consume(n)
	return n, c.release()
}

// ---- Writing ----

// Malloc returns n writable bytes at the end of the send buffer, valid until
// the next Flush.
func (c *Conn) Malloc(n int) ([]byte, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writable(); err != nil {
		return nil, err
	}
	return c.outBuf().Malloc(n)
}

// Append links p into the send buffer without copying; release, if not nil,
// is called with p once it has been sent or the connection is gone.
func (c *Conn) Append(p []byte, release func([]byte)) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writable(); err != nil {
		if release != nil {
			release(p)
		}
		return err
	}
	return c.outBuf().Append(p, release)
}

// Pending reports how many flushed bytes wait to be sent.
func (c *Conn) Pending() int {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return int(c.flushed - c.sent.Load())
}

// Unflushed reports how many bytes were written since the last Flush.
func (c *Conn) Unflushed() int {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.state.Load()&(stUserClosed|stFreed) != 0 {
		return 0
	}
	if out := c.out.Load(); out != nil {
		return out.Unflushed()
	}
	return 0
}

// Flush queues what was written since the last Flush for sending, as the
// type's documentation says.
func (c *Conn) Flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.flush()
}

// Write copies p into the send buffer and flushes it: net.Conn's Write. To
// batch several writes into one send, use Malloc or WriteString and one
// Flush.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writable(); err != nil {
		return 0, err
	}
	c.outBuf().Write(p) // cannot fail on an open buffer
	if err := c.flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString copies s into the send buffer, without flushing.
func (c *Conn) WriteString(s string) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.writable(); err != nil {
		return 0, err
	}
	if err := buffer.WriteString(c.outBuf(), s); err != nil {
		return 0, err
	}
	return len(s), nil
}

func (c *Conn) writable() error {
	if st := c.state.Load(); st&(stUserClosed|stFreed) != 0 {
		return ErrClosed
	} else if st&stClosed != 0 {
		return c.err()
	}
	return nil
}

// flush, with wmu held.
func (c *Conn) flush() error {
	if err := c.writable(); err != nil {
		return err
	}
	out := c.out.Load()
	if out == nil || out.Unflushed() == 0 {
		return nil
	}
	n := out.Unflushed()
	high := int64(c.opts.writeHighWater())
	if c.opts.WriteFailFast && c.flushed-c.sent.Load() > high {
		return ErrWouldBlock
	}
	out.Flush()
	c.flushed += int64(n)
	c.kick()
	if c.inline || c.opts.WriteFailFast || c.flushed-c.sent.Load() <= high {
		return nil
	}
	need := c.flushed - high/2
	c.wneed.Store(need)
	for c.sent.Load() < need {
		if err := c.writable(); err != nil {
			return err
		}
		dl := c.wdeadline.Load() // re-read by ready, as await's is
		if testHookPark != nil {
			testHookPark()
		}
		err := park(&c.wwait, &c.wmu, dl, func() bool {
			return c.sent.Load() >= need || c.state.Load()&stClosed != 0 || c.wdeadline.Load() != dl
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// kick makes the loop send what was flushed. An inline handler's writes
// find kicked set for the handler's run, and are sent when it returns
// (serveInline); another goroutine's are the loop's to send, as for any
// connection.
func (c *Conn) kick() {
	if !c.kicked.Load() && c.kicked.CompareAndSwap(false, true) {
		c.post((*sendTask)(c))
	}
}

// post runs t on the connection's loop. After the poller has closed there is
// nothing left to do: its shutdown closed the handle.
func (c *Conn) post(t poller.Task) { c.loop.Post(t) }

// ---- Deadlines ----

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets when reads that wait give up with ErrTimeout: those
// waiting now and later ones. The zero time means never. A connection
// served inline has no use for it: its reads never wait.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.inline {
		return ErrInlineRead
	}
	c.rdeadline.Store(unixNano(t))
	wake(&c.rwait)
	return nil
}

// SetWriteDeadline sets when a Flush that waits for the send queue to drain
// gives up with ErrTimeout; the bytes stay queued.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdeadline.Store(unixNano(t))
	wake(&c.wwait)
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if n := t.UnixNano(); n > 0 {
		return n
	}
	return 1 // a time before 1970 has passed too
}

// ---- Closing ----

// Close closes the connection, as the type's documentation says. A second
// Close returns ErrClosed.
func (c *Conn) Close() error {
	if c.setState(stUserClosed)&stUserClosed != 0 {
		return ErrClosed
	}
	c.setClosed(ErrClosed)
	c.wakeAll()
	c.post((*closeTask)(c))
	if c.srv == nil {
		c.unref() // the caller's reference
	}
	return nil
}

func (c *Conn) wakeAll() {
	wake(&c.rwait)
	wake(&c.wwait)
}

// unref drops a reference; the last one gives the buffers back.
func (c *Conn) unref() {
	if c.refs.Add(-1) != 0 {
		return
	}
	c.rmu.Lock()
	c.setState(stFreed)
	if in := c.in.Load(); in != nil {
		in.Close()
	}
	c.rmu.Unlock()
	c.wmu.Lock()
	if out := c.out.Load(); out != nil {
		out.Close()
	}
	c.wmu.Unlock()
}

var _ net.Conn = (*Conn)(nil)
var _ buffer.ReadWriter = (*Conn)(nil)
