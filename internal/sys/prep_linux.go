package sys

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Preparing an SQE is filling in the kernel's fields; the pointers it holds
// must stay alive and unchanged until the entry's completion, which the
// caller ensures by keeping the memory referenced.

// PrepAcceptMultishot accepts connections on fd until cancelled, each
// completion carrying a new descriptor with flags (SOCK_NONBLOCK, ...).
func PrepAcceptMultishot(sqe *SQE, fd int, flags uint32) {
	sqe.Opcode, sqe.Fd, sqe.Ioprio, sqe.OpFlags = OpAccept, int32(fd), AcceptMultishot, flags
}

// PrepRecvMultishot receives on fd until cancelled or an error, each
// completion into a buffer the kernel picks from buffer group bgid.
func PrepRecvMultishot(sqe *SQE, fd int, bgid uint16) {
	sqe.Opcode, sqe.Fd, sqe.Ioprio = OpRecv, int32(fd), RecvMultishot
	sqe.Flags |= SQEBufferSelect
	sqe.BufIndex = bgid
}

// PrepSend sends the n bytes at p.
func PrepSend(sqe *SQE, fd int, p *byte, n uint32, flags uint32) {
	sqe.Opcode, sqe.Fd, sqe.Len, sqe.OpFlags = OpSend, int32(fd), n, flags
	sqe.Addr = uint64(uintptr(unsafe.Pointer(p)))
}

// PrepSendmsg sends the iovecs msg points to.
func PrepSendmsg(sqe *SQE, fd int, msg *unix.Msghdr, flags uint32) {
	sqe.Opcode, sqe.Fd, sqe.Len, sqe.OpFlags = opSendmsg, int32(fd), 1, flags
	sqe.Addr = uint64(uintptr(unsafe.Pointer(msg)))
}

const opSendmsg = 9

// PrepConnect connects fd to the address sa points to, of len bytes.
func PrepConnect(sqe *SQE, fd int, sa *unix.RawSockaddrAny, len uint32) {
	sqe.Opcode, sqe.Fd = OpConnect, int32(fd)
	sqe.Addr, sqe.Off = uint64(uintptr(unsafe.Pointer(sa))), uint64(len)
}

// PrepCancelFD cancels every request in flight on fd.
func PrepCancelFD(sqe *SQE, fd int) {
	sqe.Opcode, sqe.Fd, sqe.OpFlags = OpAsyncCancel, int32(fd), AsyncCancelAll|AsyncCancelFD
}

// PrepRead reads into p from fd.
func PrepRead(sqe *SQE, fd int, p []byte) {
	sqe.Opcode, sqe.Fd, sqe.Len = OpRead, int32(fd), uint32(len(p))
	sqe.Addr = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p))))
	sqe.Off = ^uint64(0) // the file's position: eventfds and sockets have none
}

// RawSockaddr encodes sa as the kernel reads it, into dst, and returns its
// length.
func RawSockaddr(dst *unix.RawSockaddrAny, sa unix.Sockaddr) (uint32, error) {
	*dst = unix.RawSockaddrAny{}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		raw := (*unix.RawSockaddrInet4)(unsafe.Pointer(dst))
		raw.Family = unix.AF_INET
		putPort(&raw.Port, a.Port)
		raw.Addr = a.Addr
		return unix.SizeofSockaddrInet4, nil
	case *unix.SockaddrInet6:
		raw := (*unix.RawSockaddrInet6)(unsafe.Pointer(dst))
		raw.Family = unix.AF_INET6
		putPort(&raw.Port, a.Port)
		raw.Addr, raw.Scope_id = a.Addr, a.ZoneId
		return unix.SizeofSockaddrInet6, nil
	case *unix.SockaddrUnix:
		raw := (*unix.RawSockaddrUnix)(unsafe.Pointer(dst))
		if len(a.Name) >= len(raw.Path) {
			return 0, fmt.Errorf("unix socket path of %d bytes: too long", len(a.Name))
		}
		raw.Family = unix.AF_UNIX
		for i := range len(a.Name) {
			raw.Path[i] = int8(a.Name[i])
		}
		return uint32(2 + len(a.Name) + 1), nil
	}
	return 0, fmt.Errorf("cannot encode a %T", sa)
}

// putPort stores port in network byte order.
func putPort(dst *uint16, port int) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}

// BufRing is a provided buffer ring: entries buffers of size bytes that the
// kernel picks from for receives of buffer group Group, in memory mapped
// outside the Go heap, so the garbage collector never scans or pins it.
type BufRing struct {
	Group   uint16
	mem     []byte // the ring: entries × 16-byte io_uring_buf
	bufs    []byte // the buffers
	size    int
	mask    uint16
	tail    uint16
	entries int
}

// bufReg is struct io_uring_buf_reg.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// NewBufRing maps and registers a buffer ring of entries (a power of two)
// buffers of size bytes, all of them empty: Push them to hand them over.
func NewBufRing(r *Ring, group uint16, entries, size int) (*BufRing, error) {
	if entries <= 0 || entries > 1<<15 || entries&(entries-1) != 0 {
		return nil, fmt.Errorf("buffer ring of %d entries: want a power of two up to 32768", entries)
	}
	b := &BufRing{Group: group, size: size, mask: uint16(entries - 1), entries: entries}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE
	if b.mem, err = unix.Mmap(-1, 0, entries*16, prot, flags); err != nil {
		return nil, fmt.Errorf("mmap buffer ring: %w", err)
	}
	// The buffers are not populated: a page costs memory only once a
	// receive has used it, so buffers handed out most-recent-first keep the
	// resident set to the ones in use.
	if b.bufs, err = unix.Mmap(-1, 0, entries*size, prot, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err != nil {
		unix.Munmap(b.mem)
		return nil, fmt.Errorf("mmap buffers: %w", err)
	}
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&b.mem[0]))), ringEntries: uint32(entries), bgid: group}
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), RegisterPbufRing,
		uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	if errno != 0 {
		unix.Munmap(b.bufs)
		unix.Munmap(b.mem)
		return nil, fmt.Errorf("IORING_REGISTER_PBUF_RING: %w", errno)
	}
	return b, nil
}

// Entries is the number of buffers.
func (b *BufRing) Entries() int { return b.entries }

// Buf returns buffer bid, whole.
func (b *BufRing) Buf(bid uint16) []byte {
	off := int(bid) * b.size
	return b.bufs[off : off+b.size : off+b.size]
}

// ID returns the buffer that p starts, and false if p is not one of b's.
func (b *BufRing) ID(p []byte) (uint16, bool) {
	if cap(p) == 0 {
		return 0, false
	}
	off := uintptr(unsafe.Pointer(unsafe.SliceData(p))) - uintptr(unsafe.Pointer(&b.bufs[0]))
	if off >= uintptr(len(b.bufs)) || off%uintptr(b.size) != 0 {
		return 0, false
	}
	return uint16(off / uintptr(b.size)), true
}

// Push queues buffer bid for the kernel; Publish hands over what is queued.
func (b *BufRing) Push(bid uint16) {
	e := b.mem[int(b.tail&b.mask)*16:]
	buf := b.Buf(bid)
	*(*uint64)(unsafe.Pointer(&e[0])) = uint64(uintptr(unsafe.Pointer(&buf[0])))
	*(*uint32)(unsafe.Pointer(&e[8])) = uint32(b.size)
	*(*uint16)(unsafe.Pointer(&e[12])) = bid
	b.tail++
}

// Publish makes the pushed buffers visible to the kernel. The ring's tail is
// a 16-bit field at offset 14, sharing a 32-bit word with entry 0's buffer
// id; Go has no 16-bit atomic store, so this stores the word, with entry 0's
// id as it stands.
func (b *BufRing) Publish() {
	word := (*uint32)(unsafe.Pointer(&b.mem[12]))
	bid0 := uint32(*(*uint16)(unsafe.Pointer(&b.mem[12])))
	atomic.StoreUint32(word, bid0|uint32(b.tail)<<16)
}

// Close unregisters the ring and unmaps its memory. No buffer may be in use.
func (b *BufRing) Close(r *Ring) error {
	reg := bufReg{bgid: b.Group}
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), UnregisterPbufRing,
		uintptr(unsafe.Pointer(&reg)), 1, 0, 0)
	var err error
	if errno != 0 {
		err = errno
	}
	return errors.Join(err, unix.Munmap(b.bufs), unix.Munmap(b.mem))
}

// PrepCancel cancels the request submitted with user data ud.
func PrepCancel(sqe *SQE, ud uint64) {
	sqe.Opcode, sqe.Addr = OpAsyncCancel, ud
}
