package sys

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SQE is struct io_uring_sqe (64 bytes).
type SQE struct {
	Opcode      uint8
	Flags       uint8
	Ioprio      uint16
	Fd          int32
	Off         uint64 // also addr2
	Addr        uint64
	Len         uint32
	OpFlags     uint32 // rw_flags, msg_flags, accept_flags, cancel_flags, ...
	UserData    uint64
	BufIndex    uint16 // also buf_group
	Personality uint16
	SpliceFdIn  int32 // also file_index
	Addr3       uint64
	pad         uint64
}

// CQE is struct io_uring_cqe (16 bytes).
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// SQE flags, CQE flags and operation flags.
const (
	SQEBufferSelect = 1 << 5

	CQEFBuffer     = 1 << 0 // the upper 16 bits of Flags name the buffer
	CQEFMore       = 1 << 1 // a multishot request goes on
	CQEFNotif      = 1 << 3 // a zero-copy send's memory may be reused
	CQEBufferShift = 16

	AcceptMultishot = 1 << 0 // in Ioprio
	RecvMultishot   = 1 << 1 // in Ioprio

	AsyncCancelAll = 1 << 0 // in OpFlags
	AsyncCancelFD  = 1 << 1

	sqNeedWakeup = 1 << 0
	sqCQOverflow = 1 << 1
	sqTaskrun    = 1 << 2

	enterGetEvents      = 1 << 0
	enterExtArg         = 1 << 3
	enterRegisteredRing = 1 << 4

	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// Ring is one io_uring instance: its submission and completion queues mapped
// into this process. It is not safe for concurrent use: one goroutine, on one
// locked thread, owns it.
type Ring struct {
	fd         int
	enterFD    int // fd, or its registered index
	enterFlags uint32
	params     Params

	sqMem, cqMem, sqeMem []byte
	sqHead, sqTail       *uint32
	sqFlags              *uint32
	sqMask               uint32
	sqArray              []uint32
	sqes                 []SQE
	sqLocal              uint32 // SQEs handed out; published to *sqTail at Enter

	cqHead, cqTail *uint32
	cqOverflow     *uint32
	cqMask         uint32
	cqes           []CQE

	ts  unix.Timespec
	arg getEventsArg
}

// NewRing sets up a ring of entries submission slots and cqEntries
// completion slots with the given setup flags.
func NewRing(entries, cqEntries, flags uint32) (*Ring, error) {
	p := Params{Flags: flags | SetupCQSize, CQEntries: cqEntries}
	fd, err := Setup(entries, &p)
	if err != nil {
		return nil, fmt.Errorf("io_uring_setup: %w", err)
	}
	r := &Ring{fd: fd, enterFD: fd, params: p}
	if err := r.mapRings(); err != nil {
		r.Close()
		return nil, err
	}
	r.registerRingFD()
	return r, nil
}

func (r *Ring) mapRings() error {
	p := &r.params
	sqSize := int(p.SQOff.Array + p.SQEntries*4)
	cqSize := int(p.CQOff.CQEs + p.CQEntries*uint32(unsafe.Sizeof(CQE{})))
	single := p.Features&FeatSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, offSQRing, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("mmap SQ ring: %w", err)
	}
	r.cqMem = r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, offCQRing, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			return fmt.Errorf("mmap CQ ring: %w", err)
		}
	}
	sqeSize := int(p.SQEntries) * int(unsafe.Sizeof(SQE{}))
	if r.sqeMem, err = unix.Mmap(r.fd, offSQEs, sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return fmt.Errorf("mmap SQEs: %w", err)
	}
	u32 := func(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }
	r.sqHead, r.sqTail, r.sqFlags = u32(r.sqMem, p.SQOff.Head), u32(r.sqMem, p.SQOff.Tail), u32(r.sqMem, p.SQOff.Flags)
	r.sqMask = *u32(r.sqMem, p.SQOff.RingMask)
	r.sqArray = unsafe.Slice(u32(r.sqMem, p.SQOff.Array), p.SQEntries)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), p.SQEntries)
	r.cqHead, r.cqTail, r.cqOverflow = u32(r.cqMem, p.CQOff.Head), u32(r.cqMem, p.CQOff.Tail), u32(r.cqMem, p.CQOff.Overflow)
	r.cqMask = *u32(r.cqMem, p.CQOff.RingMask)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&r.cqMem[p.CQOff.CQEs])), p.CQEntries)
	// The SQ array maps slot i to SQE i once and for all.
	for i := range r.sqArray {
		r.sqArray[i] = uint32(i)
	}
	r.sqLocal = atomic.LoadUint32(r.sqTail)
	return nil
}

// rsrcUpdate is struct io_uring_rsrc_update.
type rsrcUpdate struct {
	offset uint32
	resv   uint32
	data   uint64
}

const unregisterRingFDs = 21

// registerRingFD registers the ring's own descriptor, which saves a file
// table lookup on every enter; a kernel without it keeps the plain fd.
func (r *Ring) registerRingFD() {
	up := rsrcUpdate{offset: ^uint32(0), data: uint64(r.fd)}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), RegisterRingFDs,
		uintptr(unsafe.Pointer(&up)), 1, 0, 0)
	if errno == 0 && n == 1 {
		r.enterFD, r.enterFlags = int(up.offset), enterRegisteredRing
	}
}

// FD returns the ring's descriptor.
func (r *Ring) FD() int { return r.fd }

// Features returns what the kernel reported at setup.
func (r *Ring) Features() uint32 { return r.params.Features }

// SQE returns the next free submission entry, cleared, or nil when every
// slot holds an entry not yet submitted: call Enter, then ask again.
func (r *Ring) SQE() *SQE {
	head := atomic.LoadUint32(r.sqHead)
	if r.sqLocal-head >= uint32(len(r.sqes)) {
		return nil
	}
	sqe := &r.sqes[r.sqLocal&r.sqMask]
	*sqe = SQE{}
	r.sqLocal++
	return sqe
}

// Pending reports the entries prepared and not yet submitted.
func (r *Ring) Pending() uint32 { return r.sqLocal - atomic.LoadUint32(r.sqTail) }

// Enter submits every prepared entry and, if wait, waits for at least one
// completion or for timeout (negative: no limit). It returns how many
// entries the kernel took. A wait that times out is not an error.
func (r *Ring) Enter(wait bool, timeout time.Duration) (int, error) {
	toSubmit := r.sqLocal - atomic.LoadUint32(r.sqTail)
	atomic.StoreUint32(r.sqTail, r.sqLocal)
	var minComplete uint32
	flags := r.enterFlags | enterGetEvents
	var argp unsafe.Pointer
	var argSize uintptr
	if wait {
		minComplete = 1
		if timeout >= 0 {
			r.ts = unix.NsecToTimespec(int64(timeout))
			r.arg = getEventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
			flags |= enterExtArg
			argp, argSize = unsafe.Pointer(&r.arg), unsafe.Sizeof(r.arg)
		}
	}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.enterFD), uintptr(toSubmit),
		uintptr(minComplete), uintptr(flags), uintptr(argp), argSize)
	switch errno {
	case 0:
		return int(n), nil
	case unix.ETIME, unix.EINTR:
		return int(n), nil
	}
	return int(n), errno
}

// Completions calls f for each completion posted so far, in order, then
// frees their slots. f must not keep the pointer.
func (r *Ring) Completions(f func(*CQE)) int {
	head := *r.cqHead // only this side writes the head
	tail := atomic.LoadUint32(r.cqTail)
	for i := head; i != tail; i++ {
		f(&r.cqes[i&r.cqMask])
	}
	atomic.StoreUint32(r.cqHead, tail)
	return int(tail - head)
}

// Overflowed reports whether the kernel holds completions the CQ had no room
// for; the next Enter with a wait flushes them into the CQ.
func (r *Ring) Overflowed() bool {
	return atomic.LoadUint32(r.sqFlags)&sqCQOverflow != 0
}

// Close unmaps the rings and closes the descriptor. Call it on the thread
// that made the ring: a registered ring descriptor is that thread's, and
// would keep the ring, and every request in it, alive after the close.
func (r *Ring) Close() error {
	var errs []error
	if r.enterFlags&enterRegisteredRing != 0 {
		up := rsrcUpdate{offset: uint32(r.enterFD)}
		unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), unregisterRingFDs,
			uintptr(unsafe.Pointer(&up)), 1, 0, 0)
		r.enterFD, r.enterFlags = r.fd, 0
	}
	unmap := func(m []byte) {
		if m != nil {
			errs = append(errs, unix.Munmap(m))
		}
	}
	unmap(r.sqeMem)
	if len(r.cqMem) > 0 && len(r.sqMem) > 0 && &r.cqMem[0] != &r.sqMem[0] {
		unmap(r.cqMem) // a separate mapping only without FeatSingleMmap
	}
	unmap(r.sqMem)
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	errs = append(errs, unix.Close(r.fd))
	return errors.Join(errs...)
}
