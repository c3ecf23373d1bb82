// Package poller runs I/O event loops behind one completion-shaped API, with
// an epoll backend and (to come) an io_uring backend, so that the layers
// above cannot tell them apart.
//
// A Poller owns several Loops, each a goroutine locked to its OS thread. A
// user registers a file descriptor on a loop with a Handler and asks for
// operations on the returned Handle: a continuing accept, a continuing
// receive into chunks of memory the poller hands over (with pause and resume
// for backpressure), a send of a list of slices that completes once every
// byte is written, a non-blocking connect, shutdown and close. Every
// completion runs the Handler on the loop's goroutine; every operation
// completes exactly once, with ErrClosed if the Handle closed under it.
//
// Handle methods, Loop.AfterFunc and Loop.Register must be called on the
// loop's goroutine: from a Handler, a timer, or a task posted with
// Loop.Post, which any goroutine may call. A post wakes a sleeping loop with
// one eventfd write, and only when the loop is asleep or about to be.
//
// The epoll backend is level-triggered: one read per readiness event, as in
// the C floor of RESEARCH.md; edge triggering would need a read to EAGAIN,
// one more system call per message. EPOLLOUT is armed only while a send or
// connect waits for the socket.
//
// The poller imports no other ringwire package: a proxy or a database
// protocol server can embed it alone. Received chunks carry a release
// function, so that a buffer can link them without a copy.
//
// github.com/iceber/iouring-go is not used for io_uring: its root package
// does not link on Go 1.23 and later, and its channel-based completions cost
// 2.3x the server CPU per echoed message of an epoll loop (RESEARCH.md).
package poller
