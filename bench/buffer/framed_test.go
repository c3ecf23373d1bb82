package buffer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"

	"github.com/cloudwego/netpoll"
	"github.com/ringwire/ringwire/buffer"
)

var sizes = []int{64, 1 << 10, 16 << 10}

// framer is one implementation of the workload: write a frame, flush it, read
// it back, release it. read returns the payload so the benchmark can use it.
type framer interface {
	write(payload []byte)
	read() []byte
}

var impls = []struct {
	name string
	new  func() framer
}{
	{"ringwire", func() framer { return &ringwireFramer{} }},
	{"netpoll", func() framer { return &netpollFramer{b: netpoll.NewLinkBuffer()} }},
	{"bytes.Buffer", func() framer { return &bytesFramer{} }},
	{"bufio", newBufioFramer},
}

func BenchmarkFramedRead(b *testing.B) {
	for _, size := range sizes {
		payload := bytes.Repeat([]byte{0x5a}, size)
		for _, impl := range impls {
			b.Run(fmt.Sprintf("%s/%s", sizeName(size), impl.name), func(b *testing.B) {
				f := impl.new()
				b.SetBytes(int64(size + 4))
				b.ReportAllocs()
				for b.Loop() {
					f.write(payload)
					if p := f.read(); len(p) != size {
						b.Fatalf("read %d bytes, want %d", len(p), size)
					}
				}
			})
		}
	}
}

// TestFramersAgree checks that every implementation does the same work.
func TestFramersAgree(t *testing.T) {
	for _, size := range sizes {
		payload := make([]byte, size)
		for i := range payload {
			payload[i] = byte(i * 7)
		}
		for _, impl := range impls {
			f := impl.new()
			for range 3 {
				f.write(payload)
				if got := f.read(); !bytes.Equal(got, payload) {
					t.Fatalf("%s, %d B: payload differs", impl.name, size)
				}
			}
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// ringwireFramer and netpollFramer are the same code over two types, written
// out twice on purpose: through a shared interface every call would be an
// indirect one, which neither library's users pay.
type ringwireFramer struct{ b buffer.Linked }

func (f *ringwireFramer) write(payload []byte) {
	p, _ := f.b.Malloc(4 + len(payload))
	binary.BigEndian.PutUint32(p, uint32(len(payload)))
	copy(p[4:], payload)
	f.b.Flush()
}

func (f *ringwireFramer) read() []byte {
	hdr, _ := f.b.Next(4)
	p, _ := f.b.Next(int(binary.BigEndian.Uint32(hdr)))
	f.b.Release()
	return p // valid until the next Release: enough for the check
}

type netpollFramer struct{ b *netpoll.LinkBuffer }

func (f *netpollFramer) write(payload []byte) {
	p, _ := f.b.Malloc(4 + len(payload))
	binary.BigEndian.PutUint32(p, uint32(len(payload)))
	copy(p[4:], payload)
	f.b.Flush()
}

func (f *netpollFramer) read() []byte {
	hdr, _ := f.b.Next(4)
	p, _ := f.b.Next(int(binary.BigEndian.Uint32(hdr)))
	f.b.Release()
	return p
}

type bytesFramer struct{ b bytes.Buffer }

func (f *bytesFramer) write(payload []byte) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	f.b.Write(hdr[:])
	f.b.Write(payload)
}

func (f *bytesFramer) read() []byte {
	n := binary.BigEndian.Uint32(f.b.Next(4))
	return f.b.Next(int(n))
}

// bufioFramer is the standard library's buffered pair over an in-memory
// pipe: a bufio.Writer into a bytes.Buffer, a bufio.Reader out of it, the
// payload read into a reused slice.
type bufioFramer struct {
	w   *bufio.Writer
	r   *bufio.Reader
	out []byte
}

func newBufioFramer() framer {
	var pipe bytes.Buffer
	return &bufioFramer{w: bufio.NewWriter(&pipe), r: bufio.NewReader(&pipe)}
}

func (f *bufioFramer) write(payload []byte) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	f.w.Write(hdr[:])
	f.w.Write(payload)
	f.w.Flush()
}

func (f *bufioFramer) read() []byte {
	hdr, _ := f.r.Peek(4)
	n := int(binary.BigEndian.Uint32(hdr))
	f.r.Discard(4)
	if cap(f.out) < n {
		f.out = make([]byte, n)
	}
	io.ReadFull(f.r, f.out[:n])
	return f.out[:n]
}
