// Package sys holds the Linux system calls ringwire makes that
// golang.org/x/sys/unix does not offer without allocating: readv and writev
// over an iovec array the caller owns and reuses, and accept4 without the
// peer address.
//
// A pointer handed to the kernel must be converted with unsafe.Pointer inside
// the system call's own expression, so that the object stays alive and in
// place for the call; that is the only use of unsafe here. Every other use in
// ringwire lives in internal/unsafex.
package sys
