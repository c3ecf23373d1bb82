package sys

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func TestWritevReadv(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])

	bufs := [][]byte{[]byte("hello"), nil, []byte(", "), []byte("world")}
	iov, total := Iovecs(make([]unix.Iovec, 0, 8), bufs)
	if len(iov) != 3 || total != 12 {
		t.Fatalf("Iovecs: %d iovecs for %d bytes, want 3 for 12", len(iov), total)
	}
	if n, err := Writev(fds[0], iov); err != nil || n != 12 {
		t.Fatalf("Writev = %d, %v", n, err)
	}
	a, b := make([]byte, 4), make([]byte, 20)
	riov, _ := Iovecs(make([]unix.Iovec, 0, 2), [][]byte{a, b})
	n, err := Readv(fds[1], riov)
	if err != nil || n != 12 {
		t.Fatalf("Readv = %d, %v", n, err)
	}
	if got := append(a, b[:n-4]...); !bytes.Equal(got, []byte("hello, world")) {
		t.Fatalf("read %q", got)
	}
	// A capped array covers a prefix.
	if iov, total := Iovecs(make([]unix.Iovec, 0, 1), bufs); len(iov) != 1 || total != 5 {
		t.Fatalf("capped Iovecs: %d iovecs, %d bytes", len(iov), total)
	}
	if n, err := Writev(fds[0], nil); n != 0 || err != nil {
		t.Fatalf("empty Writev = %d, %v", n, err)
	}
	unix.SetNonblock(fds[1], true)
	if _, err := Readv(fds[1], riov); err != unix.EAGAIN {
		t.Fatalf("Readv on an empty non-blocking socket: %v, want EAGAIN", err)
	}
}
