package poller_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// On the loop, LocalStats reads the counters; Stats, which waits for the
// loop, is for other goroutines.
func TestStatsOnAndOffTheLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		l := p.Loops()[0]
		var local poller.Stats
		on(t, l, func() {
			// Registering makes a system call (the descriptor goes
			// non-blocking), so the counters cannot all be zero after it.
			fds, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			a, _ := l.Register(fds[0], nop{})
			b, _ := l.Register(fds[1], nop{})
			local = l.LocalStats()
			a.Close()
			b.Close()
		})
		if local.Syscalls == 0 {
			t.Fatalf("LocalStats on the loop: %+v", local)
		}
		if st := l.Stats(); st.Syscalls < local.Syscalls {
			t.Fatalf("Stats went backwards: %+v after %+v", st, local)
		}
	})
}

type stopper struct {
	nop
	mu      sync.Mutex
	stopped bool
	after   []int
}

func (r *stopper) OnAccept(h *poller.Handle, fd int, err error) {
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		r.after = append(r.after, fd)
	} else {
		r.stopped = true
		h.StopAccept()
	}
	unix.Close(fd)
}

// StopAccept from inside OnAccept: no accept is delivered after it.
func TestStopAcceptInsideOnAccept(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		lfd, addr := listen(t)
		var conns []net.Conn
		for range 20 {
			c, err := net.DialTCP("tcp", nil, addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		l := p.Loops()[0]
		r := &stopper{}
		var h *poller.Handle
		on(t, l, func() { h, _ = l.Register(lfd, r); h.Accept() })
		time.Sleep(200 * time.Millisecond)
		on(t, l, func() {})
		r.mu.Lock()
		if len(r.after) > 0 {
			t.Errorf("%d connections delivered to OnAccept after StopAccept", len(r.after))
		}
		r.mu.Unlock()
		on(t, l, func() { h.Close() })
	})
}
