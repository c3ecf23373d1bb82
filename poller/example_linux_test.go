package poller_test

import (
	"fmt"
	"io"
	"net"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// upper replies to what it receives in upper case, on the loop.
type upper struct{ out []byte }

func (*upper) OnAccept(*poller.Handle, int, error) {}
func (u *upper) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	if err != nil {
		h.Close()
		return
	}
	u.out = u.out[:0]
	for _, b := range c.Data {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		u.out = append(u.out, b)
	}
	c.Release()
	h.Send([][]byte{u.out}) // one in flight: fine for one small request at a time
}
func (*upper) OnSend(*poller.Handle, int, error) {}
func (*upper) OnConnect(*poller.Handle, error)   {}
func (*upper) OnClose(*poller.Handle)            {}

// acceptor registers each accepted connection on the next loop.
type acceptor struct{ p *poller.Poller }

func (a acceptor) OnAccept(_ *poller.Handle, fd int, err error) {
	if err != nil {
		return
	}
	l := a.p.Next()
	l.PostFunc(func() { // Register runs on the chosen loop
		if h, err := l.Register(fd, &upper{}); err == nil {
			h.Recv()
		} else {
			unix.Close(fd)
		}
	})
}
func (acceptor) OnRecv(*poller.Handle, poller.Chunk, error) {}
func (acceptor) OnSend(*poller.Handle, int, error)          {}
func (acceptor) OnConnect(*poller.Handle, error)            {}
func (acceptor) OnClose(*poller.Handle)                     {}

// A server on the poller alone: accept on one loop, serve on every loop.
func Example() {
	p, err := poller.New(poller.Options{}) // Auto: io_uring where it works
	if err != nil {
		panic(err)
	}
	defer p.Close()

	fd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(fd, 128)
	sa, _ := unix.Getsockname(fd)
	port := sa.(*unix.SockaddrInet4).Port

	l := p.Loops()[0]
	l.PostFunc(func() {
		h, _ := l.Register(fd, acceptor{p})
		h.Accept()
	})

	c, _ := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	defer c.Close()
	c.Write([]byte("hello, poller"))
	reply := make([]byte, 13)
	io.ReadFull(c, reply)
	fmt.Printf("%s\n", reply)
	// Output: HELLO, POLLER
}
