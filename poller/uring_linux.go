package poller

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ringwire/ringwire/internal/sys"
	"golang.org/x/sys/unix"
)

// ringState is a Handle's io_uring state: which continuing requests are
// armed and how many are in flight. The memory in-flight requests read is
// in the Handle's sendState and ringAside, which stay referenced until the
// requests' last completions.
type ringState struct {
	acceptArmed bool
	recvArmed   bool
	starved     bool  // a receive ran out of buffers; re-armed when some return
	noZC        bool  // the socket refused zero-copy (a Unix socket): copy
	inflight    int32 // requests whose last completion has not come
	// A zero-copy send completes twice: its result, then a notification
	// once the kernel no longer reads the memory. zcNotifs counts those
	// still due; the sendState holds the send's outcome until they have
	// come.
	zcNotifs int32
	aside    *ringAside // nil until needed
}

// ringAside is what few Handles need: completions that came after
// PauseRecv or StopAccept, for requests the kernel had already finished,
// kept in order until the operation is asked for again or freed at Close;
// and a connect's address.
type ringAside struct {
	parkedRecv   []completion
	parkedAccept []int
	sa           unix.RawSockaddrAny
}

// asideFor returns rs.aside, allocating it on first use.
func (rs *ringState) asideFor() *ringAside {
	if rs.aside == nil {
		rs.aside = new(ringAside)
	}
	return rs.aside
}

// ringSend is the io_uring part of a send in flight: the message the kernel
// reads, and a zero-copy send's outcome held until its notifications.
type ringSend struct {
	msg    unix.Msghdr
	iov    []unix.Iovec
	zcDone bool
	zcErr  error
}

func (s *ringSend) reset() {
	s.msg = unix.Msghdr{}
	clear(s.iov)
	s.iov = s.iov[:0]
	s.zcDone, s.zcErr = false, nil
}

// inKernel reports whether requests of h are still in the kernel's hands.
func (h *Handle) inKernel() bool { return h.ring.inflight > 0 }

// parkedRecvs returns the receive completions parked on h, if any.
func (rs *ringState) parkedRecvs() int {
	if rs.aside == nil {
		return 0
	}
	return len(rs.aside.parkedRecv)
}

// User data: the slot, 24 bits of its generation and the operation; never a
// pointer.
const (
	udGenBits = 24
	udGenMask = 1<<udGenBits - 1
	udOpShift = 32 + udGenBits
)

const (
	udAccept uint64 = iota
	udRecv
	udSend
	udSendZC
	udConnect
	udCancel
	udWake
)

func userData(h *Handle, op uint64) uint64 {
	return uint64(h.slot) | uint64(h.gen&udGenMask)<<32 | op<<udOpShift
}

const (
	ringEntries   = 256  // SQ size; the CQ is 4 times as large
	ringBuffers   = 1024 // provided buffers per loop, chunkSize each
	ringPublished = 64   // buffers the kernel may pick from at a time
	bufferGroup   = 1
)

type uring struct {
	l    *Loop
	ring *sys.Ring
	bufs *sys.BufRing

	// Buffers: free is a LIFO stack of buffers the loop holds, so the most
	// recently used are handed to the kernel first and stay in cache; the
	// kernel may pick from published-consumed of them.
	free      []uint16
	published int
	consumed  int
	out       []uint16        // buffers lent to Handlers
	returned  []atomic.Uint32 // by buffer: set by Chunk.Release, on any goroutine
	starving  atomic.Bool     // a receive waits for buffers: a release wakes the loop
	releaseFn func([]byte)    // u.releaseChunk, made once: every Chunk carries it

	evfd    int
	evbuf   [8]byte
	evArmed bool

	zombies  map[uint64]*Handle // closed Handles with requests still in flight
	complete func(*sys.CQE)     // u.onCQE, made once, not per drain
}

func newURing(l *Loop) (*uring, error) {
	if c := Probe(); !c.IOUring {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, c.Reason)
	}
	u := &uring{l: l, zombies: map[uint64]*Handle{}}
	u.complete = u.onCQE
	u.releaseFn = u.releaseChunk
	return u, nil
}

// start pins the loop to its thread and creates the ring there: with
// SINGLE_ISSUER only the thread that set the ring up may submit to it.
func (u *uring) start() error {
	runtime.LockOSThread()
	flags := uint32(sys.SetupSingleIssuer | sys.SetupDeferTaskrun | sys.SetupSubmitAll)
	if !Probe().DeferTaskrun {
		flags = sys.SetupCoopTaskrun | sys.SetupTaskrunFlag
	}
	var err error
	if u.ring, err = sys.NewRing(ringEntries, 4*ringEntries, flags); err != nil {
		return err
	}
	if u.bufs, err = sys.NewBufRing(u.ring, bufferGroup, ringBuffers, chunkSize); err != nil {
		return err
	}
	u.returned = make([]atomic.Uint32, ringBuffers)
	u.free = make([]uint16, 0, ringBuffers)
	for i := ringBuffers - 1; i >= 0; i-- {
		u.free = append(u.free, uint16(i))
	}
	u.refill()
	u.evfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	return err
}

// sqe returns a submission entry, submitting what is queued if the SQ is full.
func (u *uring) sqe() *sys.SQE {
	for {
		if s := u.ring.SQE(); s != nil {
			return s
		}
		u.enter(false, 0)
	}
}

func (u *uring) enter(wait bool, timeout time.Duration) error {
	pending := u.ring.Pending()
	u.l.stats.Syscalls++
	u.l.stats.Enters++
	n, err := u.ring.Enter(wait, timeout)
	u.l.stats.Submissions += uint64(min(uint32(n), pending))
	return err
}

func (u *uring) add(h *Handle) error {
	u.l.stats.Syscalls++
	return unix.SetNonblock(h.fd, true)
}

// park keeps a receive completion that came while h was paused.
func (h *Handle) park(c completion) {
	a := h.ring.asideFor()
	a.parkedRecv = append(a.parkedRecv, c)
}

// unpark queues, on a resumed receive, the completions kept while it was
// paused, in order. Those queued behind one that pauses again are parked
// again as they come up (Handle.deliver).
func (h *Handle) unpark() {
	rs := &h.ring
	if !h.receiving || h.paused || rs.parkedRecvs() == 0 {
		return
	}
	a := rs.aside
	for _, c := range a.parkedRecv {
		if c.err != nil {
			h.receiving = false // the receive ended while paused
		}
		h.loop.enqueue(c)
	}
	clear(a.parkedRecv)
	a.parkedRecv = a.parkedRecv[:0]
}

// arm submits the continuing requests h now wants, and cancels those it no
// longer wants, at once: a cancel must reach the kernel before the caller
// goes on, or a paused receive could still deliver.
func (u *uring) arm(h *Handle) error {
	rs := &h.ring
	wantAccept := h.accepting && !h.waiting()
	if a := rs.aside; wantAccept && a != nil && len(a.parkedAccept) > 0 {
		for _, fd := range a.parkedAccept {
			u.l.enqueue(completion{h: h, op: opAccept, n: fd})
		}
		a.parkedAccept = a.parkedAccept[:0]
	}
	h.unpark()
	switch {
	case wantAccept && !rs.acceptArmed:
		s := u.sqe()
		sys.PrepAcceptMultishot(s, h.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		s.UserData = userData(h, udAccept)
		rs.acceptArmed = true
		rs.inflight++
	case !wantAccept && rs.acceptArmed:
		u.cancel(h, udAccept)
	}
	wantRecv := h.receiving && !h.paused
	switch {
	case wantRecv && !rs.recvArmed && !rs.starved:
		s := u.sqe()
		sys.PrepRecvMultishot(s, h.fd, bufferGroup)
		s.UserData = userData(h, udRecv)
		rs.recvArmed = true
		rs.inflight++
	case !wantRecv && rs.recvArmed:
		u.cancel(h, udRecv)
	}
	return nil
}

func (u *uring) cancel(h *Handle, op uint64) {
	s := u.sqe()
	sys.PrepCancel(s, userData(h, op))
	s.UserData = udCancel << udOpShift
	u.enter(false, 0)
}

func (u *uring) send(h *Handle) (bool, error) {
	rs, snd := &h.ring, h.snd
	rq := &snd.ring
	if rq.iov == nil {
		rq.iov = make([]unix.Iovec, 0, iovecsPerSend) // Iovecs fills only what fits
	}
	var total int
	rq.iov, total = sys.Iovecs(rq.iov, snd.bufs)
	if total == 0 {
		return true, nil
	}
	const flags = unix.MSG_NOSIGNAL | unix.MSG_WAITALL
	zc := u.l.poller.opts.SendZCThreshold
	s := u.sqe()
	switch {
	case zc > 0 && snd.sent+total >= zc && !rs.noZC && Probe().SendZC:
		rq.msg = unix.Msghdr{Iov: &rq.iov[0]}
		rq.msg.SetIovlen(len(rq.iov))
		sys.PrepSendmsg(s, h.fd, &rq.msg, flags)
		s.Opcode = sys.OpSendmsgZC
		s.UserData = userData(h, udSendZC)
	case len(rq.iov) == 1 && total <= 1<<30: // SEND's length is 32 bits
		// One buffer, the common case (a reply, a request): SEND spares
		// the kernel SENDMSG's copy of the msghdr and its iovec.
		sys.PrepSend(s, h.fd, rq.iov[0].Base, uint32(rq.iov[0].Len), flags)
		s.UserData = userData(h, udSend)
	default:
		rq.msg = unix.Msghdr{Iov: &rq.iov[0]}
		rq.msg.SetIovlen(len(rq.iov))
		sys.PrepSendmsg(s, h.fd, &rq.msg, flags)
		s.UserData = userData(h, udSend)
	}
	rs.inflight++
	return false, nil
}

func (u *uring) connect(h *Handle, addr net.Addr) (bool, error) {
	sa, err := sockaddr(addr)
	if err != nil {
		return false, err
	}
	a := h.ring.asideFor()
	n, err := sys.RawSockaddr(&a.sa, sa)
	if err != nil {
		return false, err
	}
	s := u.sqe()
	sys.PrepConnect(s, h.fd, &a.sa, n)
	s.UserData = userData(h, udConnect)
	h.ring.inflight++
	return false, nil
}

func (u *uring) shutdown(h *Handle, how int) error {
	u.l.stats.Syscalls++
	return unix.Shutdown(h.fd, how)
}

// detach cancels everything in flight on h and closes its descriptor. The
// Handle is kept, with the memory its requests read, until their last
// completions come, which are then dropped.
func (u *uring) detach(h *Handle) (bool, error) {
	rs := &h.ring
	if a := rs.aside; a != nil {
		for _, c := range a.parkedRecv {
			c.chunk.Release()
		}
		a.parkedRecv = nil
		for _, fd := range a.parkedAccept {
			unix.Close(fd)
		}
		a.parkedAccept = nil
	}
	if rs.inflight > 0 {
		s := u.sqe()
		sys.PrepCancelFD(s, h.fd)
		s.UserData = udCancel << udOpShift
		u.enter(false, 0)
		u.zombies[userData(h, 0)] = h
	}
	rs.acceptArmed, rs.recvArmed, rs.starved = false, false, false
	u.l.stats.Syscalls++
	held := h.sending() && rs.zcNotifs > 0
	if held {
		h.snd.ring.zcDone, h.snd.ring.zcErr = true, ErrClosed
	}
	return held, unix.Close(h.fd)
}

func (u *uring) wait(timeout time.Duration) error {
	u.reclaim()
	if !u.evArmed {
		s := u.sqe()
		sys.PrepRead(s, u.evfd, u.evbuf[:])
		s.UserData = udWake << udOpShift
		u.evArmed = true
	}
	if err := u.enter(timeout != 0, timeout); err != nil {
		return fmt.Errorf("poller: io_uring_enter: %w", err)
	}
	for {
		u.ring.Completions(u.complete)
		if !u.ring.Overflowed() {
			return nil
		}
		// Completions the CQ had no room for wait in the kernel: a
		// non-waiting enter with GETEVENTS flushes them.
		if err := u.enter(false, 0); err != nil {
			return fmt.Errorf("poller: io_uring_enter: %w", err)
		}
	}
}

func (u *uring) onCQE(c *sys.CQE) {
	op := c.UserData >> udOpShift
	more := c.Flags&sys.CQEFMore != 0
	var bid uint16
	hasBuf := c.Flags&sys.CQEFBuffer != 0
	if hasBuf {
		bid = uint16(c.Flags >> sys.CQEBufferShift)
		u.consumed++
	}
	switch op {
	case udWake:
		u.evArmed = false
		u.l.stats.Wakeups += uint64(u.evbuf[0]) | uint64(u.evbuf[1])<<8
		return
	case udCancel:
		return
	}
	slot, gen := uint32(c.UserData), uint32(c.UserData>>32)&udGenMask
	var h *Handle
	if int(slot) < len(u.l.handles) && u.l.gens[slot]&udGenMask == gen {
		h = u.l.handles[slot]
	}
	if h == nil {
		u.late(c, op, more, hasBuf, bid)
		return
	}
	rs := &h.ring
	if !more {
		rs.inflight--
	}
	switch op {
	case udAccept:
		u.onAccept(h, c.Res, more)
	case udRecv:
		u.onRecv(h, c.Res, more, hasBuf, bid)
	case udSend:
		u.onSend(h, c.Res)
	case udSendZC:
		u.onSendZC(h, c, more)
	case udConnect:
		var err error
		if c.Res < 0 {
			err = unix.Errno(-c.Res)
		}
		h.finishConnect(err)
	}
	u.l.runDone()
}

// late handles a completion for a closed Handle: it is dropped, but a
// buffer goes back and an accepted descriptor is closed.
func (u *uring) late(c *sys.CQE, op uint64, more, hasBuf bool, bid uint16) {
	if hasBuf {
		u.free = append(u.free, bid)
	}
	if op == udAccept && c.Res >= 0 {
		unix.Close(int(c.Res))
	}
	key := c.UserData &^ (0xff << udOpShift)
	h := u.zombies[key]
	if h == nil {
		return
	}
	if !more {
		h.ring.inflight--
	}
	if op == udSendZC {
		u.onSendZC(h, c, more)
	}
	if h.ring.inflight <= 0 {
		delete(u.zombies, key)
	}
}

func (u *uring) onAccept(h *Handle, res int32, more bool) {
	if !more {
		h.ring.acceptArmed = false
	}
	switch {
	case res >= 0 && !h.accepting:
		a := h.ring.asideFor()
		a.parkedAccept = append(a.parkedAccept, int(res))
	case res >= 0:
		h.accepted()
		h.deliver(completion{h: h, op: opAccept, n: int(res)})
	case res == -int32(unix.ECANCELED):
	case res == -int32(unix.EMFILE), res == -int32(unix.ENFILE), res == -int32(unix.ENOBUFS), res == -int32(unix.ENOMEM):
		h.backOff(u.arm)
		if h.ring.acceptArmed {
			u.cancel(h, udAccept)
		}
		h.deliver(completion{h: h, op: opAccept, n: -1, err: unix.Errno(-res)})
	case res == -int32(unix.EINTR), res == -int32(unix.ECONNABORTED):
	default:
		h.accepting = false
		h.deliver(completion{h: h, op: opAccept, n: -1, err: unix.Errno(-res)})
	}
	if !h.closed && !h.ring.acceptArmed {
		u.arm(h)
	}
}

func (u *uring) onRecv(h *Handle, res int32, more, hasBuf bool, bid uint16) {
	rs := &h.ring
	if !more {
		rs.recvArmed = false
	}
	var c completion
	switch {
	case res > 0 && hasBuf:
		u.l.stats.BytesIn += uint64(res)
		u.out = append(u.out, bid)
		c = completion{h: h, op: opRecv, chunk: Chunk{Data: u.bufs.Buf(bid)[:res], release: u.releaseFn}}
	case res == 0:
		if hasBuf {
			u.free = append(u.free, bid)
		}
		c = completion{h: h, op: opRecv, err: io.EOF}
	case res == -int32(unix.ENOBUFS):
		rs.starved = true
		u.starving.Store(true)
		u.l.stats.BufferWaits++
	case res == -int32(unix.ECANCELED):
	default:
		if hasBuf {
			u.free = append(u.free, bid)
		}
		c = completion{h: h, op: opRecv, err: unix.Errno(-res)}
	}
	switch {
	case c.h == nil:
	case h.paused || rs.parkedRecvs() > 0:
		// The kernel finished this receive before the pause reached it.
		h.park(c)
	default:
		if c.err != nil {
			h.receiving = false
		}
		h.deliver(c)
	}
	if !h.closed && !rs.recvArmed {
		u.arm(h)
	}
}

func (u *uring) onSend(h *Handle, res int32) {
	snd := h.snd
	if snd == nil {
		return
	}
	if res < 0 {
		h.finishSend(unix.Errno(-res))
		return
	}
	snd.sent += int(res)
	u.l.stats.BytesOut += uint64(res)
	snd.bufs = advance(snd.bufs, int(res))
	if len(snd.bufs) == 0 {
		h.finishSend(nil)
		return
	}
	u.send(h) // more than one sendmsg holds, or a short send
}

// onSendZC handles both completions of a zero-copy send: the result, like
// onSend's but holding back the completion while notifications are due,
// and the notification, which ends the request.
func (u *uring) onSendZC(h *Handle, c *sys.CQE, more bool) {
	rs := &h.ring
	if c.Flags&sys.CQEFNotif != 0 {
		if rs.zcNotifs--; rs.zcNotifs == 0 && h.snd != nil && h.snd.ring.zcDone {
			h.finishSend(h.snd.ring.zcErr)
			if h.closed {
				u.l.enqueue(completion{h: h, op: opClose}) // held back by detach
			}
		}
		return
	}
	if more {
		rs.zcNotifs++ // the notification ends the request
	}
	snd := h.snd
	if snd == nil || h.closed {
		return
	}
	var err error
	switch {
	case c.Res == -int32(unix.EOPNOTSUPP) && !rs.noZC:
		rs.noZC = true // send the same bytes again, copying
		u.send(h)
		return
	case c.Res < 0:
		err = unix.Errno(-c.Res)
	default:
		snd.sent += int(c.Res)
		u.l.stats.BytesOut += uint64(c.Res)
		snd.bufs = advance(snd.bufs, int(c.Res))
		if len(snd.bufs) > 0 {
			u.send(h)
			return
		}
	}
	if rs.zcNotifs > 0 {
		snd.ring.zcDone, snd.ring.zcErr = true, err
		return
	}
	h.finishSend(err)
}

// releaseChunk is Chunk.Release for a ring buffer, on any goroutine: one
// atomic store, and a wake-up only when a receive starves for buffers.
func (u *uring) releaseChunk(p []byte) {
	bid, ok := u.bufs.ID(p)
	if !ok {
		return
	}
	u.returned[bid].Store(1)
	if u.starving.Load() && u.l.sleeping.Swap(false) {
		u.l.wakeIfRunning()
	}
}

// reclaim takes back the buffers Handlers released, then tops up the ring
// and re-arms receives that starved.
func (u *uring) reclaim() {
	kept := u.out[:0]
	for _, bid := range u.out {
		if u.returned[bid].Load() != 0 {
			u.returned[bid].Store(0)
			u.free = append(u.free, bid)
		} else {
			kept = append(kept, bid)
		}
	}
	u.out = kept
	u.refill()
	if u.starving.Load() && u.published > u.consumed {
		u.starving.Store(false)
		for _, h := range u.l.handles {
			if h != nil && h.ring.starved {
				h.ring.starved = false
				u.arm(h)
			}
		}
	}
}

// refill publishes buffers, most recently freed first, until the kernel may
// pick from ringPublished of them.
func (u *uring) refill() {
	n := 0
	for u.published-u.consumed < ringPublished && len(u.free) > 0 {
		bid := u.free[len(u.free)-1]
		u.free = u.free[:len(u.free)-1]
		u.bufs.Push(bid)
		u.published++
		n++
	}
	if n > 0 {
		u.bufs.Publish()
	}
}

func (u *uring) wake() error {
	_, err := unix.Write(u.evfd, wakeValue[:])
	if err == unix.EAGAIN {
		return nil
	}
	return err
}

// close releases the ring. Buffers still lent to Handlers keep their
// memory mapped, so that a chunk released late reads no unmapped page.
func (u *uring) close() error {
	var errs []error
	// The cancels of the Handles just closed are in flight; their last
	// completions close the descriptors accepted meanwhile. Wait for them,
	// a bounded time: a cancel completes at once.
	for i := 0; i < 100 && len(u.zombies) > 0 && u.ring != nil; i++ {
		if err := u.enter(true, 10*time.Millisecond); err != nil {
			break
		}
		u.ring.Completions(u.complete)
	}
	if u.bufs != nil {
		u.reclaim()
		if len(u.out) == 0 {
			errs = append(errs, u.bufs.Close(u.ring))
		}
	}
	if u.ring != nil {
		errs = append(errs, u.ring.Close())
	}
	if u.evfd > 0 {
		errs = append(errs, unix.Close(u.evfd))
	}
	return errors.Join(errs...)
}
