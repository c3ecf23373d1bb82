package poller

import (
	"net"
	"time"
)

// Handler receives the completions of a Handle's operations, on the loop's
// goroutine. A Handler may ask for more operations, or close the Handle, from
// inside any of its methods.
type Handler interface {
	// OnAccept delivers a connection accepted on a listening Handle: a new
	// non-blocking descriptor, which the caller owns (register it on a loop,
	// or close it). A non-nil err with fd -1 reports a failed accept: after
	// running out of descriptors or memory, accepting pauses and resumes by
	// itself with a growing backoff; after ErrClosed or another error it has
	// stopped.
	OnAccept(h *Handle, fd int, err error)

	// OnRecv delivers received data. Release the chunk when done with it. A
	// non-nil err (io.EOF when the peer closed, ErrClosed, or the system
	// call's error) ends the receive, with an empty chunk.
	OnRecv(h *Handle, c Chunk, err error)

	// OnSend completes a Send: n bytes were written, all of them when err is
	// nil. The slices passed to Send are the caller's again.
	OnSend(h *Handle, n int, err error)

	// OnConnect completes a Connect.
	OnConnect(h *Handle, err error)

	// OnClose is the last call for h, after the completions of everything
	// that was in flight when it closed.
	OnClose(h *Handle)
}

type op uint8

const (
	opAccept op = iota
	opRecv
	opSend
	opConnect
	opClose
)

// A Handle is a descriptor registered on a loop. Its methods must be called
// on that loop's goroutine.
//
// A Handle stays small because a server holds one per connection, most of
// them idle: what only a send in flight needs is in a sendState the loop
// lends for the send's duration, and what only a listener after running
// out of descriptors needs is allocated then (96 bytes instead of 400,
// measured with 10,000 idle connections).
type Handle struct {
	loop    *Loop
	handler Handler
	snd     *sendState  // the send in flight; nil when none
	backoff *acceptWait // accept backoff; nil until accepting first ran out
	fd      int
	slot    uint32
	gen     uint32
	armed   uint32 // epoll: the interest registered

	accepting, receiving, paused, connecting, closed bool

	ring ringState // io_uring: requests in flight
}

// iovecsPerSend is how many buffers one writev or sendmsg takes; a send of
// more goes out in several.
const iovecsPerSend = 64

// sendState is one send in flight: what is left to write and, for
// io_uring, the message the kernel reads.
type sendState struct {
	bufs [][]byte // the part of the send not yet written
	sent int      // bytes written so far
	ring ringSend
}

// A listener that runs out of descriptors or memory stops accepting for
// acceptBackoff0, doubling up to acceptBackoffN while it keeps failing.
const (
	acceptBackoff0 = 5 * time.Millisecond
	acceptBackoffN = time.Second
)

// acceptWait is a listener's backoff after running out of descriptors.
type acceptWait struct {
	delay  time.Duration
	resume *Timer // resumes accepting after delay; nil when not waiting
}

// waiting reports whether accepting is paused by a backoff.
func (h *Handle) waiting() bool { return h.backoff != nil && h.backoff.resume != nil }

// backOff pauses accepting for a growing delay, then re-arms with rearm.
func (h *Handle) backOff(rearm func(*Handle) error) {
	if h.backoff == nil {
		h.backoff = new(acceptWait)
	}
	w := h.backoff
	w.delay = min(max(2*w.delay, acceptBackoff0), acceptBackoffN)
	w.resume = h.loop.AfterFunc(w.delay, func() {
		w.resume = nil
		if !h.closed {
			rearm(h)
		}
	})
}

// accepted resets the backoff after a successful accept.
func (h *Handle) accepted() {
	if h.backoff != nil {
		h.backoff.delay = 0
	}
}

// stopBackoff cancels a pending resume.
func (h *Handle) stopBackoff() {
	if h.waiting() {
		h.backoff.resume.Stop()
		h.backoff.resume = nil
	}
}

// FD returns the descriptor. Use it for socket options, not for I/O: the
// loop does the I/O.
func (h *Handle) FD() int { return h.fd }

// Loop returns the loop h is registered on.
func (h *Handle) Loop() *Loop { return h.loop }

// Accept starts accepting connections on a listening socket, continuing
// until Close or StopAccept; each one is delivered to OnAccept.
func (h *Handle) Accept() error {
	if h.closed {
		return ErrClosed
	}
	h.accepting = true
	return h.loop.be.arm(h)
}

// StopAccept stops accepting; Accept starts again.
func (h *Handle) StopAccept() error {
	if h.closed {
		return ErrClosed
	}
	h.accepting = false
	h.stopBackoff()
	return h.loop.be.arm(h)
}

// Recv starts receiving, continuing until the peer closes, an error, or
// Close; each chunk is delivered to OnRecv.
func (h *Handle) Recv() error {
	if h.closed {
		return ErrClosed
	}
	h.receiving = true
	return h.loop.be.arm(h)
}

// PauseRecv stops delivering data until ResumeRecv: backpressure. Data the
// peer sends meanwhile waits in the kernel's socket buffer, and then the
// peer's.
func (h *Handle) PauseRecv() error {
	if h.closed {
		return ErrClosed
	}
	h.paused = true
	return h.loop.be.arm(h)
}

// ResumeRecv undoes PauseRecv.
func (h *Handle) ResumeRecv() error {
	if h.closed {
		return ErrClosed
	}
	h.paused = false
	return h.loop.be.arm(h)
}

// Send writes bufs, in order, continuing after short writes, and completes
// with OnSend once every byte is written or on the first error. The slices
// stay referenced, and must stay unchanged, until then. One send may be in
// flight at a time: ErrBusy otherwise.
func (h *Handle) Send(bufs [][]byte) error {
	switch {
	case h.closed:
		return ErrClosed
	case h.snd != nil:
		return ErrBusy
	}
	h.snd = h.loop.lendSend()
	h.snd.bufs = append(h.snd.bufs, bufs...)
	done, err := h.loop.be.send(h)
	if done || err != nil {
		h.finishSend(err)
	}
	return nil
}

// finishSend ends the send in flight, deferring its completion.
func (h *Handle) finishSend(err error) {
	s := h.snd
	h.snd = nil
	h.loop.enqueue(completion{h: h, op: opSend, n: s.sent, err: err})
	if h.closed && h.inKernel() {
		return // the kernel may still read the message: it goes with h
	}
	h.loop.returnSend(s)
}

// sending reports whether a send is in flight.
func (h *Handle) sending() bool { return h.snd != nil }

// Connect connects a non-blocking socket to addr (a *net.TCPAddr or a
// *net.UnixAddr) and completes with OnConnect.
func (h *Handle) Connect(addr net.Addr) error {
	switch {
	case h.closed:
		return ErrClosed
	case h.connecting:
		return ErrBusy
	}
	h.connecting = true
	done, err := h.loop.be.connect(h, addr)
	if done || err != nil {
		h.finishConnect(err)
	}
	return nil
}

func (h *Handle) finishConnect(err error) {
	h.connecting = false
	h.loop.enqueue(completion{h: h, op: opConnect, err: err})
}

// Shutdown shuts down the reading, writing or both halves of a socket
// (syscall.SHUT_RD, SHUT_WR, SHUT_RDWR).
func (h *Handle) Shutdown(how int) error {
	if h.closed {
		return ErrClosed
	}
	return h.loop.be.shutdown(h, how)
}

// Close stops watching the descriptor and closes it. Every operation in
// flight completes with ErrClosed, then OnClose runs; a second Close returns
// ErrClosed.
func (h *Handle) Close() error {
	if h.closed {
		return ErrClosed
	}
	h.closed = true
	held, err := h.loop.be.detach(h)
	h.stopBackoff()
	if h.sending() && !held {
		h.finishSend(ErrClosed)
	}
	if h.connecting {
		h.finishConnect(ErrClosed)
	}
	if h.receiving {
		h.receiving = false
		h.loop.enqueue(completion{h: h, op: opRecv, err: ErrClosed})
	}
	if h.accepting {
		h.accepting = false
		h.loop.enqueue(completion{h: h, op: opAccept, n: -1, err: ErrClosed})
	}
	if !held {
		h.loop.enqueue(completion{h: h, op: opClose})
	}
	h.loop.release(h)
	return err
}

// deliver calls the Handler for one completion.
func (h *Handle) deliver(c completion) {
	if c.op == opRecv && h.paused && !h.closed {
		// Queued before PauseRecv, behind a delivery that paused: io_uring
		// hands over what it parked in one batch. Keep it for ResumeRecv,
		// so that nothing is received after a pause. A final completion
		// (an error, EOF) ends the receive only when it is delivered:
		// until then Close must still complete it.
		if c.err != nil {
			h.receiving = true
		}
		h.park(c)
		return
	}
	h.loop.stats.Completions++
	switch c.op {
	case opAccept:
		h.handler.OnAccept(h, c.n, c.err)
	case opRecv:
		h.handler.OnRecv(h, c.chunk, c.err)
	case opSend:
		h.handler.OnSend(h, c.n, c.err)
	case opConnect:
		h.handler.OnConnect(h, c.err)
	case opClose:
		h.handler.OnClose(h)
	}
}

// token names h to the kernel: a slot and its generation, never a pointer.
func (h *Handle) token() uint64 { return uint64(h.gen)<<32 | uint64(h.slot) }

// wants reports which directions h needs the descriptor watched for.
func (h *Handle) wants() (read, write bool) {
	read = h.accepting && !h.waiting() || h.receiving && !h.paused
	write = h.sending() || h.connecting
	return read, write
}
