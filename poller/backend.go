package poller

import (
	"net"
	"time"
)

// backend is what a loop needs from epoll or io_uring. Every method runs on
// the loop's goroutine but wake, which any goroutine calls.
type backend interface {
	// start runs first on the loop's goroutine: an io_uring ring is set up
	// there, on the OS thread it pins, the only one that may enter it.
	start() error
	// add prepares a newly registered Handle.
	add(h *Handle) error
	// arm brings the kernel's view in line with the operations h wants.
	arm(h *Handle) error
	// send writes h.snd.bufs as far as it can now; done once all is written.
	send(h *Handle) (done bool, err error)
	// connect starts a connect; done if it finished at once.
	connect(h *Handle, addr net.Addr) (done bool, err error)
	shutdown(h *Handle, how int) error
	// detach stops watching h and closes its descriptor. held reports that
	// the kernel may still read the memory of h's send (a zero-copy send
	// waiting for its notification): the backend then completes the send
	// and delivers OnClose itself, once the memory is free.
	detach(h *Handle) (held bool, err error)
	// wait blocks for events for at most timeout (-1: no limit; 0: poll)
	// and handles them.
	wait(timeout time.Duration) error
	wake() error
	close() error
}
