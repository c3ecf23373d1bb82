package poller_test

import (
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// Poller.Close while connections keep arriving on a listener: every
// accepted descriptor must be delivered or closed, none leaked.
func TestCloseLeaksAcceptedFDs(t *testing.T) {
	for _, b := range backends {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			time.Sleep(100 * time.Millisecond) // let earlier fds go
			before := countFDs(t)
			p, err := poller.New(poller.Options{Loops: 1, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			lfd, addr := listen(t)
			l := p.Loops()[0]
			ev := newEvents()
			accepted := 0
			var peers []int
			on(t, l, func() {
				// Slots 0..N-1: Handles with a receive in flight, closed
				// before the listener at shutdown.
				for range 1000 {
					fds, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
					a, _ := l.Register(fds[0], &recorder{ev: ev})
					a.Recv()
					peers = append(peers, fds[1])
				}
				lh, _ := l.Register(lfd, &recorder{ev: ev, onAccept: func(h *poller.Handle, fd int) {
					accepted++
					unix.Close(fd)
				}})
				lh.Accept()
			})
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			var conns []net.Conn
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						c, err := net.DialTimeout("tcp", addr.String(), time.Second)
						if err != nil {
							continue
						}
						mu.Lock()
						conns = append(conns, c)
						mu.Unlock()
					}
				}()
			}
			time.Sleep(50 * time.Millisecond)
			if err := p.Close(); err != nil {
				t.Error(err)
			}
			close(stop)
			wg.Wait()
			for _, c := range conns {
				c.Close()
			}
			for _, fd := range peers {
				unix.Close(fd)
			}
			time.Sleep(50 * time.Millisecond)
			after := countFDs(t)
			t.Logf("dialed %d, accepted by the handler %d; fds before %d, after %d", len(conns), accepted, before, after)
			if after != before {
				ents, _ := os.ReadDir("/proc/self/fd")
				kinds := map[string]int{}
				for _, e := range ents {
					var fd int
					fmt.Sscan(e.Name(), &fd)
					sa, err := unix.Getsockname(fd)
					if in4, ok := sa.(*unix.SockaddrInet4); err == nil && ok && in4.Port == addr.Port {
						kinds["socket on the listener's port (accepted)"]++
					}
				}
				t.Errorf("%d descriptors leaked: %v", after-before, kinds)
			}
		})
	}
}
