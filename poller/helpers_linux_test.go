package poller_test

import (
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// backends are the backends the conformance suite runs on.
var backends = []poller.Backend{poller.Epoll, poller.IOUring}

// configs are the Poller set-ups the conformance suite runs on: each
// backend, and io_uring with every send zero-copy.
var configs = []struct {
	name string
	opts poller.Options
}{
	{"epoll", poller.Options{Loops: 1, Backend: poller.Epoll}},
	{"io_uring", poller.Options{Loops: 1, Backend: poller.IOUring}},
	{"io_uring-zc", poller.Options{Loops: 1, Backend: poller.IOUring, SendZCThreshold: 1}},
}

// forEachBackend runs f as a subtest on a one-loop Poller of each config,
// closing the Poller after it. io_uring is skipped only where Probe says the
// kernel lacks it, and not even then under RINGWIRE_REQUIRE_IOURING=1.
func forEachBackend(t *testing.T, f func(t *testing.T, p *poller.Poller)) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			requireBackend(t, c.opts.Backend)
			p, err := poller.New(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			f(t, p)
		})
	}
}

// requireBackend skips the test if b is io_uring and Probe says the kernel
// lacks it, unless RINGWIRE_REQUIRE_IOURING=1, which makes that a failure.
func requireBackend(t *testing.T, b poller.Backend) {
	t.Helper()
	if c := poller.Probe(); b == poller.IOUring && !c.IOUring {
		if os.Getenv("RINGWIRE_REQUIRE_IOURING") == "1" {
			t.Fatalf("RINGWIRE_REQUIRE_IOURING=1 but %s", c)
		}
		t.Skip(c.String())
	}
}

// on runs f on l and waits for it.
func on(t *testing.T, l *poller.Loop, f func()) {
	t.Helper()
	done := make(chan struct{})
	if err := l.PostFunc(func() { f(); close(done) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not run a posted task")
	}
}

// listen opens a non-blocking TCP listener on loopback and returns its fd
// and address.
func listen(t *testing.T) (int, *net.TCPAddr) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 4096); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	in4 := sa.(*unix.SockaddrInet4)
	return fd, &net.TCPAddr{IP: net.IP(in4.Addr[:]), Port: in4.Port}
}

// tcpPair returns both ends of a loopback TCP connection: the client as a
// net.TCPConn, closed when the test ends, and the server's end as a raw
// non-blocking descriptor, for a test to register.
func tcpPair(t *testing.T) (*net.TCPConn, int) {
	t.Helper()
	lfd, addr := listen(t)
	defer unix.Close(lfd)
	c, err := net.DialTCP("tcp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, acceptFD(t, lfd)
}

// nop is a Handler that ignores everything: embed it and override what a
// test needs.
type nop struct{}

func (nop) OnAccept(*poller.Handle, int, error)        {}
func (nop) OnRecv(*poller.Handle, poller.Chunk, error) {}
func (nop) OnSend(*poller.Handle, int, error)          {}
func (nop) OnConnect(*poller.Handle, error)            {}
func (nop) OnClose(*poller.Handle)                     {}

// events records what a Handler was told, for tests to wait on.
type events struct {
	mu       sync.Mutex
	accepted []int
	acceptEr []error
	recv     []byte
	recvErr  error
	sends    []sendDone
	connects []error
	closed   int
	changed  chan struct{}
}

type sendDone struct {
	n   int
	err error
}

func newEvents() *events { return &events{changed: make(chan struct{}, 1)} }

func (e *events) note(f func()) {
	e.mu.Lock()
	f()
	e.mu.Unlock()
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// wait polls cond under the lock until it holds, failing after 10 s.
func (e *events) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		ok := cond()
		e.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-e.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// recorder is a Handler that records everything; hooks run first on the loop.
type recorder struct {
	ev       *events
	onAccept func(h *poller.Handle, fd int)
	onRecv   func(h *poller.Handle, c poller.Chunk)
}

func (r *recorder) OnAccept(h *poller.Handle, fd int, err error) {
	if err == nil && r.onAccept != nil {
		r.onAccept(h, fd)
	}
	r.ev.note(func() {
		if err != nil {
			r.ev.acceptEr = append(r.ev.acceptEr, err)
			return
		}
		r.ev.accepted = append(r.ev.accepted, fd)
	})
}

func (r *recorder) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if err == nil && r.onRecv != nil {
		r.onRecv(h, c)
		return
	}
	r.ev.note(func() {
		r.ev.recv = append(r.ev.recv, c.Data...)
		if err != nil {
			r.ev.recvErr = err
		}
	})
	c.Release()
}

func (r *recorder) OnSend(h *poller.Handle, n int, err error) {
	r.ev.note(func() { r.ev.sends = append(r.ev.sends, sendDone{n, err}) })
}

func (r *recorder) OnConnect(h *poller.Handle, err error) {
	r.ev.note(func() { r.ev.connects = append(r.ev.connects, err) })
}

func (r *recorder) OnClose(h *poller.Handle) {
	r.ev.note(func() { r.ev.closed++ })
}

// echo is a Handler that writes back what it receives, keeping one send in
// flight and queueing the chunks that arrive meanwhile.
type echo struct {
	nop
	queue  []poller.Chunk
	flying []poller.Chunk
	closed chan struct{}
}

func newEcho() *echo { return &echo{closed: make(chan struct{})} }

func (e *echo) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if err != nil {
		h.Close()
		return
	}
	e.queue = append(e.queue, c)
	e.flush(h)
}

func (e *echo) flush(h *poller.Handle) {
	if len(e.flying) > 0 || len(e.queue) == 0 {
		return
	}
	e.flying, e.queue = e.queue, e.flying[:0]
	bufs := make([][]byte, len(e.flying))
	for i, c := range e.flying {
		bufs[i] = c.Data
	}
	if err := h.Send(bufs); err != nil {
		h.Close()
	}
}

func (e *echo) OnSend(h *poller.Handle, n int, err error) {
	for _, c := range e.flying {
		c.Release()
	}
	e.flying = e.flying[:0]
	if err != nil {
		h.Close()
		return
	}
	e.flush(h)
}

func (e *echo) OnClose(*poller.Handle) {
	for _, c := range e.queue {
		c.Release()
	}
	close(e.closed)
}
