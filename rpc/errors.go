package rpc

import (
	"errors"
	"fmt"
	"strconv"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Errors a call can return, for a caller to branch on:
//
//   - *TransportError: the connection failed (dial, write, read, peer
//     closed). Retryable reports whether the request surely did not reach
//     the server, so that sending it again cannot run it twice.
//   - ErrTimeout (within a *TransportError or on its own, see IsTimeout): the
//     call's deadline passed before its reply came.
//   - *thriftwire.ApplicationException: the server could not run the call
//     (unknown method, handler failed, bad request); its Type says which.
//   - a declared exception: the Go error type registered with Throws, as
//     the server's handler returned it (errors.As finds it).
//   - *StatusError: the handler answered with a business status (Kitex's
//     biz-status headers).
var (
	// ErrTimeout is a call whose deadline passed. errors.Is(err,
	// context.DeadlineExceeded) holds for it too.
	ErrTimeout error = timeoutError{}

	// ErrClientClosed is returned by calls on a closed Client.
	ErrClientClosed = errors.New("rpc: client closed")

	// ErrServerClosed is returned by Serve after Shutdown or Close.
	ErrServerClosed = errors.New("rpc: server closed")

	// ErrNoAddress is returned when the resolver gives no address.
	ErrNoAddress = errors.New("rpc: resolver gave no address")

	// ErrPoolFull is returned when the pool's global limit of connections
	// is reached.
	ErrPoolFull = errors.New("rpc: connection limit reached")

	// ErrSeqID is a reply whose sequence id or method name is not the
	// call's: the stream is out of step and the connection is dropped.
	ErrSeqID = errors.New("rpc: reply does not match the call")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "rpc: call timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// Is makes errors.Is(ErrTimeout, context.DeadlineExceeded) hold, as a
// caller checking its context's error expects.
func (timeoutError) Is(target error) bool {
	t, ok := target.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// A TransportError is a call that failed on its connection.
type TransportError struct {
	Op   string // "dial", "write", "read", "decode"
	Addr string // the peer's address
	Err  error

	// Retryable reports that the request was not written to the peer (the
	// dial failed, or the connection failed before the first byte was
	// sent): sending it again, on another connection, cannot run it twice.
	Retryable bool
}

func (e *TransportError) Error() string {
	return "rpc: " + e.Op + " " + e.Addr + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// A StatusError is a business status: a call that ran and answered with a
// code, a message and extra key-values instead of a result. A handler
// returns one to answer so; on the wire it travels in the TTHeader reply
// headers biz-status, biz-message and biz-extra, as Kitex's
// kerrors.BizStatusError does (other transports cannot carry it: the
// client then sees a reply with no result).
type StatusError struct {
	Code    int32
	Message string
	Extra   map[string]string
}

func (e *StatusError) Error() string {
	return "rpc: status " + strconv.Itoa(int(e.Code)) + ": " + e.Message
}

// IsTimeout reports whether err is a call that timed out.
func IsTimeout(err error) bool { return errors.Is(err, ErrTimeout) }

// appError makes the exception a server sends.
func appError(t tw.ExceptionType, format string, args ...any) *tw.ApplicationException {
	return &tw.ApplicationException{Type: t, Message: fmt.Sprintf(format, args...)}
}
