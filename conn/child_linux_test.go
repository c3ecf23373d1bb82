package conn_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/poller"
	"golang.org/x/sys/unix"
)

// Running out of descriptors must not take the test runner down with the
// server: the server runs in a child process, the test binary re-run with
// RINGWIRE_CHILD naming its part.

// TestChild is the child process's entry point; it does nothing when run as
// a test.
func TestChild(t *testing.T) {
	switch os.Getenv("RINGWIRE_CHILD") {
	case "":
		t.Skip("runs only as a child process of another test")
	case "fd-limited-server":
		childFDLimitedServer(t)
	default:
		t.Fatalf("unknown child role %q", os.Getenv("RINGWIRE_CHILD"))
	}
}

// childFDLimitedServer serves framed echo with 64 descriptors at most, until
// its standard input closes.
func childFDLimitedServer(t *testing.T) {
	backend := poller.Epoll
	if os.Getenv("RINGWIRE_BACKEND") == poller.IOUring.String() {
		backend = poller.IOUring
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The limit comes before the first accept: io_uring reads it when an
	// accept is submitted, not when it completes (io_accept_prep, Linux
	// 6.18). The runtime makes its own descriptors (its epoll, for timers)
	// at the first sleep: before the limit too.
	time.Sleep(time.Millisecond)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 64, Max: 64}); err != nil {
		t.Fatal(err)
	}
	s := &conn.Server{Handler: framedEcho, Loops: 1, Backend: backend}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte("ready"))
	c.Close()
	fmt.Printf("ADDR %s\n", l.Addr())
	io.Copy(io.Discard, os.Stdin)
	json.NewEncoder(os.Stdout).Encode(s.Stats())
	s.Close()
	<-served
}

// TestAcceptSurvivesDescriptorExhaustion: a server out of descriptors keeps
// the connections it has, backs off accepting, and serves the waiting ones
// as descriptors free up.
func TestAcceptSurvivesDescriptorExhaustion(t *testing.T) {
	const conns = 150 // more than the child's 64 descriptors
	for _, b := range []poller.Backend{poller.Epoll, poller.IOUring} {
		t.Run(b.String(), func(t *testing.T) {
			requireBackend(t, b)
			cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
			cmd.Env = append(os.Environ(), "RINGWIRE_CHILD=fd-limited-server", "RINGWIRE_BACKEND="+b.String())
			cmd.Stderr = os.Stderr
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stdout)
			defer func() {
				stdin.Close()
				var st conn.ServerStats
				for sc.Scan() && json.Unmarshal(sc.Bytes(), &st) != nil {
				}
				if err := cmd.Wait(); err != nil {
					t.Errorf("child: %v", err)
				}
				if st.Accepted != conns+1 || st.AcceptErrors == 0 {
					t.Errorf("child: %+v; want %d accepted and some accept errors", st, conns+1)
				}
			}()
			var addr string
			for addr == "" && sc.Scan() {
				addr, _ = strings.CutPrefix(sc.Text(), "ADDR ")
			}
			if addr == "" {
				t.Fatal("the child never listened")
			}
			// Every client connects and sends a frame; the kernel completes
			// the handshakes into the backlog while the server cannot accept.
			open := make([]net.Conn, 0, conns)
			defer func() {
				for _, c := range open {
					c.Close()
				}
			}()
			for i := range conns {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				open = append(open, c)
				c.Write([]byte{0, 0, 0, 1, byte(i)})
			}
			// Each is answered in turn, as the ones before it close.
			for i, c := range open {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				var got [5]byte
				if _, err := io.ReadFull(c, got[:]); err != nil || got[4] != byte(i) {
					t.Fatalf("connection %d of %d: %v", i, conns, err)
				}
				c.Close()
			}
			open = open[:0]
		})
	}
}
