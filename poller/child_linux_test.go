package poller_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// Some cases need a second process: 10,000 client connections do not fit in
// one process's descriptor limit beside the server's, and running out of
// descriptors must not take the test runner down with the server. The test
// binary re-runs itself with RINGWIRE_CHILD naming the part to play.

func child(t *testing.T, role string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(), append([]string{"RINGWIRE_CHILD=" + role}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestChild is the child process's entry point; it does nothing when run
// as a test.
func TestChild(t *testing.T) {
	switch os.Getenv("RINGWIRE_CHILD") {
	case "":
		t.Skip("runs only as a child process of another test")
	case "clients":
		childClients(t)
	case "fd-limited-server":
		childFDLimitedServer(t)
	default:
		t.Fatalf("unknown child role %q", os.Getenv("RINGWIRE_CHILD"))
	}
}

// childClients opens RINGWIRE_CONNS connections to RINGWIRE_ADDR, sends one
// byte on each, reads the echo on each, and closes them all.
func childClients(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RINGWIRE_CONNS"))
	raiseNoFile()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := net.Dial("tcp", os.Getenv("RINGWIRE_ADDR"))
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		c.Write([]byte{byte(i)})
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var b [1]byte
		if _, err := io.ReadFull(c, b[:]); err != nil || b[0] != byte(i) {
			t.Fatalf("connection %d: echo %v, %v", i, b[0], err)
		}
	}
}

func raiseNoFile() {
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	unix.Setrlimit(unix.RLIMIT_NOFILE, &rl)
}

func TestTenThousandConnectionsOnOneLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 connections: not in -short")
	}
	const conns = 10000
	raiseNoFile()
	forEachBackend(t, func(t *testing.T, p *poller.Poller) {
		var open atomic.Int64
		l := p.Loops()[0]
		lfd, addr := listen(t)
		acceptor := &recorder{ev: newEvents(), onAccept: func(_ *poller.Handle, fd int) {
			h, err := l.Register(fd, newEcho())
			if err != nil {
				unix.Close(fd)
				return
			}
			open.Add(1)
			h.Recv()
		}}
		on(t, l, func() {
			h, _ := l.Register(lfd, acceptor)
			h.Accept()
		})
		cmd := child(t, "clients", "RINGWIRE_ADDR="+addr.String(), fmt.Sprintf("RINGWIRE_CONNS=%d", conns))
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("clients: %v\n%s", err, out)
		}
		if got := open.Load(); got != conns {
			t.Fatalf("%d connections accepted, want %d", got, conns)
		}
	})
}

// childFDLimitedServer serves with RLIMIT_NOFILE lowered to 64 and reports,
// as JSON on stdout, how many connections it accepted and how many accepts
// failed for want of descriptors, once it has accepted RINGWIRE_CONNS.
func childFDLimitedServer(t *testing.T) {
	want, _ := strconv.Atoi(os.Getenv("RINGWIRE_CONNS"))
	backend := poller.Epoll
	if os.Getenv("RINGWIRE_BACKEND") == poller.IOUring.String() {
		backend = poller.IOUring
	}
	// Set up first: the poller's own descriptors come before the limit.
	p, err := poller.New(poller.Options{Loops: 1, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	lfd, addr := listen(t)
	// The runtime sets up its own epoll at the first timer; at the limit it
	// could not, and would die. A first sleep makes it do so now.
	time.Sleep(time.Millisecond)
	rl := unix.Rlimit{Cur: 64, Max: 64}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	var accepted, exhausted atomic.Int64
	done := make(chan struct{})
	l := p.Loops()[0]
	acceptor := &acceptCounter{l: l, accepted: &accepted, exhausted: &exhausted, want: int64(want), done: done}
	on(t, l, func() {
		h, _ := l.Register(lfd, acceptor)
		h.Accept()
	})
	fmt.Printf("ADDR %s\n", addr)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	json.NewEncoder(os.Stdout).Encode(map[string]int64{"accepted": accepted.Load(), "exhausted": exhausted.Load()})
}

// acceptCounter registers each accepted connection to close it when the
// peer does, and counts accepts and descriptor exhaustion.
type acceptCounter struct {
	nop
	l                   *poller.Loop
	accepted, exhausted *atomic.Int64
	want                int64
	done                chan struct{}
}

func (a *acceptCounter) OnAccept(h *poller.Handle, fd int, err error) {
	if err != nil {
		if err == unix.EMFILE || err == unix.ENFILE {
			a.exhausted.Add(1)
		}
		return
	}
	c, err := a.l.Register(fd, closeOnEOF{})
	if err != nil {
		unix.Close(fd)
		return
	}
	c.Recv()
	if a.accepted.Add(1) == a.want {
		close(a.done)
	}
}

type closeOnEOF struct{ nop }

func (closeOnEOF) OnRecv(h *poller.Handle, c poller.Chunk, err error) {
	c.Release()
	if err != nil {
		h.Close()
	}
}

// Running out of descriptors pauses accepting with a backoff instead of
// stopping the loop: once the client closes connections, the server accepts
// the rest.
func TestAcceptSurvivesDescriptorExhaustion(t *testing.T) {
	const conns = 150 // more than the child's 64 descriptors
	for _, b := range backends {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			cmd := child(t, "fd-limited-server", fmt.Sprintf("RINGWIRE_CONNS=%d", conns), "RINGWIRE_BACKEND="+b.String())
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			out := &lineReader{r: stdout}
			var addr string
			for addr == "" {
				line, err := out.next()
				if err != nil {
					t.Fatalf("child: %v", err)
				}
				if a, ok := strings.CutPrefix(line, "ADDR "); ok {
					addr = a
				}
			}
			// Connect them all; the kernel completes the handshakes into the
			// backlog whether or not the server can accept.
			var open []net.Conn
			for range conns {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				open = append(open, c)
			}
			// Close them over time, oldest first, freeing the server's
			// descriptors as its accepts back off.
			for _, c := range open {
				c.Close()
				time.Sleep(time.Millisecond)
			}
			var result struct{ Accepted, Exhausted int64 }
			for {
				line, err := out.next()
				if err != nil {
					t.Fatalf("child ended without a result: %v", err)
				}
				if json.Unmarshal([]byte(line), &result) == nil && strings.HasPrefix(line, "{") {
					break
				}
			}
			if result.Accepted != conns || result.Exhausted == 0 {
				t.Fatalf("accepted %d of %d, %d accepts out of descriptors", result.Accepted, conns, result.Exhausted)
			}
		})
	}
}

type lineReader struct {
	r   io.Reader
	buf []byte
}

func (l *lineReader) next() (string, error) {
	for {
		if i := bytes.IndexByte(l.buf, '\n'); i >= 0 {
			line := string(l.buf[:i])
			l.buf = l.buf[i+1:]
			return line, nil
		}
		var b [512]byte
		n, err := l.r.Read(b[:])
		l.buf = append(l.buf, b[:n]...)
		if err != nil {
			return "", err
		}
	}
}
