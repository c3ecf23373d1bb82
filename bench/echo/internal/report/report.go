// Package report is what every Go echo server of the benchmark shares: the
// -addr flag, the frame header, and the signal loop that prints the server's
// resource usage as one JSON line.
//
// A server prints a line on SIGUSR1 (a snapshot, after which it goes on) and
// a last one when SIGTERM or SIGINT stops it:
//
//	{"server":"gonet","user_ns":123,"sys_ns":456,"syscalls":-1,"rss_kb":9000,"max_rss_kb":9100}
//
// user_ns and sys_ns are getrusage(RUSAGE_SELF), the whole process; syscalls
// is what the server counted itself, or -1 when it cannot count them; rss_kb
// is the resident memory now (/proc/self/statm), max_rss_kb its peak
// (getrusage's ru_maxrss).
package report

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// MaxFrame is the largest payload a server accepts; a longer length closes
// the connection.
const MaxFrame = 64 << 20

// HeaderLen is the size of a frame's big-endian length prefix.
const HeaderLen = 4

// FrameLen returns the length of the whole frame whose header starts p, and
// false when the length is out of range.
func FrameLen(p []byte) (int, bool) {
	n := binary.BigEndian.Uint32(p)
	if n > MaxFrame {
		return 0, false
	}
	return HeaderLen + int(n), true
}

// Addr parses the command line and returns -addr, which must be a loopback
// address: the servers listen on 127.0.0.1 only.
func Addr() string {
	addr := flag.String("addr", "127.0.0.1:9000", "`address` to listen on (127.0.0.1 only)")
	flag.Parse()
	if !strings.HasPrefix(*addr, "127.0.0.1:") {
		fmt.Fprintf(os.Stderr, "-addr %q: listen on 127.0.0.1 only\n", *addr)
		os.Exit(2)
	}
	return *addr
}

// Usage is the line a server prints.
type Usage struct {
	Server   string `json:"server"`
	UserNs   int64  `json:"user_ns"`
	SysNs    int64  `json:"sys_ns"`
	Syscalls int64  `json:"syscalls"`
	RSSKB    int64  `json:"rss_kb"`
	MaxRSSKB int64  `json:"max_rss_kb"`
}

// Self measures the process's CPU time now.
func Self(server string, syscalls int64) Usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "getrusage:", err)
	}
	return Usage{
		Server:   server,
		UserNs:   ru.Utime.Nano(),
		SysNs:    ru.Stime.Nano(),
		Syscalls: syscalls,
		RSSKB:    residentKB(),
		MaxRSSKB: ru.Maxrss, // kilobytes on Linux
	}
}

// residentKB reads the resident set size from /proc/self/statm, -1 if it
// cannot.
func residentKB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return pages * int64(os.Getpagesize()) / 1024
}

var stdout sync.Mutex

// Print writes u to standard output as one JSON line.
func (u Usage) Print() {
	b, _ := json.Marshal(u)
	b = append(b, '\n')
	stdout.Lock()
	defer stdout.Unlock()
	os.Stdout.Write(b)
}

// Fatal reports err on standard error and exits with status 1.
func Fatal(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

// Run blocks until SIGTERM or SIGINT, printing a snapshot on every SIGUSR1;
// then it calls stop, and prints the last line. syscalls, which may be nil,
// returns the server's own count of system calls (-1: unknown); it is
// called again after stop returns.
func Run(server string, syscalls func() int64, stop func()) {
	count := func() int64 {
		if syscalls == nil {
			return -1
		}
		return syscalls()
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	for s := range sig {
		if s == syscall.SIGUSR1 {
			// Count first: a count taken on the server's loop costs CPU
			// that belongs before the rusage reading, not after it.
			n := count()
			u := Self(server, n)
			u.Print()
			continue
		}
		break
	}
	signal.Stop(sig)
	if stop != nil {
		stop()
	}
	n := count()
	Self(server, n).Print()
}

// Listen opens a listening TCP socket on addr, which must be a 127.0.0.1
// address, and returns its descriptor, for the servers that run on raw
// descriptors (the poller makes it non-blocking when it registers it).
func Listen(addr string) (int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return -1, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return -1, err
	}
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return -1, &net.AddrError{Err: "not an IPv4 address", Addr: addr}
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	fail := func(call string, err error) (int, error) {
		syscall.Close(fd)
		return -1, os.NewSyscallError(call, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	sa := &syscall.SockaddrInet4{Port: port}
	copy(sa.Addr[:], ip)
	if err := syscall.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := syscall.Listen(fd, 4096); err != nil {
		return fail("listen", err)
	}
	return fd, nil
}
