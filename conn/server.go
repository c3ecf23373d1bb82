package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwire/ringwire/poller"
)

// A Server serves connections from one or more listeners over a poller's
// loops. Set its fields, then call Serve or ListenAndServe; the zero value of
// each field is its default. Fields must not change once serving has begun.
type Server struct {
	// Handler serves a connection's data. By default it runs on a pooled
	// goroutine when the connection has unread bytes (or the peer closed):
	// at most one call at a time per connection, in order. It reads what it
	// can use, blocking in Next for the rest of a request if it likes,
	// writes and flushes replies, and returns. It is called again while
	// unread bytes remain and the previous call consumed some, and whenever
	// more arrive. An error it returns closes the connection, after what was
	// flushed has been sent. When it returns, what it read is released:
	// memory from Next and Peek is not valid past the call (Slice what must
	// outlive it).
	Handler func(c *Conn) error

	// Inline runs Handler on the loop instead, as each chunk arrives: no
	// goroutine hand-off, the cheapest path, for handlers that never block.
	// Reads then never wait (buffer.ErrShort when a request is incomplete:
	// return, and be called again when more has arrived), and Flush never
	// waits either. The handler's writes are sent when it returns; other
	// goroutines may write too (a reply after a Hold), and the loop sends
	// what they flush.
	Inline bool

	// OnConnect runs on the loop for each new connection, before its first
	// data; OnDisconnect runs on the loop once it has closed, with the reason.
	// Neither may block.
	OnConnect    func(c *Conn)
	OnDisconnect func(c *Conn, err error)

	// TLSConfig, when set, serves TLS: each connection is handed to
	// TLSHandler, on its own goroutine, as a *tls.Conn over the Conn's
	// net.Conn methods, once the handshake is done. Handler and Inline are
	// not used. HandshakeTimeout bounds the handshake (default 10 s).
	TLSConfig        *tls.Config
	TLSHandler       func(tc *tls.Conn) error
	HandshakeTimeout time.Duration

	Options

	// MaxConns refuses connections past this many open ones: they are
	// accepted and closed at once, so that the client sees a clean close
	// instead of a stuck connect. 0 means no limit.
	MaxConns int

	// IdleTimeout closes a connection that made no progress (no bytes read
	// by its handler, none sent) for between IdleTimeout and 1.5 times it. A
	// client that trickles bytes without completing a request is idle. 0
	// means never.
	IdleTimeout time.Duration

	// ReusePort makes ListenAndServe open one TCP listener per loop with
	// SO_REUSEPORT, so that the kernel spreads connections over the loops
	// and each is served where it was accepted.
	ReusePort bool

	// Poller is the poller to run on; by default the Server starts its own,
	// with Backend and Loops, and closes it in Shutdown.
	Poller  *poller.Poller
	Backend poller.Backend
	Loops   int

	mu        sync.Mutex
	eng       *engine
	listeners []*listener
	conns     []connList // by loop ID; each used only on its loop
	closing   bool
	done      chan struct{} // closed when Shutdown begins
	active    atomic.Int64  // open connections
	accepted  atomic.Int64
	refused   atomic.Int64
	acceptErr atomic.Int64
	drained   chan struct{} // signalled when active falls to 0 while closing
	workers   workers
}

// A listener is one listening socket registered on a loop.
type listener struct {
	s    *Server
	loop *poller.Loop
	h    *poller.Handle // on loop
	l    net.Listener   // the caller's, closed by Shutdown; nil for ReusePort sockets
	own  bool           // accepted connections stay on this loop
	addr net.Addr
}

// start makes the engine on first use.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrServerClosed
	}
	if s.eng != nil {
		return nil
	}
	if s.TLSConfig != nil && s.TLSHandler == nil {
		return errors.New("conn: Server.TLSConfig set without TLSHandler")
	}
	if s.TLSConfig == nil && s.Handler == nil {
		return errors.New("conn: Server.Handler not set")
	}
	if s.TLSConfig != nil && s.Inline {
		return errors.New("conn: TLS is not served inline")
	}
	p, owned := s.Poller, false
	if p == nil {
		var err error
		if p, err = poller.New(poller.Options{Backend: s.Backend, Loops: s.Loops}); err != nil {
			return err
		}
		owned = true
	}
	s.eng = newEngine(p, owned)
	s.conns = make([]connList, len(p.Loops()))
	s.done = make(chan struct{})
	s.drained = make(chan struct{}, 1)
	return nil
}

// Serve serves the connections that arrive on l, which must be a
// *net.TCPListener or a *net.UnixListener, until Shutdown or Close; then it
// returns ErrServerClosed. It takes l over, and closes it on Shutdown.
func (s *Server) Serve(l net.Listener) error {
	if err := s.start(); err != nil {
		return err
	}
	fd, err := dupListener(l)
	if err != nil {
		return err
	}
	if err := s.listen(s.eng.p.Next(), fd, l, false); err != nil {
		return err
	}
	<-s.done
	return ErrServerClosed
}

// ListenAndServe listens on network ("tcp", "tcp4", "tcp6" or "unix") and
// address, and serves as Serve does. With ReusePort it opens one TCP
// listener per loop.
func (s *Server) ListenAndServe(network, address string) error {
	if !s.ReusePort || network == "unix" {
		l, err := net.Listen(network, address)
		if err != nil {
			return err
		}
		return s.Serve(l)
	}
	if err := s.start(); err != nil {
		return err
	}
	fds, err := listenReusePort(network, address, len(s.eng.p.Loops()))
	if err != nil {
		return err
	}
	for i, l := range s.eng.p.Loops() {
		if err := s.listen(l, fds[i], nil, true); err != nil {
			for _, fd := range fds[i+1:] {
				closeFD(fd)
			}
			return err
		}
	}
	<-s.done
	return ErrServerClosed
}

// Addrs returns the addresses the server listens on.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var addrs []net.Addr
	for _, ln := range s.listeners {
		if ln.l != nil {
			addrs = append(addrs, ln.l.Addr())
		} else if ln.addr != nil {
			addrs = append(addrs, ln.addr)
		}
	}
	return addrs
}

// ServerStats are a server's counters since it started.
type ServerStats struct {
	Active       int64 // connections open now
	Accepted     int64 // connections accepted, Refused included
	Refused      int64 // closed at once for MaxConns
	AcceptErrors int64 // failed accepts, such as running out of descriptors
}

// Stats returns the server's counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{
		Active:       s.active.Load(),
		Accepted:     s.accepted.Load(),
		Refused:      s.refused.Load(),
		AcceptErrors: s.acceptErr.Load(),
	}
}

// listen registers a listening descriptor on loop and starts accepting.
func (s *Server) listen(loop *poller.Loop, fd int, l net.Listener, own bool) error {
	ln := &listener{s: s, loop: loop, l: l, own: own, addr: sockName(fd).netAddr()}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		closeFD(fd)
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	errc := make(chan error, 1)
	err := loop.PostFunc(func() {
		h, err := loop.Register(fd, (*acceptSide)(ln))
		if err != nil {
			closeFD(fd)
			errc <- err
			return
		}
		ln.h = h
		errc <- h.Accept()
	})
	if err != nil {
		closeFD(fd)
		return err
	}
	return <-errc
}

// acceptSide is a listener as its loop sees it.
type acceptSide listener

func (a *acceptSide) OnAccept(_ *poller.Handle, fd int, err error) {
	s := a.s
	if err != nil {
		// Out of descriptors or memory, the poller backs off and retries
		// by itself; after Close, accepting has ended.
		if fd == -1 && !errors.Is(err, poller.ErrClosed) {
			s.acceptErr.Add(1)
		}
		return
	}
	s.accepted.Add(1)
	if n := s.active.Add(1); s.MaxConns > 0 && n > int64(s.MaxConns) {
		s.refused.Add(1)
		closeFD(fd)
		s.connGone()
		return
	}
	if a.own {
		s.setup(a.loop, fd)
		return
	}
	l := s.eng.p.Next()
	if l == a.loop {
		s.setup(l, fd)
		return
	}
	if l.PostFunc(func() { s.setup(l, fd) }) != nil {
		closeFD(fd)
		s.connGone()
	}
}

func (*acceptSide) OnRecv(*poller.Handle, poller.Chunk, error) {}
func (*acceptSide) OnSend(*poller.Handle, int, error)          {}
func (*acceptSide) OnConnect(*poller.Handle, error)            {}
func (a *acceptSide) OnClose(*poller.Handle)                   { a.h = nil }

// setup starts serving an accepted descriptor, on loop l.
func (s *Server) setup(l *poller.Loop, fd int) {
	c := newConn(s.eng, l, s, &s.Options)
	tune(fd, &s.Options)
	c.setAddrs(sockName(fd), peerName(fd))
	if s.IdleTimeout > 0 {
		c.rare() // before OnConnect publishes c; the timer is armed after
	}
	h, err := l.Register(fd, (*loopSide)(c))
	if err != nil {
		closeFD(fd)
		s.connGone()
		return
	}
	c.h = h
	s.conns[l.ID()].add(l, c)
	if s.OnConnect != nil {
		s.OnConnect(c)
	}
	if s.IdleTimeout > 0 {
		c.rare().idle = l.AfterFunc(s.IdleTimeout/2, c.idleCheck)
	}
	if s.closingNow() {
		// Shutdown began after the accept: serve no new connection.
		h.Close()
		return
	}
	h.Recv()
}

// untrack removes c from its loop's list, on the loop, once it has closed.
func (s *Server) untrack(c *Conn) {
	s.conns[c.loop.ID()].remove(c)
	if s.OnDisconnect != nil {
		s.OnDisconnect(c, c.err())
	}
	s.connGone()
}

func (s *Server) connGone() {
	if s.active.Add(-1) == 0 && s.closingNow() {
		select {
		case s.drained <- struct{}{}:
		default:
		}
	}
}

func (s *Server) closingNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// idleCheck runs every half IdleTimeout on the loop; two checks in a row that
// see no progress close the connection.
func (c *Conn) idleCheck() {
	x := c.x
	x.idle = nil
	if c.h == nil {
		return
	}
	mark := [2]int64{c.rconsumed.Load(), c.sent.Load()}
	// A handler waiting in a read for the rest of a request is not busy;
	// one that owes replies (Hold) is, even after its turn ended.
	working := c.busy() && c.rwait.Load() == nil || c.holds.Load() > 0
	quiet := mark == x.idleMark && !working && !c.sending
	if quiet && x.idleQuiet {
		c.fail("idle", errIdle)
		return
	}
	x.idleQuiet = quiet
	x.idleMark = mark
	x.idle = c.loop.AfterFunc(c.srv.IdleTimeout/2, c.idleCheck)
}

// serveInline runs the handler on the loop. linked says the last chunk was
// linked into the buffer rather than copied: a residue left in it is copied
// out, so that the loop's buffer goes back.
func (c *Conn) serveInline(linked bool) {
	s := c.srv
	// The handler's flushes see a send as already asked for, and post
	// nothing: what they flushed, and what other goroutines flushed
	// meanwhile, is sent here when it returns.
	c.kicked.Store(true)
	for {
		if c.state.Load()&stClosed != 0 {
			break
		}
		before, eof := c.consumed, c.state.Load()&stEOF != 0
		if c.inLen() == 0 && !eof {
			break
		}
		err := s.Handler(c)
		if c.state.Load()&stFreed == 0 {
			c.release()
		}
		if err != nil {
			c.endWith(err, true)
			break
		}
		c.checkBacklog()
		if eof && c.inLen() == 0 {
			c.endWith(io.EOF, true)
			break
		}
		if c.consumed == before || c.inLen() == 0 {
			break
		}
	}
	c.kicked.Store(false)
	c.loopSend()
	if linked && c.state.Load()&stFreed == 0 {
		c.compact()
	}
}

// compact copies the unread bytes out of lent memory into the buffer's own.
func (c *Conn) compact() {
	n := c.inLen()
	if n == 0 {
		c.release()
		return
	}
	lp := c.eng.local(c.loop)
	in := c.inBuf()
	p, err := in.Peek(n)
	if err != nil {
		return
	}
	lp.scratch = append(lp.scratch[:0], p...)
	in.Skip(n)
	c.release()
	in.Write(lp.scratch)
	in.Flush()
	if cap(lp.scratch) > 64<<10 {
		lp.scratch = nil // a huge frame's residue: do not keep its memory
	}
}

// endWith closes the connection after its handler returned err. On the
// connection's loop (onLoop: an inline handler's return, a shutdown task)
// an inline connection closes at once; elsewhere the loop is asked to.
func (c *Conn) endWith(err error, onLoop bool) {
	switch {
	case errors.Is(err, io.EOF):
		c.setClosed(&ConnError{Op: "read", Err: io.EOF})
	case err == ErrServerClosed:
		c.setClosed(&ConnError{Op: "shutdown", Err: err})
	case !Fatal(err):
		c.setClosed(&ConnError{Op: "handler", Err: err})
	}
	c.wakeAll()
	if c.inline && onLoop {
		c.loopClose()
	} else {
		c.post((*closeTask)(c))
	}
}

// serve runs the handler on a worker goroutine while the connection has
// something to serve. A turn is under way, and the worker holds a
// reference.
func (c *Conn) serve() {
	defer c.unref()
	s := c.srv
	if s.TLSConfig != nil {
		s.serveTLS(c)
		return
	}
	for {
		ev := c.events.Load()
		st := c.state.Load()
		if st&stClosed != 0 {
			return
		}
		if n := c.Len(); n > 0 || st&stEOF != 0 {
			before := c.consumed
			turn := c.turn.Load()
			err := s.Handler(c)
			if c.turn.Load() != turn {
				// The handler called Handoff, which ended the turn: another
				// worker may be serving c, and what was read is released.
				if err != nil {
					c.endWith(err, false)
				}
				return
			}
			c.Release()
			if err != nil {
				c.endWith(err, false)
				return
			}
			if c.state.Load()&stEOF != 0 && c.Len() == 0 {
				c.endWith(io.EOF, false)
				return
			}
			if c.Len() > 0 && c.consumed != before {
				continue
			}
		}
		c.turn.Add(1)
		if c.state.Load()&stShutdown != 0 && c.holds.Load() == 0 {
			c.endWith(ErrServerClosed, false)
			return
		}
		// An arrival that came while the handler ran found the turn under
		// way and left the connection to us.
		if c.events.Load() == ev || !c.take() {
			return
		}
	}
}

// Handoff ends a server handler's turn at the connection before the
// handler returns, for one that has read a request in full and runs it at
// length: the bytes it read are released, and bytes that arrive from now
// on are served by another call of Handler, on another worker, while this
// one runs the request. After it the handler must not read c, nor call
// Handoff again; writing goes on under the handler's own lock, a Hold
// keeps c open through a graceful Shutdown for the reply still owed, and
// an error the handler returns still closes c. It spares a handler the
// hand-off of such a request to a goroutine of its own, and the reply the
// wake-up of that goroutine.
//
// Handoff reports false, and does nothing, outside a Handler or on a
// connection served inline or through TLS: there the request must go to a
// goroutine of the caller's.
func (c *Conn) Handoff() bool {
	s := c.srv
	if s == nil || c.inline || s.TLSConfig != nil || !c.busy() {
		return false
	}
	c.Release()
	c.turn.Add(1)
	if c.state.Load()&stShutdown != 0 && c.holds.Load() == 0 {
		c.endWith(ErrServerClosed, false)
		return true
	}
	// Bytes that arrived during the turn were left to this handler: the
	// loop stores arrived before it reads turn, and this ends the turn
	// before it reads what arrived: one of the two sees the other.
	if (c.Len() > 0 || c.state.Load()&stEOF != 0) && c.take() {
		c.refs.Add(1) // the new worker's
		s.workers.run(c)
	}
	return true
}

// Hold keeps a server's connection open through a graceful Shutdown, and
// counts it busy for IdleTimeout, after its handler has returned, until a
// matching Unhold: for a handler that hands requests to other goroutines,
// which write their replies later. Errors, Close and a forced shutdown
// still close the connection.
func (c *Conn) Hold() { c.holds.Add(1) }

// Unhold ends a Hold. The last one of a connection that Shutdown found busy
// closes it, as its handler's return would have.
func (c *Conn) Unhold() {
	if c.holds.Add(-1) != 0 || c.srv == nil {
		return
	}
	// Shutdown sets stShutdown, then reads turn and holds; this reads
	// stShutdown after its own decrement, and the worker after it ends its
	// turn: at least one of them sees the other's state and closes.
	if c.state.Load()&stShutdown != 0 && !c.busy() {
		c.endWith(ErrServerClosed, false)
	}
}

// serveTLS runs the handshake and TLSHandler for the connection's life.
func (s *Server) serveTLS(c *Conn) {
	tc := tls.Server(c, s.TLSConfig)
	d := s.HandshakeTimeout
	if d <= 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err == nil {
		err = s.TLSHandler(tc)
	}
	if err != nil {
		c.endWith(err, false)
		return
	}
	tc.Close() // sends close_notify, then closes c
}

// Shutdown stops the server gracefully: it stops accepting, closes the
// connections with no handler running and nothing left to send, lets
// running handlers finish (their connections close when they return), and
// when ctx ends first, closes everything still open and returns ctx's
// error. It returns once every connection has closed, every goroutine it
// started has returned, and the poller it started has stopped.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closing = true
	listeners := s.listeners
	eng := s.eng
	s.mu.Unlock()
	if eng == nil {
		return nil
	}
	for _, ln := range listeners {
		ln.loop.PostFunc(func() {
			if ln.h != nil {
				ln.h.Close()
			}
		})
		if ln.l != nil {
			ln.l.Close()
		}
	}
	s.closeConns(false)
	var err error
	if s.active.Load() > 0 {
		select {
		case <-s.drained:
		case <-ctx.Done():
			err = ctx.Err()
			s.closeConns(true)
			for s.active.Load() > 0 {
				<-s.drained
			}
		}
	}
	close(s.done)
	s.workers.close()
	if eng.owned {
		if cerr := eng.p.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Close closes every listener and connection at once, as Shutdown with a
// context that has ended.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// closeConns closes, on each loop, the connections that are idle, or all of
// them when force is set.
func (s *Server) closeConns(force bool) {
	var wg sync.WaitGroup
	for i, l := range s.eng.p.Loops() {
		wg.Add(1)
		if l.PostFunc(func() {
			defer wg.Done()
			for c := s.conns[i].head; c != nil; {
				next := c.next
				switch {
				case force:
					c.fail("shutdown", ErrServerClosed)
				default:
					// A running handler finishes its call; its worker
					// closes the connection after, as it sees stShutdown.
					// Set before turn is read here, and read by the worker
					// after it ends its turn: one of the two closes.
					c.setState(stShutdown)
					if !c.busy() && c.holds.Load() == 0 {
						c.endWith(ErrServerClosed, true)
					}
				}
				c = next
			}
		}) != nil {
			wg.Done()
		}
	}
	wg.Wait()
}

// workers is a pool of goroutines that run handlers.
type workers struct {
	mu     sync.Mutex
	idle   []chan *Conn
	closed bool
	wg     sync.WaitGroup
}

// maxIdleWorkers caps the goroutines kept waiting for work; more exit.
const maxIdleWorkers = 256

// run hands c to an idle worker, or to a new one.
func (w *workers) run(c *Conn) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		ch := w.idle[n-1]
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		ch <- c
		return
	}
	w.wg.Add(1)
	w.mu.Unlock()
	go w.work(c)
}

func (w *workers) work(c *Conn) {
	defer w.wg.Done()
	var ch chan *Conn
	for c != nil {
		c.serve()
		w.mu.Lock()
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		if ch == nil {
			ch = make(chan *Conn, 1)
		}
		w.idle = append(w.idle, ch)
		w.mu.Unlock()
		c = <-ch
	}
}

// close stops the idle workers and waits for every worker to return.
func (w *workers) close() {
	w.mu.Lock()
	w.closed = true
	for _, ch := range w.idle {
		close(ch)
	}
	w.idle = nil
	w.mu.Unlock()
	w.wg.Wait()
}
