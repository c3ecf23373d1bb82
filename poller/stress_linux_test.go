package poller_test

import (
	"fmt"
	"math/rand"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// strict checks the completion contract for one Handle.
type strict struct {
	nop
	mu        *sync.Mutex
	errs      *[]string
	rnd       *rand.Rand
	sends     int // Send calls that returned nil, minus OnSend calls
	recvEnded bool
	closed    int
	held      []poller.Chunk
}

func (s *strict) fail(f string, a ...any) {
	s.mu.Lock()
	*s.errs = append(*s.errs, fmt.Sprintf(f, a...))
	s.mu.Unlock()
}

func (s *strict) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if s.closed > 0 {
		s.fail("OnRecv after OnClose")
	}
	if s.recvEnded {
		s.fail("OnRecv(%v) after the receive ended", err)
	}
	if err != nil {
		s.recvEnded = true
		if len(c.Data) != 0 {
			s.fail("error with data")
		}
		return
	}
	switch s.rnd.Intn(20) {
	case 0:
		c.Release()
		h.Close()
		return
	case 1:
		h.PauseRecv()
		h.Loop().AfterFunc(time.Millisecond, func() { h.ResumeRecv() })
	}
	s.held = append(s.held, c)
	if s.sends == 0 {
		bufs := make([][]byte, len(s.held))
		for i, c := range s.held {
			bufs[i] = c.Data
		}
		if err := h.Send(bufs); err == nil {
			s.sends++
		}
	}
}
func (s *strict) OnSend(h *poller.Handle, n int, err error) {
	if s.closed > 0 {
		s.fail("OnSend after OnClose")
	}
	s.sends--
	if s.sends < 0 {
		s.fail("OnSend without a Send")
	}
	for _, c := range s.held {
		c.Release()
	}
	s.held = nil
	if err != nil || s.rnd.Intn(30) == 0 {
		h.Close()
	}
}
func (s *strict) OnClose(h *poller.Handle) {
	s.closed++
	if s.closed > 1 {
		s.fail("OnClose twice")
	}
	if s.sends != 0 {
		s.fail("OnClose with %d sends not completed", s.sends)
	}
	if !s.recvEnded {
		s.fail("OnClose before the receive completed")
	}
	for _, c := range s.held {
		c.Release()
	}
	s.held = nil
}

type stressAcceptor struct {
	nop
	l     *poller.Loop
	mu    sync.Mutex
	errs  []string
	rnd   *rand.Rand
	count int
	all   []*strict
}

func (a *stressAcceptor) OnAccept(h *poller.Handle, fd int, err error) {
	if err != nil {
		return
	}
	s := &strict{mu: &a.mu, errs: &a.errs, rnd: a.rnd}
	ch, err := a.l.Register(fd, s)
	if err != nil {
		unix.Close(fd)
		return
	}
	a.all = append(a.all, s)
	a.count++
	ch.Recv()
}

func TestExactlyOnceStress(t *testing.T) {
	for _, b := range backends {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			p, err := poller.New(poller.Options{Loops: 1, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			lfd, addr := listen(t)
			l := p.Loops()[0]
			a := &stressAcceptor{l: l, rnd: rand.New(rand.NewSource(time.Now().UnixNano()))}
			on(t, l, func() { h, _ := l.Register(lfd, a); h.Accept() })
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewSource(int64(g)))
					for {
						select {
						case <-stop:
							return
						default:
						}
						nc, err := net.DialTimeout("tcp", addr.String(), time.Second)
						if err != nil {
							continue
						}
						c := nc.(*net.TCPConn)
						c.SetDeadline(time.Now().Add(50 * time.Millisecond))
						for range r.Intn(10) {
							c.Write(make([]byte, r.Intn(200000)+1))
						}
						if r.Intn(2) == 0 {
							c.SetLinger(0) // reset
						}
						if r.Intn(4) != 0 {
							c.Close()
						} else {
							go func() { time.Sleep(200 * time.Millisecond); c.Close() }()
						}
					}
				}()
			}
			time.Sleep(1500 * time.Millisecond)
			p.Close() // with Handles open
			close(stop)
			wg.Wait()
			a.mu.Lock()
			defer a.mu.Unlock()
			for i, s := range a.all {
				if s.closed != 1 {
					a.errs = append(a.errs, fmt.Sprintf("handle %d: OnClose ran %d times", i, s.closed))
				}
			}
			t.Logf("%d connections", a.count)
			if len(a.errs) > 0 {
				if len(a.errs) > 10 {
					a.errs = a.errs[:10]
				}
				t.Errorf("contract violations: %q", a.errs)
			}
		})
	}
}
