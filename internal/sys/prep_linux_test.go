package sys

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A multishot receive picks buffers from the ring, tells which in each
// completion, and goes on while buffers come back.
func TestRecvMultishotWithBufRing(t *testing.T) {
	r := newTestRing(t, 8)
	br, err := NewBufRing(r, 7, 4, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close(r)
	for bid := range uint16(4) {
		br.Push(bid)
	}
	br.Publish()

	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	PrepRecvMultishot(r.SQE(), fds[0], br.Group)

	var got []byte
	for i, msg := range []string{"first", "second", "third", "fourth", "fifth", "sixth"} {
		unix.Write(fds[1], []byte(msg))
		var cqe CQE
		for n := 0; n == 0; {
			if _, err := r.Enter(true, time.Second); err != nil {
				t.Fatal(err)
			}
			n = r.Completions(func(c *CQE) { cqe = *c })
		}
		if cqe.Res <= 0 || cqe.Flags&CQEFBuffer == 0 || cqe.Flags&CQEFMore == 0 {
			t.Fatalf("message %d: res %d flags %#x", i, cqe.Res, cqe.Flags)
		}
		bid := uint16(cqe.Flags >> CQEBufferShift)
		p := br.Buf(bid)[:cqe.Res]
		if id, ok := br.ID(p); !ok || id != bid {
			t.Fatalf("ID of buffer %d = %d, %v", bid, id, ok)
		}
		got = append(got, p...)
		br.Push(bid) // give it back at once: six messages through four buffers
		br.Publish()
	}
	if want := "firstsecondthirdfourthfifthsixth"; !bytes.Equal(got, []byte(want)) {
		t.Fatalf("received %q", got)
	}
	if _, ok := br.ID(make([]byte, 10)); ok {
		t.Fatal("a Go slice passed for a ring buffer")
	}
}

func TestRawSockaddr(t *testing.T) {
	var raw unix.RawSockaddrAny
	n, err := RawSockaddr(&raw, &unix.SockaddrInet4{Port: 0x1234, Addr: [4]byte{127, 0, 0, 1}})
	if err != nil || n != unix.SizeofSockaddrInet4 {
		t.Fatalf("%d, %v", n, err)
	}
	b := unsafePointer(&raw)
	if b[2] != 0x12 || b[3] != 0x34 || b[4] != 127 || b[7] != 1 {
		t.Fatalf("encoded % x", b[:8])
	}
}

func unsafePointer(raw *unix.RawSockaddrAny) *[16]byte {
	return (*[16]byte)(unsafe.Pointer(raw))
}
