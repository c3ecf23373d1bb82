package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Iovecs fills dst, reusing its array, with one iovec per non-empty buffer,
// at most cap(dst) of them, and returns it with the number of bytes they
// cover. The iovecs point into bufs: keep bufs alive and unchanged until the
// system call that uses them has returned.
func Iovecs(dst []unix.Iovec, bufs [][]byte) ([]unix.Iovec, int) {
	dst = dst[:0]
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(dst) == cap(dst) {
			break
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		dst = append(dst, v)
		total += len(b)
	}
	return dst, total
}

// Writev writes the iovecs to fd with one writev(2) and returns the bytes
// written. An empty iov writes nothing.
func Writev(fd int, iov []unix.Iovec) (int, error) {
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Readv reads from fd into the iovecs with one readv(2).
func Readv(fd int, iov []unix.Iovec) (int, error) {
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall(unix.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// Accept4 accepts a connection on the listening socket fd without asking for
// the peer's address, which unix.Accept4 decodes into a new Sockaddr on every
// call.
func Accept4(fd, flags int) (int, error) {
	nfd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), 0, 0, uintptr(flags), 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(nfd), nil
}
