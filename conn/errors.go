package conn

import (
	"errors"
	"net"
	"os"
)

// Errors returned by this package. Two kinds matter to a caller:
//
//   - connection-fatal: ErrClosed and every *ConnError. The connection is
//     gone; every later call on it returns the same error.
//   - this call only: ErrTimeout and ErrWouldBlock, and buffer.ErrShort from
//     the reads of an inline handler. The connection stays usable: extend the
//     deadline, wait, or read again when more data has come.
//
// Fatal tells them apart.
var (
	// ErrClosed is returned by calls on a connection after Close, and by
	// calls that Close interrupted. errors.Is(ErrClosed, net.ErrClosed) holds,
	// so code written for the standard library recognises it.
	ErrClosed error = closedError{}

	// ErrTimeout is returned by a read or a flush whose deadline passed. It is
	// a net.Error whose Timeout method reports true, and errors.Is(ErrTimeout,
	// os.ErrDeadlineExceeded) holds, as for the standard library's
	// connections.
	ErrTimeout error = timeoutError{}

	// ErrWouldBlock is returned by Flush, with WriteFailFast set, when more
	// than WriteHighWater bytes already wait to be sent: the bytes written
	// since the last Flush stay unflushed, and a later Flush may succeed.
	ErrWouldBlock = errors.New("conn: send queue above its high watermark")

	// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
	ErrServerClosed = errors.New("conn: server closed")

	// ErrInlineRead is returned by Read and by the deadline setters of a
	// connection served inline: they would block the loop.
	ErrInlineRead = errors.New("conn: blocking call on a connection served inline")
)

// A ConnError is a connection-fatal error: the peer reset the connection, a
// system call failed, or the server closed it (idle, shutdown). Every later
// call on the connection returns it.
type ConnError struct {
	Op  string // what the connection was doing: "read", "write", "connect", "idle", "shutdown"
	Err error  // the cause: a syscall.Errno, io.EOF for a read past the peer's close, ...
}

func (e *ConnError) Error() string { return "conn: " + e.Op + ": " + e.Err.Error() }
func (e *ConnError) Unwrap() error { return e.Err }

// Timeout reports whether the connection ended on a timeout (idle).
func (e *ConnError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// Fatal reports whether err ends the connection it came from, as opposed to
// failing one call only.
func Fatal(err error) bool {
	var ce *ConnError
	return errors.Is(err, ErrClosed) || errors.As(err, &ce)
}

type closedError struct{}

func (closedError) Error() string        { return "conn: use of closed connection" }
func (closedError) Is(target error) bool { return target == net.ErrClosed }

type timeoutError struct{}

func (timeoutError) Error() string        { return "conn: deadline exceeded" }
func (timeoutError) Timeout() bool        { return true }
func (timeoutError) Temporary() bool      { return true }
func (timeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

var _ net.Error = timeoutError{}

// errIdle is the cause of a ConnError for a connection closed by IdleTimeout.
var errIdle error = idleError{}

type idleError struct{}

func (idleError) Error() string { return "idle timeout" }
func (idleError) Timeout() bool { return true }
