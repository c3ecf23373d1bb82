package poller

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"time"

	"github.com/ringwire/ringwire/internal/sys"
	"golang.org/x/sys/unix"
)

const epollSupported = true

func newBackend(l *Loop, b Backend) (backend, error) {
	switch b {
	case Epoll:
		return newEpoll(l)
	case IOUring:
		return newURing(l)
	}
	return nil, ErrUnsupported
}

// chunkSize is the memory one epoll read fills and hands over. 32 KiB takes
// a 16 KiB frame with its header in one read.
const chunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// releaseChunk returns the memory of a chunk that Data begins, whatever its
// length: its capacity reaches the end of the pooled block.
func releaseChunk(p []byte) {
	if cap(p) >= chunkSize {
		chunkPool.Put((*[chunkSize]byte)(p[:chunkSize]))
	}
}

// wakeToken marks the eventfd among epoll's events; no Handle has it, since
// a slot number never reaches 2^32-1.
const wakeToken = math.MaxUint64

const (
	acceptBatch = 64 // accepts per readiness event, so one listener cannot starve the rest
	maxEvents   = 4096
)

type epoll struct {
	l      *Loop
	epfd   int
	evfd   int
	events []unix.EpollEvent
	iov    []unix.Iovec
}

func newEpoll(l *Loop) (*epoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setToken(&ev, wakeToken)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(evfd)
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll_ctl: %w", err)
	}
	return &epoll{
		l:      l,
		epfd:   epfd,
		evfd:   evfd,
		events: make([]unix.EpollEvent, 128),
		iov:    make([]unix.Iovec, 0, iovecsPerSend),
	}, nil
}

// The 64-bit epoll data holds the token, in the two 32-bit halves that
// unix.EpollEvent names Fd and Pad.
func setToken(ev *unix.EpollEvent, tok uint64) {
	ev.Fd, ev.Pad = int32(uint32(tok)), int32(uint32(tok>>32))
}

func token(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// The epoll loop does not pin its thread: blocking in epoll_wait on any
// thread is fine, and a locked thread costs a thread switch per wake-up.
func (e *epoll) start() error { return nil }

func (e *epoll) add(h *Handle) error {
	e.l.stats.Syscalls++
	return unix.SetNonblock(h.fd, true)
}

// arm registers the interest h's operations need. A descriptor with no
// interest is not in the epoll set at all: level-triggered epoll reports
// hang-ups whatever the interest, and would spin on one nobody reads.
func (e *epoll) arm(h *Handle) error {
	h.unpark()
	read, write := h.wants()
	var want uint32
	if read {
		want |= unix.EPOLLIN
	}
	if write {
		want |= unix.EPOLLOUT
	}
	if want == h.armed {
		return nil
	}
	op := unix.EPOLL_CTL_MOD
	switch {
	case h.armed == 0:
		op = unix.EPOLL_CTL_ADD
	case want == 0:
		op = unix.EPOLL_CTL_DEL
	}
	ev := unix.EpollEvent{Events: want}
	setToken(&ev, h.token())
	e.l.stats.Syscalls++
	if err := unix.EpollCtl(e.epfd, op, h.fd, &ev); err != nil {
		return fmt.Errorf("poller: epoll_ctl: %w", err)
	}
	h.armed = want
	return nil
}

func (e *epoll) send(h *Handle) (bool, error) {
	snd := h.snd
	for len(snd.bufs) > 0 {
		var total int
		e.iov, total = sys.Iovecs(e.iov, snd.bufs)
		e.l.stats.Syscalls++
		n, err := sys.Writev(h.fd, e.iov)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return false, e.arm(h)
		case err != nil:
			return false, err
		}
		snd.sent += n
		e.l.stats.BytesOut += uint64(n)
		snd.bufs = advance(snd.bufs, n)
		if n < total {
			return false, e.arm(h) // a short write: the socket buffer is full
		}
	}
	return true, nil
}

// advance drops the first n bytes from bufs.
//
// What remains moves to the front of bufs rather than bufs being resliced
// past what was written: Handle.Send reuses the backing array, and a slice
// that had lost its front capacity cost an allocation per send.
func advance(bufs [][]byte, n int) [][]byte {
	i := 0
	for ; i < len(bufs) && n >= len(bufs[i]); i++ {
		n -= len(bufs[i])
	}
	k := copy(bufs, bufs[i:])
	clear(bufs[k:])
	bufs = bufs[:k]
	if n > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}

func (e *epoll) connect(h *Handle, addr net.Addr) (bool, error) {
	sa, err := sockaddr(addr)
	if err != nil {
		return false, err
	}
	e.l.stats.Syscalls++
	switch err := unix.Connect(h.fd, sa); err {
	case nil:
		return true, nil
	case unix.EINPROGRESS, unix.EINTR:
		return false, e.arm(h)
	default:
		return false, err
	}
}

func sockaddr(addr net.Addr) (unix.Sockaddr, error) {
	switch a := addr.(type) {
	case *net.TCPAddr:
		if ip4 := a.IP.To4(); ip4 != nil {
			return &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}, nil
		}
		if ip6 := a.IP.To16(); ip6 != nil {
			return &unix.SockaddrInet6{Port: a.Port, Addr: [16]byte(ip6)}, nil
		}
	case *net.UnixAddr:
		return &unix.SockaddrUnix{Name: a.Name}, nil
	}
	return nil, fmt.Errorf("poller: cannot connect to %v (%T)", addr, addr)
}

func (e *epoll) shutdown(h *Handle, how int) error {
	e.l.stats.Syscalls++
	return unix.Shutdown(h.fd, how)
}

func (e *epoll) detach(h *Handle) (bool, error) {
	var err error
	if h.armed != 0 {
		e.l.stats.Syscalls++
		err = unix.EpollCtl(e.epfd, unix.EPOLL_CTL_DEL, h.fd, nil)
		h.armed = 0
	}
	e.l.stats.Syscalls++
	return false, errors.Join(err, unix.Close(h.fd))
}

func (e *epoll) wait(timeout time.Duration) error {
	ms := -1
	if timeout >= 0 {
		ms = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	e.l.stats.Syscalls++
	n, err := unix.EpollWait(e.epfd, e.events, ms)
	if err == unix.EINTR {
		return nil
	}
	if err != nil {
		return fmt.Errorf("poller: epoll_wait: %w", err)
	}
	for i := range n {
		ev := &e.events[i]
		tok := token(ev)
		if tok == wakeToken {
			e.drainWake()
			continue
		}
		if h := e.l.lookup(tok); h != nil {
			e.dispatch(h, ev.Events)
			e.l.runDone()
		}
	}
	if n == len(e.events) && n < maxEvents {
		e.events = make([]unix.EpollEvent, 2*n)
	}
	return nil
}

// dispatch runs the operations that h's readiness lets progress.
func (e *epoll) dispatch(h *Handle, events uint32) {
	if events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		switch {
		case h.accepting && !h.waiting():
			e.accept(h)
		case h.receiving && !h.paused:
			e.recv(h)
		}
	}
	if h.closed {
		return
	}
	if events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		if h.connecting {
			e.l.stats.Syscalls++
			soerr, err := unix.GetsockoptInt(h.fd, unix.SOL_SOCKET, unix.SO_ERROR)
			if err == nil && soerr != 0 {
				err = unix.Errno(soerr)
			}
			h.finishConnect(err)
		}
		if h.sending() {
			if done, err := e.send(h); done || err != nil {
				h.finishSend(err)
			}
		}
	}
	if !h.closed {
		if err := e.arm(h); err != nil {
			h.Close()
		}
	}
}

func (e *epoll) accept(h *Handle) {
	for range acceptBatch {
		e.l.stats.Syscalls++
		fd, err := sys.Accept4(h.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
			h.accepted()
			h.deliver(completion{h: h, op: opAccept, n: fd})
			if h.closed || !h.accepting {
				return
			}
			continue
		case unix.EAGAIN:
			return
		case unix.EINTR, unix.ECONNABORTED:
			continue
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			// Out of descriptors or memory: stop watching the listener
			// (level-triggered epoll would spin on the waiting connection)
			// and try again later, backing off.
			h.backOff(e.arm)
			e.arm(h)
			h.deliver(completion{h: h, op: opAccept, n: -1, err: err})
			return
		default:
			h.accepting = false
			h.deliver(completion{h: h, op: opAccept, n: -1, err: err})
			return
		}
	}
}

// recv makes one read per readiness event: level triggering brings the
// loop back if more is waiting, after the other descriptors had their turn.
func (e *epoll) recv(h *Handle) {
	buf := chunkPool.Get().(*[chunkSize]byte)
	var (
		n   int
		err error
	)
	for {
		e.l.stats.Syscalls++
		n, err = unix.Read(h.fd, buf[:])
		if err != unix.EINTR {
			break
		}
	}
	switch {
	case n > 0:
		e.l.stats.BytesIn += uint64(n)
		h.deliver(completion{h: h, op: opRecv, chunk: Chunk{Data: buf[:n], release: releaseChunk}})
		return
	case err == unix.EAGAIN:
	case err == nil: // a zero-byte read: the peer closed its side
		h.receiving = false
		h.deliver(completion{h: h, op: opRecv, err: io.EOF})
	default:
		h.receiving = false
		h.deliver(completion{h: h, op: opRecv, err: err})
	}
	chunkPool.Put(buf)
}

var wakeValue = [8]byte{1} // eventfd adds this little-endian 1 to its counter

func (e *epoll) wake() error {
	_, err := unix.Write(e.evfd, wakeValue[:])
	if err == unix.EAGAIN { // the counter is full: the loop is awake anyway
		return nil
	}
	return err
}

func (e *epoll) drainWake() {
	var buf [8]byte
	e.l.stats.Syscalls++
	if n, _ := unix.Read(e.evfd, buf[:]); n == 8 {
		e.l.stats.Wakeups += uint64(buf[0]) | uint64(buf[1])<<8 | uint64(buf[2])<<16 | uint64(buf[3])<<24
	}
}

func (e *epoll) close() error {
	return errors.Join(unix.Close(e.evfd), unix.Close(e.epfd))
}
