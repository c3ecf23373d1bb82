package conn

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/ringwire/ringwire/poller"
)

// An engine is a poller with the per-loop state connections share.
type engine struct {
	p      *poller.Poller
	owned  bool // made by this package: closed with its server
	locals []*loopLocal
}

// loopLocal is one loop's scratch, used only on that loop.
type loopLocal struct {
	iov     [][]byte // the views of a send, copied by Handle.Send
	scratch []byte   // the residue of an inline handler, while it moves

	// lent counts received chunks linked into connections' buffers and not
	// yet released, on the on-request path, where a reader on another
	// goroutine decides when they go back. On io_uring they are the loop's
	// provided buffers: if connections waiting for the rest of a frame held
	// all of them, no receive could complete and none would come back. Past
	// maxLent, chunks are copied instead of linked.
	lent     atomic.Int64
	release  func([]byte) // counts a linked chunk's return, then gives it back
	giveBack func([]byte) // the poller's release, captured from the first chunk

	dialed connList // the open connections Dial made on this loop
}

// maxLent is how many chunks a loop's connections may hold linked: a quarter
// of the io_uring backend's 1,024 provided buffers (32 KiB each), so that
// three quarters always remain for receives.
const maxLent = 256

// ioVecs is how many slices one send hands to the kernel at most.
const ioVecs = 64

func newEngine(p *poller.Poller, owned bool) *engine {
	e := &engine{p: p, owned: owned}
	for range p.Loops() {
		lp := &loopLocal{iov: make([][]byte, 0, ioVecs)}
		lp.release = func(b []byte) {
			lp.lent.Add(-1)
			lp.giveBack(b)
		}
		e.locals = append(e.locals, lp)
	}
	return e
}

func (e *engine) local(l *poller.Loop) *loopLocal { return e.locals[l.ID()] }

// Engines of pollers that Dial was given, and the default one.
var (
	enginesMu sync.Mutex
	engines   = map[*poller.Poller]*engine{}
	defEngine *engine
)

// engineFor returns the engine of p, or of the package's default poller,
// started at the first Dial without one.
func engineFor(p *poller.Poller) (*engine, error) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if p == nil {
		if defEngine == nil {
			dp, err := poller.New(poller.Options{})
			if err != nil {
				return nil, err
			}
			defEngine = newEngine(dp, false)
		}
		return defEngine, nil
	}
	e := engines[p]
	if e == nil {
		e = newEngine(p, false)
		engines[p] = e
	}
	return e, nil
}

// loopSide is a Conn as its loop sees it: the poller.Handler of its handle.
// A separate type keeps the Handler methods out of Conn's API.
type loopSide Conn

// Tasks posted to the loop. Converting a *Conn allocates nothing.
type (
	sendTask   Conn
	closeTask  Conn
	resumeTask Conn
)

func (t *sendTask) Run() {
	c := (*Conn)(t)
	c.kicked.Store(false)
	c.loopSend()
}

func (t *closeTask) Run() { (*Conn)(t).loopClose() }

func (t *resumeTask) Run() { (*Conn)(t).applyPause() }

func (*loopSide) OnAccept(*poller.Handle, int, error) {}

func (s *loopSide) OnRecv(_ *poller.Handle, ch poller.Chunk, err error) {
	c := (*Conn)(s)
	if err != nil {
		switch {
		case err == io.EOF:
			c.setState(stEOF)
			c.events.Add(1)
			wake(&c.rwait)
			c.dispatch()
		case errors.Is(err, poller.ErrClosed):
		default:
			c.fail("read", err)
		}
		return
	}
	n := len(ch.Data)
	lp := c.eng.local(c.loop)
	if lp.giveBack == nil {
		lp.giveBack = ch.Releaser()
	}
	// Link the chunk, without a copy, when the buffer holds nothing: a
	// whole request in one chunk, the common case. Behind unread bytes, or
	// read ones not yet released, the chunk is the rest of a frame or a
	// request a handler reads while it holds the last: copy it, so that a
	// connection holds at most one lent chunk.
	in := c.inBuf()
	linked := false
	if c.arrived.Load() == c.released.Load() &&
		(c.inline || lp.lent.Load() < maxLent) && ch.Releaser() != nil {
		if !c.inline {
			lp.lent.Add(1)
			in.Append(ch.Data, lp.release)
		} else {
			in.Append(ch.Data, ch.Releaser())
		}
		linked = true
	} else {
		in.Write(ch.Data)
		ch.Release()
	}
	in.Flush()
	c.arrived.Add(int64(n))
	c.events.Add(1)
	if c.inline {
		c.serveInline(linked)
		return
	}
	if w := c.rwait.Load(); w != nil && c.arrived.Load() >= c.rneed.Load() {
		wake(&c.rwait)
	}
	c.checkBacklog()
	c.dispatch()
}

// checkBacklog pauses receiving while the receive buffer holds more than
// MaxBuffered bytes (unread, or read and not released), unless a reader
// waits for more than have arrived.
func (c *Conn) checkBacklog() {
	max := int64(c.opts.maxBuffered())
	if c.arrived.Load()-c.released.Load() < max || c.arrived.Load() < c.rneed.Load() {
		return
	}
	c.inPaused.Store(true)
	// The reader may have released, or asked for more, and seen no pause,
	// just before the store: look again, as it does after its store.
	if (c.arrived.Load()-c.released.Load() <= max/2 || c.arrived.Load() < c.rneed.Load()) &&
		c.inPaused.CompareAndSwap(true, false) {
		return
	}
	c.applyPause()
}

// applyPause pauses or resumes the handle's receive as the backlogs ask.
func (c *Conn) applyPause() {
	if c.h == nil {
		return
	}
	want := c.inPaused.Load() || c.outPaused
	if want == c.recvPaused {
		return
	}
	c.recvPaused = want
	if want {
		c.h.PauseRecv()
	} else {
		c.h.ResumeRecv()
	}
}

// dispatch hands a server's connection to a worker, unless one serves it.
func (c *Conn) dispatch() {
	s := c.srv
	if s == nil {
		return
	}
	if c.inline {
		c.serveInline(false)
		return
	}
	if !c.take() {
		return
	}
	c.refs.Add(1) // the worker's, dropped when it returns
	s.workers.run(c)
}

func (s *loopSide) OnSend(_ *poller.Handle, n int, err error) {
	c := (*Conn)(s)
	c.sending = false
	out := c.out.Load() // attached: a send was in flight
	if n > 0 {
		out.Advance(n)
		sent := c.sent.Add(int64(n))
		if w := c.wwait.Load(); w != nil && sent >= c.wneed.Load() {
			wake(&c.wwait)
		}
	}
	if err != nil {
		if !errors.Is(err, poller.ErrClosed) {
			c.fail("write", err)
		}
		return
	}
	if c.outPaused && out.Len() <= c.opts.writeHighWater()/2 {
		c.outPaused = false
		c.applyPause()
	}
	if out.Len() > 0 {
		c.loopSend()
	} else if c.lingering && c.h != nil {
		c.h.Close()
	}
}

// loopSend sends what was flushed, unless a send is in flight: its
// completion sends the rest.
func (c *Conn) loopSend() {
	out := c.out.Load()
	if c.h == nil || out == nil {
		return
	}
	// A peer that does not read what we send must not make us buffer without
	// end: stop receiving its requests until the queue drains. Checked
	// before the send in flight returns early: that send is the one a slow
	// peer holds up.
	if !c.outPaused && out.Len() > c.opts.writeHighWater() {
		c.outPaused = true
		c.applyPause()
	}
	if c.sending {
		return
	}
	lp := c.eng.local(c.loop)
	views := out.Views(lp.iov[:0])
	if len(views) == 0 {
		return
	}
	c.sending = c.h.Send(views) == nil
	clear(views) // Send copied them; keep no reference to the connection's memory
}

func (s *loopSide) OnClose(*poller.Handle) {
	c := (*Conn)(s)
	c.h = nil
	if x := c.x; x != nil && x.idle != nil {
		x.idle.Stop()
		x.idle = nil
	}
	if c.lingerT != nil {
		c.lingerT.Stop()
		c.lingerT = nil
	}
	c.setClosed(ErrClosed)
	c.setState(stLoopDone)
	c.wakeAll()
	if x := c.x; x != nil && x.connected != nil {
		x.connected <- ErrClosed
		x.connected = nil
	}
	if s := c.srv; s != nil {
		s.untrack(c)
	} else {
		c.eng.local(c.loop).dialed.remove(c)
	}
	c.unref() // the loop's
}

// fail closes the connection on the loop for a fatal error.
func (c *Conn) fail(op string, err error) {
	c.setClosed(&ConnError{Op: op, Err: err})
	c.wakeAll()
	if c.h != nil {
		c.h.Close()
	}
}

// loopClose closes the handle once what was flushed is sent, or Linger has
// passed.
func (c *Conn) loopClose() {
	if c.h == nil || c.lingering {
		return
	}
	c.loopSend()
	if out := c.out.Load(); !c.sending && (out == nil || out.Len() == 0) {
		c.h.Close()
		return
	}
	c.lingering = true
	c.lingerT = c.loop.AfterFunc(c.opts.linger(), func() {
		c.lingerT = nil
		c.fail("close", ErrTimeout)
	})
}
