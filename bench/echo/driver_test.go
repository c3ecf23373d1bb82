package echo

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var (
	compare  = flag.Bool("echo.compare", false, "run TestCompare: every server on the cases -echo.case names")
	caseName = flag.String("echo.case", "1KiB x 50 conns", "with -echo.compare, run the cases whose name contains this (\"\" for all)")
	warm     = flag.Duration("echo.warmup", time.Second, "with -echo.compare, warm-up per run")
	measure  = flag.Duration("echo.duration", 3*time.Second, "with -echo.compare, measured time per run")
	servers  = flag.String("echo.servers", "", "with -echo.compare, the servers to run, comma-separated (default: every one in Servers)")
)

// testDriver is shared by the tests, so that each binary is built once.
var testDriver = NewDriver()

func TestMain(m *testing.M) {
	code := m.Run()
	if err := testDriver.Close(); err != nil {
		os.Stderr.WriteString("removing the echo binaries: " + err.Error() + "\n")
	}
	// After the driver's clean-up, which the leak check must not count.
	if err := goleak.Find(); code == 0 && err != nil {
		os.Stderr.WriteString("goleak: " + err.Error() + "\n")
		code = 1
	}
	os.Exit(code)
}

// tinyCases are what the test runs every server on: enough to see each one
// echo correctly in ping-pong and pipelined, and report its CPU time.
var tinyCases = []Case{
	{Size: 64, Conns: 4, Pipeline: 1, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond},
	{Size: 64, Conns: 4, Pipeline: 16, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond},
}

// TestServers runs every server once on each tiny case. It is the same with
// and without -short: CI runs it under -race, where it must stay fast (the
// race detector instruments this process only, not the binaries it runs). A
// server is skipped only when it cannot be built here; the io_uring ones
// fail, not skip, on a kernel without io_uring.
func TestServers(t *testing.T) {
	testDriver.Log = t.Logf
	defer func() { testDriver.Log = nil }()
	all := slices.Clone(Servers)
	for _, s := range ConnServers {
		if !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	for _, server := range all {
		t.Run(server, func(t *testing.T) {
			if _, err := testDriver.Build(server); err != nil {
				var be *BuildError
				if errors.As(err, &be) {
					t.Skipf("cannot be built here: %v", err)
				}
				t.Fatal(err)
			}
			for _, c := range tinyCases {
				res, err := testDriver.Run(c, server)
				if err != nil {
					t.Fatalf("%s: %v", c, err)
				}
				t.Logf("%s: %d msgs, %.0f msg/s, p50 %.1f us, p99 %.1f us, server %.2f us/msg (user %.2f, sys %.2f), syscalls/msg %.2f, pinned %v",
					c, res.Msgs, res.QPS, res.P50us, res.P99us, res.CPUus, res.UserUs, res.SysUs, res.SyscallsPerMsg, res.Pinned)
				// The client exits non-zero on a wrong echo, which Run
				// reports: replies counted means replies verified.
				if res.Msgs <= 0 || res.QPS <= 0 {
					t.Errorf("%s: no replies in the window: %+v", c, res)
				}
				if res.Msgs%int64(c.Pipeline) != 0 {
					t.Errorf("%s: %d replies, not whole rounds of %d", c, res.Msgs, c.Pipeline)
				}
				if res.WindowUserNs+res.WindowSysNs <= 0 || res.CPUus <= 0 {
					t.Errorf("%s: the server reported no CPU time in the window: %+v", c, res)
				}
				if res.P50us <= 0 || res.P99us < res.P50us {
					t.Errorf("%s: latency p50 %v us, p99 %v us", c, res.P50us, res.P99us)
				}
				ringwire := strings.HasPrefix(server, "ringwire-") || strings.HasPrefix(server, "conn-")
				if ringwire && res.SyscallsPerMsg <= 0 || !ringwire && res.SyscallsPerMsg != -1 {
					t.Errorf("%s: %v syscalls per message", c, res.SyscallsPerMsg)
				}
			}
		})
	}
}

// TestClientRejectsBadEcho runs the client against a server that echoes
// every frame with one payload byte changed, and one that echoes a shorter
// frame: the client must exit non-zero.
func TestClientRejectsBadEcho(t *testing.T) {
	bin, err := testDriver.Build("client")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mangle func(frame []byte) []byte
		want   string
	}{
		{"byte", func(f []byte) []byte { f[len(f)-1] ^= 1; return f }, "payload differs"},
		{"length", func(f []byte) []byte {
			f = f[:len(f)-1]
			binary.BigEndian.PutUint32(f, uint32(len(f)-4))
			return append(f, f[4:5]...) // keep the size, change the length field
		}, "length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := badServer(t, tc.mangle)
			cmd := exec.Command(bin, "-addr", addr, "-conns", "2", "-size", "64",
				"-warmup", "10ms", "-duration", "100ms")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("client: %v, want exit status 1; output:\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("client output does not say %q:\n%s", tc.want, out)
			}
		})
	}
}

// badServer serves a framed echo that passes every frame through mangle,
// until the test ends.
func badServer(t *testing.T, mangle func([]byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				var hdr [4]byte
				for {
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					f := make([]byte, 4+binary.BigEndian.Uint32(hdr[:]))
					copy(f, hdr[:])
					if _, err := io.ReadFull(c, f[4:]); err != nil {
						return
					}
					if _, err := c.Write(mangle(f)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestCases(t *testing.T) {
	cs := Cases(time.Second, 3*time.Second)
	if len(cs) != 7 {
		t.Fatalf("%d cases, want 7", len(cs))
	}
	if got, want := cs[2].String(), "1KiB x 50 conns"; got != want {
		t.Errorf("case 2 is %q, want %q", got, want)
	}
	if got, want := cs[6].String(), "64B x 50 conns x 16 pipelined"; got != want {
		t.Errorf("case 6 is %q, want %q", got, want)
	}
}

// TestCompare runs every server, once, on the cases -echo.case names and
// prints a table: a quick side-by-side, not a report (single runs are noisy).
// It runs only with -echo.compare:
//
//	go test ./echo -run TestCompare -echo.compare -v
func TestCompare(t *testing.T) {
	if !*compare {
		t.Skip("run with -echo.compare")
	}
	var cases []Case
	for _, c := range Cases(*warm, *measure) {
		if strings.Contains(c.String(), *caseName) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatalf("no case named like %q", *caseName)
	}
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "\n%s, %v warm-up + %v\n", c, c.Warmup, c.Duration)
		fmt.Fprintf(&b, "%-17s %9s %9s %9s %8s %8s %10s %9s %9s\n",
			"server", "us/msg", "user", "sys", "sc/msg", "x floor", "msg/s", "p50 us", "p99 us")
		floor := 0.0
		names := Servers
		if *servers != "" {
			names = strings.Split(*servers, ",")
		}
		for _, server := range names {
			res, err := testDriver.Run(c, server)
			if err != nil {
				t.Errorf("%s on %s: %v", server, c, err)
				fmt.Fprintf(&b, "%-17s failed: %v\n", server, err)
				continue
			}
			if server == "cfloor" {
				floor = res.CPUus
			}
			ratio := "-"
			if floor > 0 {
				ratio = fmt.Sprintf("%.2f", res.CPUus/floor)
			}
			sc := "-"
			if res.SyscallsPerMsg >= 0 {
				sc = fmt.Sprintf("%.2f", res.SyscallsPerMsg)
			}
			fmt.Fprintf(&b, "%-17s %9.2f %9.2f %9.2f %8s %8s %10.0f %9.1f %9.1f\n",
				server, res.CPUus, res.UserUs, res.SysUs, sc, ratio, res.QPS, res.P50us, res.P99us)
		}
	}
	t.Log(b.String())
}

var memory = flag.Bool("echo.memory", false, "run TestMemory: idle memory and slow readers on -echo.servers")

// TestMemory runs the memory modes, once, on -echo.servers (default: the
// conn servers and the peers): the idle resident memory per connection at
// 10,000 connections, and the resident memory under 1,000 slow readers for
// -echo.duration. It runs only with -echo.memory:
//
//	go test ./echo -run TestMemory -echo.memory -echo.servers conn-inline-epoll -v
func TestMemory(t *testing.T) {
	if !*memory {
		t.Skip("run with -echo.memory")
	}
	names := []string{"conn-inline-epoll", "conn-inline-iouring", "conn-request-epoll", "conn-request-iouring", "gnet", "netpoll", "gonet"}
	if *servers != "" {
		names = strings.Split(*servers, ",")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-22s %12s %14s\n", "server", "idle KB/conn", "slow RSS MB")
	for _, server := range names {
		idle, err := testDriver.Idle(server, 10000, 1<<10)
		if err != nil {
			t.Errorf("idle memory of %s: %v", server, err)
			continue
		}
		slow, err := testDriver.SlowRead(server, 1000, 1<<10, 40<<10, *measure)
		if err != nil {
			t.Errorf("slow readers on %s: %v", server, err)
			continue
		}
		mb := make([]string, len(slow.RSSKB))
		for i, kb := range slow.RSSKB {
			mb[i] = strconv.FormatInt(kb>>10, 10)
		}
		fmt.Fprintf(&b, "%-22s %12.2f %14s\n", server, idle.PerConnKB, strings.Join(mb, ","))
	}
	t.Log(b.String())
}
