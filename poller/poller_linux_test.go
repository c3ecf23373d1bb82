package poller_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// serveEcho accepts on a new listener with one echo Handler per connection,
// and returns the listener's address.
func serveEcho(t *testing.T, p *poller.Poller) *net.TCPAddr {
	t.Helper()
	lfd, addr := listen(t)
	l := p.Next()
	acceptor := &recorder{ev: newEvents(), onAccept: func(_ *poller.Handle, fd int) {
		h, err := l.Register(fd, newEcho())
		if err != nil {
			t.Errorf("Register: %v", err)
			unix.Close(fd)
			return
		}
		h.Recv()
	}}
	on(t, l, func() {
		h, err := l.Register(lfd, acceptor)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Accept(); err != nil {
			t.Fatal(err)
		}
	})
	return addr
}

func TestEcho(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr := serveEcho(t, p)
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, size := range []int{1, 100, 64 << 10, 1 << 20, 4 << 20} {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = byte(i*31 + size)
			}
			errc := make(chan error, 1)
			go func() { _, err := c.Write(msg); errc <- err }()
			got := make([]byte, size)
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("%d B: %v", size, err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("%d B: echo differs", size)
			}
		}
		st := p.Loops()[0].Stats()
		if st.BytesIn == 0 || st.BytesIn != st.BytesOut || st.Syscalls == 0 || st.Completions == 0 {
			t.Fatalf("stats do not add up: %+v", st)
		}
	})
}

func TestManyConnections(t *testing.T) {
	const conns = 500
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr := serveEcho(t, p)
		var wg sync.WaitGroup
		errs := make(chan error, conns)
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", addr.String())
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				msg := []byte{byte(i), byte(i >> 8), 7}
				c.Write(msg)
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					errs <- errors.Join(err, errors.New("echo differs"))
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}

// A send larger than the socket buffers completes once, after short writes.
// A Unix socket pair with a small send buffer splits the send without TCP's
// window and delayed-ACK dynamics, which make a small TCP buffer slow.
func TestPartialWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		sfd := fds[1]
		defer unix.Close(sfd)
		unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 16<<10)
		tv := unix.Timeval{Sec: 10} // a send that never comes fails the test, not hangs it
		unix.SetsockoptTimeval(sfd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		l := p.Loops()[0]
		ev := newEvents()
		var h *poller.Handle
		on(t, l, func() {
			if h, err = l.Register(fds[0], &recorder{ev: ev}); err != nil {
				t.Fatal(err)
			}
		})

		payload := make([]byte, 4<<20)
		for i := range payload {
			payload[i] = byte(i / 1000)
		}
		bufs := [][]byte{payload[:1], payload[1 : 3<<20], payload[3<<20:]}
		on(t, l, func() {
			if err := h.Send(bufs); err != nil {
				t.Error(err)
			}
			if err := h.Send(bufs); !errors.Is(err, poller.ErrBusy) {
				t.Errorf("a second Send in flight: %v, want ErrBusy", err)
			}
		})
		got := make([]byte, 0, len(payload))
		buf := make([]byte, 16<<10)
		unix.SetNonblock(sfd, false)
		for len(got) < len(payload) {
			n, err := unix.Read(sfd, buf)
			if err != nil || n == 0 {
				t.Fatalf("read: %d, %v", n, err)
			}
			got = append(got, buf[:n]...)
		}
		if !bytes.Equal(got, payload) {
			t.Fatal("received bytes differ")
		}
		ev.wait(t, "send completion", func() bool { return len(ev.sends) == 1 })
		if s := ev.sends[0]; s.n != len(payload) || s.err != nil {
			t.Fatalf("OnSend(%d, %v), want (%d, nil)", s.n, s.err, len(payload))
		}
		// A 16 KiB send buffer cannot take 4 MiB in one writev. (io_uring
		// retries a short send inside the kernel, with MSG_WAITALL.)
		if st := l.Stats(); p.Backend() == poller.Epoll && st.Syscalls < 20 {
			t.Fatalf("only %d system calls for a 4 MiB send through a 16 KiB buffer", st.Syscalls)
		}
		on(t, l, func() { h.Close() })
	})
}

func TestPeerCloseAndReset(t *testing.T) {
	for _, reset := range []bool{false, true} {
		name := "close"
		if reset {
			name = "reset"
		}
		t.Run(name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, p *poller.Poller) {
				c, sfd := tcpPair(t)
				l := p.Loops()[0]
				ev := newEvents()
				on(t, l, func() {
					h, err := l.Register(sfd, &recorder{ev: ev})
					if err != nil {
						t.Fatal(err)
					}
					h.Recv()
				})
				c.Write([]byte("bye"))
				if reset {
					c.SetLinger(0) // close sends RST
				}
				c.Close()
				ev.wait(t, "end of receive", func() bool { return ev.recvErr != nil })
				if !reset && ev.recvErr != io.EOF {
					t.Fatalf("peer close: %v, want io.EOF", ev.recvErr)
				}
				if reset && ev.recvErr != io.EOF && !errors.Is(ev.recvErr, unix.ECONNRESET) {
					t.Fatalf("peer reset: %v, want ECONNRESET or io.EOF", ev.recvErr)
				}
				if !reset && string(ev.recv) != "bye" {
					t.Fatalf("received %q before the close", ev.recv)
				}
			})
		})
	}
}

// Closing a Handle completes each operation in flight once, with ErrClosed,
// then OnClose; later operations fail with ErrClosed.
func TestCloseWithOperationsInFlight(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		c, sfd := tcpPair(t) // never reads: the send stalls
		l := p.Loops()[0]
		ev := newEvents()
		var h *poller.Handle
		on(t, l, func() {
			h, _ = l.Register(sfd, &recorder{ev: ev})
			h.Recv()
			h.Send([][]byte{make([]byte, 32<<20)})
		})
		on(t, l, func() {
			if err := h.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := h.Close(); !errors.Is(err, poller.ErrClosed) {
				t.Errorf("second Close: %v", err)
			}
			for name, err := range map[string]error{
				"Recv": h.Recv(), "Send": h.Send([][]byte{{1}}), "Accept": h.Accept(),
				"Connect": h.Connect(c.RemoteAddr()), "PauseRecv": h.PauseRecv(),
			} {
				if !errors.Is(err, poller.ErrClosed) {
					t.Errorf("%s after Close: %v", name, err)
				}
			}
		})
		ev.wait(t, "OnClose", func() bool { return ev.closed == 1 })
		ev.mu.Lock()
		defer ev.mu.Unlock()
		if len(ev.sends) != 1 || !errors.Is(ev.sends[0].err, poller.ErrClosed) || ev.sends[0].n >= 32<<20 {
			t.Errorf("send completions: %+v", ev.sends)
		}
		if !errors.Is(ev.recvErr, poller.ErrClosed) {
			t.Errorf("receive ended with %v", ev.recvErr)
		}
	})
}

func TestPauseResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		c, sfd := tcpPair(t)
		l := p.Loops()[0]
		ev := newEvents()
		var h *poller.Handle
		on(t, l, func() {
			h, _ = l.Register(sfd, &recorder{ev: ev})
			h.Recv()
			h.PauseRecv()
		})
		c.Write([]byte("held"))
		// Let the loop go round: paused, nothing may arrive.
		for range 3 {
			on(t, l, func() {})
		}
		time.Sleep(20 * time.Millisecond)
		on(t, l, func() {})
		ev.mu.Lock()
		early := len(ev.recv)
		ev.mu.Unlock()
		if early != 0 {
			t.Fatalf("received %d bytes while paused", early)
		}
		on(t, l, func() { h.ResumeRecv() })
		ev.wait(t, "data after resume", func() bool { return string(ev.recv) == "held" })
		on(t, l, func() { h.Close() })
	})
}

func TestConnect(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		refused := ln.Addr().(*net.TCPAddr)
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Write([]byte("hi"))
				c.Close()
			}
		}()
		l := p.Loops()[0]
		ev := newEvents()
		on(t, l, func() {
			h, err := l.Register(dialFD(t), &recorder{ev: ev})
			if err != nil {
				t.Fatal(err)
			}
			h.Connect(refused)
			if err := h.Connect(refused); err != nil && !errors.Is(err, poller.ErrBusy) {
				t.Errorf("a second Connect: %v", err)
			}
			h.Recv()
		})
		ev.wait(t, "connect and data", func() bool { return string(ev.recv) == "hi" && ev.recvErr != nil })
		if len(ev.connects) < 1 || ev.connects[0] != nil {
			t.Fatalf("connects: %v", ev.connects)
		}
		ln.Close()

		// Now nothing listens there.
		ev2 := newEvents()
		on(t, l, func() {
			h, _ := l.Register(dialFD(t), &recorder{ev: ev2})
			h.Connect(refused)
		})
		ev2.wait(t, "refused connect", func() bool { return len(ev2.connects) == 1 })
		if !errors.Is(ev2.connects[0], unix.ECONNREFUSED) {
			t.Fatalf("connect to a closed port: %v, want ECONNREFUSED", ev2.connects[0])
		}
	})
}

// Posts from 100 goroutines all run, in order per goroutine, and the loop
// is woken far fewer times than it is posted to.
func TestConcurrentPosts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		l := p.Loops()[0]
		const goroutines, posts = 100, 200
		var (
			wg    sync.WaitGroup
			ran   int // loop-owned
			last  [goroutines]int
			order atomic.Bool
		)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 1; i <= posts; i++ {
					l.PostFunc(func() {
						ran++
						if last[g] != i-1 {
							order.Store(true)
						}
						last[g] = i
					})
				}
			}()
		}
		wg.Wait()
		var total int
		on(t, l, func() { total = ran })
		if total != goroutines*posts {
			t.Fatalf("%d of %d posts ran", total, goroutines*posts)
		}
		if order.Load() {
			t.Fatal("posts from one goroutine ran out of order")
		}
		if st := l.Stats(); st.Wakeups > goroutines*posts {
			t.Fatalf("%d wake-ups for %d posts", st.Wakeups, goroutines*posts)
		}
	})
}

func TestTimers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		l := p.Loops()[0]
		fired := make(chan string, 10)
		var stopped *poller.Timer
		on(t, l, func() {
			l.AfterFunc(30*time.Millisecond, func() { fired <- "30ms" })
			l.AfterFunc(10*time.Millisecond, func() { fired <- "10ms-a" })
			stopped = l.AfterFunc(20*time.Millisecond, func() { fired <- "stopped" })
			l.AfterFunc(10*time.Millisecond, func() { fired <- "10ms-b" })
			l.AfterFunc(0, func() { fired <- "now" })
		})
		on(t, l, func() {
			if !stopped.Stop() {
				t.Error("Stop of a pending timer returned false")
			}
			if stopped.Stop() {
				t.Error("second Stop returned true")
			}
		})
		var got []string
		for range 4 {
			select {
			case s := <-fired:
				got = append(got, s)
			case <-time.After(5 * time.Second):
				t.Fatalf("timers fired: %v", got)
			}
		}
		if want := "[now 10ms-a 10ms-b 30ms]"; fmtList(got) != want {
			t.Fatalf("timers fired in order %v, want %s", got, want)
		}
	})
}

func fmtList(s []string) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	b.WriteByte(']')
	return b.String()
}

// dialFD returns a fresh non-blocking TCP socket.
func dialFD(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// acceptFD waits for and accepts one connection on a non-blocking listener.
func acceptFD(t *testing.T, lfd int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		fd, _, err := unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == nil {
			return fd
		}
		if err != unix.EAGAIN {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no connection to accept")
	return -1
}

// holder keeps every chunk it receives until the data stops for 300 ms,
// then releases them all. The sender sends more than the io_uring loop's
// buffers hold (1024 of 32 KiB), so its receive runs out of buffers, the
// data stops, and the receive must resume once the buffers return.
type holder struct {
	nop
	held []poller.Chunk
	got  int
	idle *poller.Timer
	done chan struct{}
	want int
}

func (r *holder) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if err != nil {
		return
	}
	r.held = append(r.held, c)
	r.got += len(c.Data)
	if r.idle != nil {
		r.idle.Stop()
	}
	r.idle = h.Loop().AfterFunc(300*time.Millisecond, func() {
		for _, c := range r.held {
			c.Release()
		}
		r.held = r.held[:0]
	})
	if r.got == r.want {
		for _, c := range r.held {
			c.Release()
		}
		r.held = nil
		r.idle.Stop()
		close(r.done)
	}
}

func TestBufferExhaustionRecovers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		c, sfd := tcpPair(t)
		const total = 48 << 20 // more than the loop's buffers hold at once
		r := &holder{done: make(chan struct{}), want: total}
		l := p.Loops()[0]
		var h *poller.Handle
		on(t, l, func() {
			h, _ = l.Register(sfd, r)
			h.Recv()
		})
		go c.Write(make([]byte, total))
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			var got int
			on(t, l, func() { got = r.got })
			t.Fatalf("received %d of %d bytes", got, total)
		}
		st := l.Stats()
		if p.Backend() == poller.IOUring && st.BufferWaits == 0 {
			t.Fatal("the receive never ran out of buffers: the test proves nothing")
		}
		on(t, l, func() { h.Close() })
	})
}
