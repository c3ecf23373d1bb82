// Package rwecho is the framed-echo server on ringwire's poller, shared by
// the ringwire-epoll and ringwire-iouring commands, which differ only in the
// backend they ask for.
//
// Everything runs inline on the loop: a connection keeps the chunks it
// received until their frames are complete, copies each complete frame into
// a reply buffer, and sends the batch's replies with one Handle.Send. While a
// send is in flight, new replies queue in a second buffer, sent when it
// completes. Reply buffers come from a loop-local LIFO free list, so that
// the most recently used, still in cache, is reused first.
package rwecho

import (
	"os"

	"github.com/ringwire/ringwire/bench/echo/internal/lifo"

	"github.com/ringwire/ringwire/bench/echo/internal/report"
	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// maxHeld is the number of chunks a connection keeps between two receives:
// past it the unparsed rest is copied into the connection's carry buffer and
// the chunks are released. It bounds what a slow frame holds of the
// io_uring backend's fixed set of provided buffers.
const maxHeld = 1

// Main runs the server named name on backend until SIGTERM.
func Main(name string, backend poller.Backend) {
	MainWith(name, poller.Options{Backend: backend})
}

// MainWith runs the server named name with the poller options opts, on one
// loop, until SIGTERM.
func MainWith(name string, opts poller.Options) {
	addr := report.Addr()
	backend := opts.Backend
	opts.Loops = 1
	p, err := poller.New(opts)
	if err != nil {
		report.Fatal("poller", err)
	}
	if got := p.Backend(); got != backend {
		report.Fatal("poller", &backendError{want: backend, got: got})
	}
	fd, err := report.Listen(addr)
	if err != nil {
		report.Fatal("listen", err)
	}
	l := p.Loops()[0]
	s := &server{}
	started := make(chan error, 1)
	if err := l.PostFunc(func() {
		h, err := l.Register(fd, s)
		if err == nil {
			err = h.Accept()
		}
		started <- err
	}); err != nil {
		report.Fatal("post", err)
	}
	if err := <-started; err != nil {
		report.Fatal("accept", err)
	}
	syscalls := func() int64 {
		var n uint64
		for _, l := range p.Loops() {
			n += l.Stats().Syscalls
		}
		return int64(n)
	}
	report.Run(name, syscalls, func() {
		if err := p.Close(); err != nil {
			os.Stderr.WriteString("close: " + err.Error() + "\n")
		}
	})
}

type backendError struct{ want, got poller.Backend }

func (e *backendError) Error() string {
	return "asked for " + e.want.String() + ", got " + e.got.String()
}

// server is the listening socket's Handler and the loop's shared state.
type server struct {
	free lifo.Buffers // reply buffers
}

func (s *server) OnAccept(h *poller.Handle, fd int, err error) {
	if err != nil {
		if err != poller.ErrClosed {
			os.Stderr.WriteString("accept: " + err.Error() + "\n")
		}
		return
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := &conn{s: s}
	ch, err := h.Loop().Register(fd, c)
	if err != nil {
		unix.Close(fd)
		return
	}
	c.h = ch
	if err := ch.Recv(); err != nil {
		ch.Close()
	}
}

func (s *server) OnRecv(*poller.Handle, poller.Chunk, error) {}
func (s *server) OnSend(*poller.Handle, int, error)          {}
func (s *server) OnConnect(*poller.Handle, error)            {}
func (s *server) OnClose(*poller.Handle)                     {}

// conn is one connection's Handler.
type conn struct {
	s *server
	h *poller.Handle

	in       []poller.Chunk // received, not yet parsed; in[0].Data[off:] is next
	off      int
	buffered int    // unparsed bytes in in
	carry    []byte // holds the unparsed rest when too many chunks would be held
	inCarry  bool   // in[0] is carry, not a chunk to release

	out     []byte // the reply in flight
	next    []byte // replies queued behind it
	iov     [1][]byte
	sending bool
}

func (c *conn) OnAccept(*poller.Handle, int, error) {}
func (c *conn) OnConnect(*poller.Handle, error)     {}

func (c *conn) OnRecv(h *poller.Handle, ch poller.Chunk, err error) {
	if err != nil {
		h.Close()
		return
	}
	c.in = append(c.in, ch)
	c.buffered += len(ch.Data)
	if !c.parse() {
		h.Close()
		return
	}
	if len(c.in) > maxHeld {
		c.compact()
	}
	c.flush()
}

// parse copies every complete frame into c.next; false on a bad length.
func (c *conn) parse() bool {
	for c.buffered >= report.HeaderLen {
		var hdr [report.HeaderLen]byte
		c.peek(hdr[:])
		n, ok := report.FrameLen(hdr[:])
		if !ok {
			return false
		}
		if c.buffered < n {
			return true
		}
		if c.next == nil {
			c.next = c.s.free.Get()
		}
		c.next = c.take(c.next, n)
	}
	return true
}

// peek copies the next len(p) buffered bytes into p without consuming them.
func (c *conn) peek(p []byte) {
	off := c.off
	for i := 0; len(p) > 0; i++ {
		k := copy(p, c.in[i].Data[off:])
		p = p[k:]
		off = 0
	}
}

// take appends the next n buffered bytes to dst, consuming them and
// releasing the chunks they empty.
func (c *conn) take(dst []byte, n int) []byte {
	c.buffered -= n
	for n > 0 {
		d := c.in[0].Data[c.off:]
		if len(d) > n {
			dst = append(dst, d[:n]...)
			c.off += n
			return dst
		}
		dst = append(dst, d...)
		n -= len(d)
		c.pop()
	}
	return dst
}

// pop drops the first held chunk, releasing it.
func (c *conn) pop() {
	if c.inCarry {
		c.inCarry = false
	} else {
		c.in[0].Release()
	}
	copy(c.in, c.in[1:])
	c.in[len(c.in)-1] = poller.Chunk{}
	c.in = c.in[:len(c.in)-1]
	c.off = 0
}

// compact moves the unparsed bytes into c.carry and releases the chunks.
func (c *conn) compact() {
	buf := c.carry[:0]
	for len(c.in) > 0 {
		d := c.in[0].Data[c.off:]
		if c.inCarry {
			buf = buf[:copy(c.carry, d)] // move to the front of carry itself
		} else {
			buf = append(buf, d...)
		}
		c.pop()
	}
	c.carry = buf
	c.in = append(c.in, poller.Chunk{Data: buf})
	c.inCarry = true
}

// flush sends the queued replies unless a send is in flight.
func (c *conn) flush() {
	if c.sending || len(c.next) == 0 {
		return
	}
	c.out, c.next = c.next, nil
	c.iov[0] = c.out
	c.sending = true
	if err := c.h.Send(c.iov[:]); err != nil {
		c.sending = false
		c.h.Close()
	}
}

func (c *conn) OnSend(h *poller.Handle, _ int, err error) {
	c.sending = false
	c.iov[0] = nil
	c.s.free.Put(c.out)
	c.out = nil
	if err != nil {
		h.Close()
		return
	}
	c.flush()
}

func (c *conn) OnClose(*poller.Handle) {
	for len(c.in) > 0 {
		c.pop()
	}
	c.buffered = 0
	if c.out != nil && !c.sending {
		c.s.free.Put(c.out)
		c.out = nil
	}
	c.s.free.Put(c.next)
	c.next = nil
	c.carry = nil
}
