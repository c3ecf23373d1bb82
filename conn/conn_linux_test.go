package conn_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// newPoller starts a one-loop poller of b, closed by the test's cleanup.
func newPoller(t *testing.T, b poller.Backend) *poller.Poller {
	t.Helper()
	requireBackend(t, b)
	p, err := poller.New(poller.Options{Loops: 1, Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// forEachBackend runs f for each backend with a poller for its clients.
func forEachBackend(t *testing.T, f func(t *testing.T, p *poller.Poller)) {
	for _, b := range []poller.Backend{poller.Epoll, poller.IOUring} {
		t.Run(b.String(), func(t *testing.T) { f(t, newPoller(t, b)) })
	}
}

// stdServer accepts one connection with the standard library and hands it
// to the test.
func stdServer(t *testing.T) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		l.Close()
		if err == nil {
			ch <- c
		}
		close(ch)
	}()
	t.Cleanup(func() {
		l.Close()
		if c, ok := <-ch; ok {
			c.Close()
		}
	})
	return l.Addr().String(), ch
}

func dial(t *testing.T, p *poller.Poller, addr string, o conn.Options) *conn.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := conn.Dial(ctx, "tcp", addr, &conn.DialOptions{Poller: p, Options: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDialReadWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{})
		peer := <-accepted
		if c.RemoteAddr().String() != addr || c.LocalAddr().String() != peer.RemoteAddr().String() {
			t.Errorf("addresses: local %v remote %v; peer sees %v, %v", c.LocalAddr(), c.RemoteAddr(), peer.RemoteAddr(), peer.LocalAddr())
		}
		// Writing: Malloc and Append, then one Flush.
		b, _ := c.Malloc(5)
		copy(b, "hello")
		c.Append([]byte(", world"), nil)
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 12)
		if _, err := io.ReadFull(peer, got); err != nil || string(got) != "hello, world" {
			t.Fatalf("peer read %q, %v", got, err)
		}
		// Reading: Next waits for all the bytes it asks for.
		go func() {
			peer.Write([]byte("abc"))
			time.Sleep(20 * time.Millisecond)
			peer.Write([]byte("defg"))
		}()
		p7, err := c.Next(7)
		if err != nil || string(p7) != "abcdefg" {
			t.Fatalf("Next(7) = %q, %v", p7, err)
		}
		c.Release()
		// EOF after the peer closes, once the bytes before it are read.
		peer.Write([]byte("xy"))
		peer.Close()
		if p, err := c.Next(2); err != nil || string(p) != "xy" {
			t.Fatalf("Next(2) before EOF = %q, %v", p, err)
		}
		if _, err := c.Next(1); err != io.EOF {
			t.Fatalf("Next after the peer closed: %v, want io.EOF", err)
		}
	})
}

func TestDialErrors(t *testing.T) {
	p := newPoller(t, poller.Epoll)
	// A port nobody listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, err := conn.Dial(context.Background(), "tcp", addr, &conn.DialOptions{Poller: p})
	var op *net.OpError
	if !errors.As(err, &op) || !errors.Is(err, os.ErrDeadlineExceeded) && op.Op != "dial" {
		t.Errorf("dial to a closed port: %v", err)
	}
	// A listener whose backlog is full never answers: ConnectTimeout ends
	// the wait.
	full := fullBacklog(t)
	timedOut := false
	for i := 0; i < 8 && !timedOut; i++ {
		start := time.Now()
		c, err := conn.Dial(context.Background(), "tcp", full, &conn.DialOptions{Poller: p, ConnectTimeout: 50 * time.Millisecond})
		if err == nil {
			defer c.Close()
			continue
		}
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
			t.Fatalf("dial to a full backlog: %v after %v", err, time.Since(start))
		}
		timedOut = true
	}
	if !timedOut {
		t.Error("8 connects to a listener with a backlog of 0 that never accepts all succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := conn.Dial(ctx, "tcp", addr, &conn.DialOptions{Poller: p}); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a cancelled ctx: %v", err)
	}
	if _, err := conn.Dial(context.Background(), "udp", addr, &conn.DialOptions{Poller: p}); err == nil {
		t.Error("dial udp: no error")
	}
}

func TestReadDeadline(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{})
		peer := <-accepted
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		_, err := c.Next(1)
		var ne net.Error
		if !errors.Is(err, conn.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("Next past the deadline: %v", err)
		}
		if conn.Fatal(err) {
			t.Error("a timeout is fatal")
		}
		// The connection stays usable; a deadline extended while a read
		// waits applies to that read.
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		go func() {
			time.Sleep(10 * time.Millisecond)
			c.SetReadDeadline(time.Now().Add(time.Hour))
			time.Sleep(60 * time.Millisecond)
			peer.Write([]byte("late"))
		}()
		if b, err := c.Next(4); err != nil || string(b) != "late" {
			t.Fatalf("Next after extending the deadline: %q, %v", b, err)
		}
		// A deadline in the past fails at once; zero clears it.
		c.SetReadDeadline(time.Unix(1, 0))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, conn.ErrTimeout) {
			t.Fatalf("Read with a past deadline: %v", err)
		}
		c.SetReadDeadline(time.Time{})
		peer.Write([]byte("z"))
		if b, err := c.Next(1); err != nil || string(b) != "z" {
			t.Fatalf("Next after clearing the deadline: %q, %v", b, err)
		}
	})
}

func TestWriteDeadlineAndWatermark(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		const high = 64 << 10
		c := dial(t, p, addr, conn.Options{WriteHighWater: high})
		peer := <-accepted // never reads until the end
		c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		chunk := make([]byte, 16<<10)
		var err error
		total := 0
		for i := 0; i < 10000 && err == nil; i++ {
			if _, err = c.Write(chunk); err == nil {
				total += len(chunk)
			}
		}
		if !errors.Is(err, conn.ErrTimeout) {
			t.Fatalf("Write to a peer that does not read, after %d bytes: %v", total, err)
		}
		// Draining the peer lets a later write through.
		go io.Copy(io.Discard, peer)
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(chunk); err != nil {
			t.Fatalf("Write once the peer reads: %v", err)
		}
	})
}

// TestDeadlineSetWhileParking sets a passed deadline between a read's (a
// flush's) reading of the deadline and its wait, where no waiter is there
// to wake yet: the call must still time out, not wait for ever.
func TestDeadlineSetWhileParking(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{WriteHighWater: 64 << 10})
		<-accepted // never writes, never reads
		watchdog := time.AfterFunc(10*time.Second, func() { c.Close() })
		defer watchdog.Stop()
		past := time.Now().Add(-time.Second)

		var once sync.Once
		conn.SetParkHook(func() { once.Do(func() { c.SetReadDeadline(past) }) })
		defer conn.SetParkHook(nil)
		if _, err := c.Peek(1); !errors.Is(err, conn.ErrTimeout) {
			t.Fatalf("Peek with the deadline set as it parked: %v, want ErrTimeout", err)
		}

		var wonce sync.Once
		conn.SetParkHook(func() { wonce.Do(func() { c.SetWriteDeadline(past) }) })
		chunk := make([]byte, 16<<10)
		var err error
		for i := 0; i < 100000 && err == nil; i++ {
			_, err = c.Write(chunk)
		}
		if !errors.Is(err, conn.ErrTimeout) {
			t.Fatalf("Write with the deadline set as it parked: %v, want ErrTimeout", err)
		}
	})
}

// fullBacklog listens with a backlog of 0 and never accepts.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	return fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
}

func TestWriteFailFast(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		const high = 64 << 10
		c := dial(t, p, addr, conn.Options{WriteHighWater: high, WriteFailFast: true})
		peer := <-accepted
		chunk := make([]byte, 16<<10)
		var err error
		for i := 0; i < 10000 && err == nil; i++ {
			_, err = c.Write(chunk)
			time.Sleep(time.Millisecond / 10)
		}
		if !errors.Is(err, conn.ErrWouldBlock) || conn.Fatal(err) {
			t.Fatalf("Write past the high watermark: %v", err)
		}
		go io.Copy(io.Discard, peer)
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := c.Flush() // the refused bytes are still unflushed
			if err == nil {
				break
			}
			if !errors.Is(err, conn.ErrWouldBlock) || time.Now().After(deadline) {
				t.Fatalf("Flush once the peer reads: %v", err)
			}
			time.Sleep(time.Millisecond)
		}
		if n := c.Unflushed(); n != 0 {
			t.Fatalf("Unflushed after a successful Flush: %d", n)
		}
	})
}

func TestClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{WriteHighWater: 16 << 10})
		peer := <-accepted
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() { // blocked in Next
			defer wg.Done()
			_, err := c.Next(10)
			errs <- err
		}()
		go func() { // blocked in Flush: the peer does not read
			defer wg.Done()
			chunk := make([]byte, 64<<10)
			var err error
			for err == nil {
				_, err = c.Write(chunk)
			}
			errs <- err
		}()
		time.Sleep(50 * time.Millisecond)
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, conn.ErrClosed) || !errors.Is(err, net.ErrClosed) || !conn.Fatal(err) {
				t.Errorf("call interrupted by Close: %v", err)
			}
		}
		if err := c.Close(); !errors.Is(err, conn.ErrClosed) {
			t.Errorf("second Close: %v", err)
		}
		for _, f := range []func() error{
			func() error { _, err := c.Next(1); return err },
			func() error { _, err := c.Peek(1); return err },
			func() error { return c.Skip(1) },
			func() error { _, err := c.Slice(1); return err },
			func() error { _, err := c.Malloc(1); return err },
			func() error { return c.Flush() },
			func() error { _, err := c.Write([]byte("x")); return err },
			func() error { return c.Append([]byte("x"), nil) },
			func() error { return c.Release() },
		} {
			if err := f(); !errors.Is(err, conn.ErrClosed) {
				t.Errorf("call after Close: %v", err)
			}
		}
		if c.Len() != 0 || c.Unflushed() != 0 {
			t.Errorf("Len %d, Unflushed %d after Close", c.Len(), c.Unflushed())
		}
		// The peer sees the connection end.
		peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, peer); err != nil && !errors.Is(err, net.ErrClosed) {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("the peer never saw the close: %v", err)
			}
		}
	})
}

func TestCloseConcurrent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{})
		<-accepted
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- c.Close() }()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, conn.ErrClosed) {
				t.Errorf("Close: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of 8 concurrent Closes succeeded, want 1", ok)
		}
	})
}

func TestAppendReleasedOnClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, _ := stdServer(t)
		c := dial(t, p, addr, conn.Options{})
		var released sync.WaitGroup
		released.Add(2)
		rel := func([]byte) { released.Done() }
		c.Append(make([]byte, 100), rel) // never flushed
		c.Close()
		if err := c.Append(make([]byte, 100), rel); !errors.Is(err, conn.ErrClosed) {
			t.Errorf("Append after Close: %v", err)
		}
		done := make(chan struct{})
		go func() { released.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("an appended slice was never released")
		}
	})
}

// A dialed connection gives its buffers back when idle, as a server's does.
func TestDialedIdleHoldsNoBuffers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		addr, accepted := stdServer(t)
		c := dial(t, p, addr, conn.Options{})
		peer := <-accepted
		for i := range 3 {
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 4)
			if _, err := io.ReadFull(peer, got); err != nil || string(got) != "ping" {
				t.Fatalf("peer read %q, %v", got, err)
			}
			peer.Write([]byte("pong"))
			if b, err := c.Next(4); err != nil || string(b) != "pong" {
				t.Fatalf("round %d: Next = %q, %v", i, b, err)
			}
			c.Release()
			for deadline := time.Now().Add(5 * time.Second); conn.HeldBuffers(c) != 0; {
				if time.Now().After(deadline) {
					t.Fatalf("round %d: idle dialed connection holds %d buffers", i, conn.HeldBuffers(c))
				}
				time.Sleep(time.Millisecond)
			}
		}
	})
}
