package conn_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwire/ringwire/conn"
)

func TestEchoConcurrentPipelined(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		addr := serve(t, &conn.Server{Handler: framedEcho}, m)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dialStd(t, addr)
				// 16 frames written at once, of sizes that cross chunks.
				var batch, frames []byte
				for j := range 16 {
					p := pattern(100+j*997+i*13, byte(i+j))
					f := binary.BigEndian.AppendUint32(nil, uint32(len(p)))
					frames = append(append(frames, f...), p...)
				}
				batch = append(batch, frames...)
				for range 5 {
					if _, err := c.Write(batch); err != nil {
						t.Error(err)
						return
					}
					got := make([]byte, len(batch))
					if _, err := io.ReadFull(c, got); err != nil || string(got) != string(batch) {
						t.Errorf("pipelined echo: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
	})
}

func TestConnectDisconnectCallbacks(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		var connects, disconnects atomic.Int32
		reasons := make(chan error, 1)
		s := &conn.Server{
			Handler:      framedEcho,
			OnConnect:    func(c *conn.Conn) { connects.Add(1); c.SetContext("session") },
			OnDisconnect: func(c *conn.Conn, err error) { disconnects.Add(1); reasons <- err },
		}
		addr := serve(t, s, m)
		c := dialStd(t, addr)
		roundTrip(t, c, []byte("hi"))
		c.Close()
		select {
		case err := <-reasons:
			if !errors.Is(err, io.EOF) {
				t.Errorf("disconnect reason after the client closed: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no OnDisconnect")
		}
		if connects.Load() != 1 || disconnects.Load() != 1 {
			t.Errorf("connects %d disconnects %d", connects.Load(), disconnects.Load())
		}
	})
}

// TestPeerResetMidFrame: a client that resets the connection half-way
// through a frame ends only its own connection.
func TestPeerResetMidFrame(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		reasons := make(chan error, 1)
		s := &conn.Server{Handler: framedEcho, OnDisconnect: func(_ *conn.Conn, err error) { reasons <- err }}
		addr := serve(t, s, m)
		other := dialStd(t, addr)
		roundTrip(t, other, []byte("before"))
		c := dialStd(t, addr).(*net.TCPConn)
		c.Write([]byte{0, 0, 1, 0, 'p', 'a', 'r', 't'}) // 256 bytes announced, 4 sent
		time.Sleep(20 * time.Millisecond)
		c.SetLinger(0)
		c.Close() // RST
		select {
		case err := <-reasons:
			if !conn.Fatal(err) {
				t.Errorf("disconnect reason after a reset: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no OnDisconnect after a reset")
		}
		roundTrip(t, other, []byte("after"))
	})
}

// TestHalfClose: a client that shuts down its sending side still gets every
// reply, then the server closes.
func TestHalfClose(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		addr := serve(t, &conn.Server{Handler: framedEcho}, m)
		c := dialStd(t, addr).(*net.TCPConn)
		var want []byte
		for i := range 50 {
			p := pattern(3000, byte(i))
			want = binary.BigEndian.AppendUint32(want, uint32(len(p)))
			want = append(want, p...)
		}
		c.Write(want)
		c.CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != string(want) {
			t.Fatalf("after half-close: read %d of %d bytes, %v", len(got), len(want), err)
		}
	})
}

// slowClient sends a frame one byte per 100 ms, and reports how long until
// the server closed the connection.
func slowClient(t *testing.T, addr string) time.Duration {
	c := dialStd(t, addr)
	start := time.Now()
	frame := append([]byte{0, 0, 0, 200}, make([]byte, 200)...)
	go func() {
		for _, b := range frame {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the slow client got a reply of %d bytes", n)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server never closed the slow client")
	}
	return time.Since(start)
}

func TestSlowClientIdleTimeout(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		addr := serve(t, &conn.Server{Handler: framedEcho, IdleTimeout: 400 * time.Millisecond}, m)
		// A client that completes requests in time is not idle.
		fast := dialStd(t, addr)
		for range 6 {
			roundTrip(t, fast, []byte("ping"))
			time.Sleep(100 * time.Millisecond)
		}
		// Counted from the accept, a little before the client's clock starts.
		if d := slowClient(t, addr); d < 350*time.Millisecond || d > 5*time.Second {
			t.Errorf("the slow client was closed after %v, want 400-600 ms", d)
		}
		roundTrip(t, dialStd(t, addr), []byte("still served"))
	})
}

func TestSlowClientReadDeadline(t *testing.T) {
	for _, m := range modes {
		if m.inline {
			continue // inline reads never wait: idle timeout is their bound
		}
		t.Run(m.String(), func(t *testing.T) {
			requireBackend(t, m.backend)
			h := func(c *conn.Conn) error {
				// The whole request within 300 ms of its first byte.
				c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				return framedEcho(c)
			}
			addr := serve(t, &conn.Server{Handler: h}, m)
			if d := slowClient(t, addr); d > 5*time.Second {
				t.Errorf("the slow client was closed after %v", d)
			}
		})
	}
}

// TestBackpressure: a handler that stops reading makes the server stop
// receiving from that peer, and only that peer.
func TestBackpressure(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		const max = 256 << 10
		stall := make(chan struct{})
		var stalledConn atomic.Pointer[conn.Conn]
		h := func(c *conn.Conn) error {
			if c.Context() == "stall" {
				stalledConn.Store(c)
				if !m.inline {
					<-stall // a blocked handler reads nothing
				}
				return nil // inline: returns without reading
			}
			return framedEcho(c)
		}
		s := &conn.Server{Handler: h, Options: conn.Options{MaxBuffered: max}}
		var first atomic.Bool
		s.OnConnect = func(c *conn.Conn) {
			if first.CompareAndSwap(false, true) {
				c.SetContext("stall")
			}
		}
		addr := serve(t, s, m)
		defer close(stall)
		stalled := dialStd(t, addr)
		time.Sleep(20 * time.Millisecond)
		other := dialStd(t, addr)
		// The stalled peer can write MaxBuffered plus what the kernels
		// buffer, then its writes block.
		stalled.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		chunk := make([]byte, 64<<10)
		written := 0
		for written < 512<<20 {
			n, err := stalled.Write(chunk)
			written += n
			if err != nil {
				break
			}
		}
		if written >= 512<<20 {
			t.Fatal("512 MiB written to a server whose handler reads nothing")
		}
		if c := stalledConn.Load(); c == nil || c.Len() > max+64<<10 {
			t.Errorf("the stalled connection buffered %d bytes, MaxBuffered %d", c.Len(), max)
		}
		roundTrip(t, other, pattern(10000, 1))
	})
}

// A handler that has read bytes and not released them holds them: they
// count against MaxBuffered as unread ones do.
// errStop is what a test's handler returns to end its connection.
var errStop = errors.New("test handler stops")

func TestBackpressureCountsHeldBytes(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		if m.inline {
			t.Skip("an inline handler's reads are released when it returns")
		}
		const max, held = 256 << 10, 192 << 10
		stall := make(chan struct{})
		defer close(stall)
		holding := make(chan *conn.Conn, 1)
		h := func(c *conn.Conn) error {
			if _, err := c.Next(held); err != nil {
				return err
			}
			holding <- c
			<-stall // holds what Next returned, reads nothing more
			return errStop
		}
		addr := serve(t, &conn.Server{Handler: h, Options: conn.Options{MaxBuffered: max}}, m)
		peer := dialStd(t, addr)
		peer.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		chunk := make([]byte, 64<<10)
		for written := 0; written < 512<<20; {
			n, err := peer.Write(chunk)
			written += n
			if err != nil {
				break
			}
		}
		c := <-holding
		// Receiving stops once held plus unread pass MaxBuffered; one
		// receive's worth may come on top.
		if n := c.Len(); n > max-held+64<<10 {
			t.Errorf("%d bytes unread behind %d held, MaxBuffered %d", n, held, max)
		}
	})
}

func TestMaxConns(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		addr := serve(t, &conn.Server{Handler: framedEcho, MaxConns: 2}, m)
		a, b := dialStd(t, addr), dialStd(t, addr)
		roundTrip(t, a, []byte("a"))
		roundTrip(t, b, []byte("b"))
		refused := dialStd(t, addr)
		refused.Write([]byte{0, 0, 0, 1, 'x'})
		if n, err := refused.Read(make([]byte, 8)); err == nil {
			t.Fatalf("a connection past MaxConns got %d bytes", n)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("a connection past MaxConns was left hanging")
		}
		a.Close()
		// Once a slot frees, a new connection is served.
		deadline := time.Now().Add(10 * time.Second)
		for {
			c := dialStd(t, addr)
			c.SetDeadline(time.Now().Add(time.Second))
			frame := []byte{0, 0, 0, 1, 'y'}
			c.Write(frame)
			got := make([]byte, 5)
			if _, err := io.ReadFull(c, got); err == nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("no connection served after one closed")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestShutdownBusyHandlers(t *testing.T) {
	for _, m := range modes {
		if m.inline {
			continue
		}
		t.Run(m.String(), func(t *testing.T) {
			requireBackend(t, m.backend)
			started := make(chan struct{}, 1)
			h := func(c *conn.Conn) error {
				if p, err := c.Peek(8); err == nil && string(p[4:]) == "busy" && c.Context() == nil {
					c.SetContext(true)
					started <- struct{}{}
					time.Sleep(200 * time.Millisecond) // busy
				}
				return framedEcho(c)
			}
			s := &conn.Server{Handler: h, Loops: 1, Backend: m.backend}
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			served := make(chan error, 1)
			go func() { served <- s.Serve(l) }()
			addr := l.Addr().String()
			idle := dialStd(t, addr)
			roundTrip(t, idle, []byte("idle"))
			busy := dialStd(t, addr)
			busy.Write([]byte{0, 0, 0, 4, 'b', 'u', 's', 'y'})
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- s.Shutdown(ctx) }()
			// The idle connection closes at once; the busy one gets its reply.
			idle.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("idle connection during Shutdown: %v, want EOF", err)
			}
			got := make([]byte, 8)
			if _, err := io.ReadFull(busy, got); err != nil || string(got[4:]) != "busy" {
				t.Errorf("busy connection's reply during Shutdown: %q, %v", got, err)
			}
			if err := <-shut; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if err := <-served; !errors.Is(err, conn.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
			if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				t.Error("still accepting after Shutdown")
			}
		})
	}
}

func TestShutdownForce(t *testing.T) {
	requireBackend(t, modes[0].backend)
	block := make(chan struct{})
	defer close(block)
	h := func(c *conn.Conn) error {
		_, err := c.Next(1 << 20) // waits for bytes that never come
		return err
	}
	s := &conn.Server{Handler: h, Loops: 1}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	c := dialStd(t, l.Addr().String())
	c.Write([]byte("x"))
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown past its deadline: %v", err)
	}
	<-served
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("connection open after a forced Shutdown")
	}
	if err := s.Shutdown(context.Background()); !errors.Is(err, conn.ErrServerClosed) {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestServeUnix(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		path := t.TempDir() + "/s.sock"
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		local := make(chan net.Addr, 1)
		s := &conn.Server{Handler: framedEcho, Loops: 1, Backend: m.backend, Inline: m.inline,
			OnConnect: func(c *conn.Conn) { local <- c.LocalAddr() }}
		served := make(chan error, 1)
		go func() { served <- s.Serve(l) }()
		defer func() {
			s.Close()
			<-served
		}()
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		roundTrip(t, c, pattern(50000, 3))
		if a := <-local; a == nil || a.Network() != "unix" || a.String() != path {
			t.Errorf("server side's LocalAddr %v, want unix %s", a, path)
		}
	})
}

func TestReusePort(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		s := &conn.Server{Handler: framedEcho, Loops: 2, Backend: m.backend, Inline: m.inline, ReusePort: true}
		served := make(chan error, 1)
		go func() { served <- s.ListenAndServe("tcp", "127.0.0.1:0") }()
		defer func() {
			s.Close()
			<-served
		}()
		var addrs []net.Addr
		for deadline := time.Now().Add(5 * time.Second); len(addrs) < 2 && time.Now().Before(deadline); {
			addrs = s.Addrs()
			time.Sleep(time.Millisecond)
		}
		if len(addrs) != 2 || addrs[0].String() != addrs[1].String() {
			t.Fatalf("listeners: %v", addrs)
		}
		for i := range 10 {
			c := dialStd(t, addrs[0].String())
			roundTrip(t, c, pattern(100, byte(i)))
		}
	})
}

// TestSlowReader: a peer that sends requests but does not read the replies
// makes the server stop receiving from it once WriteHighWater bytes of
// replies are queued: what the server holds for it stays bounded.
func TestSlowReader(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		const high = 64 << 10
		var served atomic.Pointer[conn.Conn]
		s := &conn.Server{
			Handler:   framedEcho,
			OnConnect: func(c *conn.Conn) { served.Store(c) },
			Options:   conn.Options{WriteHighWater: high, MaxBuffered: high},
		}
		addr := serve(t, s, m)
		c := dialStd(t, addr)
		frame := append([]byte{0, 0, 16, 0}, make([]byte, 4096)...)
		written := 0
		for {
			c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
			n, err := c.Write(frame)
			written += n
			if err != nil {
				break
			}
			if written > 1<<30 {
				t.Fatal("1 GiB of requests taken from a peer that reads no reply")
			}
		}
		sc := served.Load()
		// Inline, the handler answers a whole received chunk (32 KiB at most)
		// before the pause can take effect.
		if p := sc.Pending(); p > high+32<<10+len(frame) {
			t.Errorf("%d bytes of replies queued, high watermark %d", p, high)
		}
		t.Logf("the peer wrote %d KiB before the server stopped receiving", written>>10)
		// Reading the replies lets the server go on.
		go io.Copy(io.Discard, c)
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		for range 100 {
			if _, err := c.Write(frame); err != nil {
				t.Fatalf("writing once the replies are read: %v", err)
			}
		}
	})
}

// An idle connection holds no buffer: its loop takes both back once it is
// drained, and gives new ones when traffic resumes, in the middle of a frame
// too.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		conns := make(chan *conn.Conn, 1)
		addr := serve(t, &conn.Server{Handler: framedEcho, OnConnect: func(c *conn.Conn) { conns <- c }}, m)
		peer := dialStd(t, addr)
		c := <-conns
		waitNoBuffers := func() {
			t.Helper()
			for deadline := time.Now().Add(5 * time.Second); conn.HeldBuffers(c) != 0; {
				if time.Now().After(deadline) {
					t.Fatalf("idle connection holds %d buffers", conn.HeldBuffers(c))
				}
				time.Sleep(time.Millisecond)
			}
		}
		for _, n := range []int{1, 1000, 100 << 10} {
			roundTrip(t, peer, pattern(n, byte(n)))
			waitNoBuffers()
		}
		// Half a frame waits in the receive buffer, which stays.
		frame := binary.BigEndian.AppendUint32(nil, 10)
		frame = append(frame, pattern(10, 7)...)
		if _, err := peer.Write(frame[:6]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if conn.HeldBuffers(c) == 0 {
			t.Error("a connection holding half a frame gave its receive buffer back")
		}
		if _, err := peer.Write(frame[6:]); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(frame))
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("echo across the pause: %v, %x", err, got)
		}
		waitNoBuffers()
	})
}

// OnConnect may hand the connection to another goroutine at once: what the
// server sets up after it (IdleTimeout's timer) must not race that
// goroutine's reads (found by review: the race detector saw RemoteAddr race
// the idle state's allocation).
func TestOnConnectPublishes(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		var wg sync.WaitGroup
		s := &conn.Server{Handler: framedEcho, IdleTimeout: time.Minute,
			OnConnect: func(c *conn.Conn) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if c.RemoteAddr() == nil || c.LocalAddr() == nil {
						t.Error("a connection without its addresses")
					}
				}()
			}}
		addr := serve(t, s, m)
		for range 20 {
			p := dialStd(t, addr)
			roundTrip(t, p, []byte("x"))
			p.Close()
		}
		wg.Wait()
	})
}

// TestShutdownHeldConnection: a handler that hands its request to another
// goroutine holds the connection; Shutdown waits for the reply that
// goroutine writes, then closes the connection.
func TestShutdownHeldConnection(t *testing.T) {
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) {
			requireBackend(t, m.backend)
			started := make(chan struct{}, 1)
			release := make(chan struct{})
			h := func(c *conn.Conn) error {
				p, err := c.Next(8)
				if err != nil {
					return short(err)
				}
				req := append([]byte(nil), p...)
				c.Hold()
				go func() {
					defer c.Unhold()
					started <- struct{}{}
					<-release
					c.Write(req)
				}()
				return nil
			}
			s := &conn.Server{Handler: h, Loops: 1, Backend: m.backend, Inline: m.inline}
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			served := make(chan error, 1)
			go func() { served <- s.Serve(l) }()
			held := dialStd(t, l.Addr().String())
			held.Write([]byte{0, 0, 0, 4, 'h', 'e', 'l', 'd'})
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- s.Shutdown(ctx) }()
			time.Sleep(50 * time.Millisecond)
			select {
			case err := <-shut:
				t.Fatalf("Shutdown returned %v with a held connection", err)
			default:
			}
			close(release)
			got := make([]byte, 8)
			if _, err := io.ReadFull(held, got); err != nil || string(got[4:]) != "held" {
				t.Errorf("held connection's reply during Shutdown: %q, %v", got, err)
			}
			if _, err := held.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("after the reply: %v, want EOF", err)
			}
			if err := <-shut; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			<-served
		})
	}
}

// TestUsable: a dialed connection stops being usable once the peer closes.
func TestUsable(t *testing.T) {
	c, l := dialLoopback(t)
	peer, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if !c.Usable() {
		t.Fatal("a fresh connection is not usable")
	}
	peer.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.Usable() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if c.Usable() {
		t.Fatal("still usable after the peer closed")
	}
}

// TestHandoff: a handler that hands the connection off runs its request
// while the connection's next one is served beside it; inline, and on a
// dialed connection, Handoff refuses.
func TestHandoff(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		release := make(chan struct{})
		refused := make(chan bool, 4)
		h := func(c *conn.Conn) error {
			p, err := c.Next(8)
			if err != nil {
				return short(err)
			}
			req := string(p)
			c.Hold()
			defer c.Unhold()
			if !c.Handoff() {
				refused <- true
				_, err := c.Write([]byte(req))
				return err
			}
			if req == "....slow" {
				<-release
			}
			_, err = c.Write([]byte(req))
			return err
		}
		addr := serve(t, &conn.Server{Handler: h}, m)
		nc := dialStd(t, addr)
		got := make([]byte, 8)
		if m.inline {
			nc.Write([]byte("....fast"))
			if _, err := io.ReadFull(nc, got); err != nil || string(got) != "....fast" {
				t.Fatalf("reply %q, %v", got, err)
			}
			if len(refused) != 1 {
				t.Error("Handoff accepted inline")
			}
			return
		}
		unblock := sync.OnceFunc(func() { close(release) })
		defer unblock()
		nc.Write([]byte("....slow"))
		time.Sleep(20 * time.Millisecond) // the slow request is being served
		nc.Write([]byte("....fast"))
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != "....fast" {
			t.Fatalf("first reply %q, %v: want the fast one, served beside the slow", got, err)
		}
		unblock()
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != "....slow" {
			t.Fatalf("second reply %q, %v", got, err)
		}
		if len(refused) != 0 {
			t.Error("Handoff refused in a handler on a worker")
		}
	})
	if c, _ := dialLoopback(t); c.Handoff() {
		t.Error("Handoff accepted on a dialed connection")
	}
}

// dialLoopback dials a loopback listener with conn.Dial; the test's cleanup
// closes both.
func dialLoopback(t *testing.T) (*conn.Conn, net.Listener) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	c, err := conn.Dial(context.Background(), "tcp", l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, l
}

// TestIdleTimeoutSparesHeld: a connection whose handler returned owing a
// reply (Hold) is not idle while the reply is being made.
func TestIdleTimeoutSparesHeld(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		h := func(c *conn.Conn) error {
			p, err := c.Next(8)
			if err != nil {
				return short(err)
			}
			req := append([]byte(nil), p...)
			c.Hold()
			go func() {
				defer c.Unhold()
				time.Sleep(400 * time.Millisecond) // four idle timeouts
				c.Write(req)                       // inline too: the loop sends it
			}()
			return nil
		}
		addr := serve(t, &conn.Server{Handler: h, IdleTimeout: 100 * time.Millisecond}, m)
		nc := dialStd(t, addr)
		nc.Write([]byte("....held"))
		got := make([]byte, 8)
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != "....held" {
			t.Fatalf("reply %q, %v: the connection closed while its reply was owed", got, err)
		}
	})
}

// TestHandoffThenError: an error a handler returns after Handoff closes the
// connection, as one returned before would.
func TestHandoffThenError(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		if m.inline {
			t.Skip("inline handlers cannot hand off")
		}
		h := func(c *conn.Conn) error {
			if _, err := c.Next(8); err != nil {
				return short(err)
			}
			if !c.Handoff() {
				return errors.New("Handoff refused")
			}
			return errors.New("the handed-off request failed")
		}
		addr := serve(t, &conn.Server{Handler: h}, m)
		nc := dialStd(t, addr)
		nc.Write([]byte("....fail"))
		if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read after the failed request: %d, %v; want EOF", n, err)
		}
	})
}
