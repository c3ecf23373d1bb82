package conn_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/poller"
)

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

// mode is one way of serving: a backend and a handler model.
type mode struct {
	backend poller.Backend
	inline  bool
}

func (m mode) String() string {
	if m.inline {
		return m.backend.String() + "/inline"
	}
	return m.backend.String() + "/on-request"
}

var modes = []mode{
	{poller.Epoll, false}, {poller.Epoll, true},
	{poller.IOUring, false}, {poller.IOUring, true},
}

// forEachMode runs f as a subtest for each mode.
func forEachMode(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			requireBackend(t, m.backend)
			f(t, m)
		})
	}
}

// serve starts s on a loopback listener with one loop of m's backend and
// returns its address; the test's cleanup shuts it down and checks that
// Serve returned ErrServerClosed.
func serve(t *testing.T, s *conn.Server, m mode) string {
	t.Helper()
	s.Backend = m.backend
	s.Inline = s.Inline || m.inline
	if s.Loops == 0 {
		s.Loops = 1
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil && !errors.Is(err, conn.ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		select {
		case err := <-served:
			if !errors.Is(err, conn.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return l.Addr().String()
}

// framedEcho answers each 4-byte-length-prefixed frame with a copy of it,
// written from a separate buffer. It works in both models: inline, a frame
// not yet complete makes Peek or Next return buffer.ErrShort, and the
// handler returns to be called again.
func framedEcho(c *conn.Conn) error {
	for c.Len() > 0 {
		hdr, err := c.Peek(4)
		if err != nil {
			return short(err)
		}
		n := 4 + int(binary.BigEndian.Uint32(hdr))
		frame, err := c.Next(n)
		if err != nil {
			return short(err)
		}
		out, err := c.Malloc(n)
		if err != nil {
			return err
		}
		copy(out, frame)
		c.Release()
		if err := c.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func short(err error) error {
	if errors.Is(err, buffer.ErrShort) {
		return nil
	}
	return err
}

// dialStd connects with the standard library.
func dialStd(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// roundTrip writes one frame of payload and reads the echo.
func roundTrip(t *testing.T, c io.ReadWriter, payload []byte) {
	t.Helper()
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	frame = append(frame, payload...)
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(frame))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(frame) {
		t.Fatalf("echo of %d bytes differs", len(payload))
	}
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}
