//go:build iouringgo

// Command iouring-go is the framed-echo server on
// github.com/iceber/iouring-go: one ring, one goroutine that takes every
// completion from one channel, a receive buffer per connection, and one send
// in flight per connection, replies queued behind it.
//
// The library's root package reaches syscall internals with go:linkname, so
// it links on Go 1.23 and later only with -ldflags=-checklinkname=0. The
// iouringgo build tag keeps it out of `go build ./...`; build it with
//
//	go build -tags iouringgo -ldflags=-checklinkname=0 ./echo/servers/iouring-go
package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/ringwire/ringwire/bench/echo/internal/lifo"

	"github.com/iceber/iouring-go"
	"github.com/ringwire/ringwire/bench/echo/internal/report"
)

const recvSize = 32 << 10 // a 16 KiB frame and its header in one receive

type conn struct {
	fd      int
	rbuf    []byte
	have    int    // unparsed bytes at the front of rbuf
	out     []byte // reply in flight
	sent    int    // bytes of out already sent
	next    []byte // replies queued behind it
	sending bool
	closed  bool
}

type server struct {
	ring    *iouring.IOURing
	results chan iouring.Result
	lfd     int
	free    lifo.Buffers // reply buffers
	conns   map[*conn]struct{}
}

func main() {
	addr := report.Addr()
	lfd, err := report.Listen(addr)
	if err != nil {
		report.Fatal("listen", err)
	}
	ring, err := iouring.New(1024)
	if err != nil {
		report.Fatal("iouring.New", err)
	}
	s := &server{
		ring:    ring,
		results: make(chan iouring.Result, 4096),
		lfd:     lfd,
		conns:   map[*conn]struct{}{},
	}
	if err := s.accept(); err != nil {
		report.Fatal("accept", err)
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case r := <-s.results:
				s.complete(r)
			case <-quit:
				return
			}
		}
	}()
	report.Run("iouring-go", nil, func() {
		close(quit)
		<-done
		ring.Close()
		syscall.Close(lfd)
		for c := range s.conns {
			syscall.Close(c.fd)
		}
	})
}

func (s *server) accept() error {
	_, err := s.ring.SubmitRequest(iouring.Accept(s.lfd), s.results)
	return err
}

func (s *server) recv(c *conn) {
	if _, err := s.ring.SubmitRequest(iouring.Recv(c.fd, c.rbuf[c.have:], 0).WithInfo(c), s.results); err != nil {
		s.close(c)
	}
}

// complete handles one completion.
func (s *server) complete(r iouring.Result) {
	switch r.Opcode() {
	case iouring.OpAccept:
		fd, err := r.ReturnInt()
		if rerr := s.accept(); rerr != nil {
			os.Stderr.WriteString("accept: " + rerr.Error() + "\n")
		}
		if err != nil {
			return
		}
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		c := &conn{fd: fd, rbuf: make([]byte, recvSize)}
		s.conns[c] = struct{}{}
		s.recv(c)
	case iouring.OpRecv:
		c := r.GetRequestInfo().(*conn)
		n, err := res(r)
		if c.closed {
			return
		}
		if err != nil || n <= 0 {
			s.close(c)
			return
		}
		c.have += n
		if !s.parse(c) {
			s.close(c)
			return
		}
		s.flush(c)
		s.recv(c)
	case iouring.OpSend:
		c := r.GetRequestInfo().(*conn)
		n, err := res(r)
		if c.closed {
			return
		}
		if err != nil {
			s.close(c)
			return
		}
		if c.sent += n; c.sent < len(c.out) { // a short send: send the rest
			s.send(c)
			return
		}
		c.sending = false
		s.free.Put(c.out)
		c.out = nil
		s.flush(c)
	}
}

// res is a receive's or a send's result: the library resolves no value for
// them, only the completion's raw res.
func res(r iouring.Result) (int, error) {
	req, ok := r.(iouring.Request)
	if !ok {
		return -1, errors.New("iouring-go: a result that is not a request")
	}
	n, err := req.GetRes()
	if err != nil {
		return -1, err
	}
	if n < 0 {
		return -1, syscall.Errno(-n)
	}
	return n, nil
}

// parse copies the complete frames at the front of c.rbuf into c.next and
// moves the rest to the front, growing rbuf for a frame longer than it.
func (s *server) parse(c *conn) bool {
	p := c.rbuf[:c.have]
	for len(p) >= report.HeaderLen {
		n, ok := report.FrameLen(p)
		if !ok {
			return false
		}
		if len(p) < n {
			if n > len(c.rbuf) {
				grown := make([]byte, n)
				copy(grown, p)
				c.rbuf, p = grown, grown[:len(p)]
			}
			break
		}
		if c.next == nil {
			c.next = s.free.Get()
		}
		c.next = append(c.next, p[:n]...)
		p = p[n:]
	}
	c.have = copy(c.rbuf, p)
	return true
}

func (s *server) flush(c *conn) {
	if c.sending || len(c.next) == 0 {
		return
	}
	c.out, c.next = c.next, nil
	c.sent = 0
	c.sending = true
	s.send(c)
}

func (s *server) send(c *conn) {
	if _, err := s.ring.SubmitRequest(iouring.Send(c.fd, c.out[c.sent:], 0).WithInfo(c), s.results); err != nil {
		s.close(c)
	}
}

// close closes the descriptor; completions still in flight find c closed.
// Their buffers stay referenced by the library's requests until then.
func (s *server) close(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	syscall.Close(c.fd)
	delete(s.conns, c)
}
