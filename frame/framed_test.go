package frame_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/frame"
)

func framedBytes(payload string) []byte {
	return frame.AppendFramed(nil, []byte(payload))
}

func TestDecodeFramed(t *testing.T) {
	huge := binary.BigEndian.AppendUint32(nil, frame.DefaultMaxFrame+1)
	tests := []struct {
		name    string
		in      []byte
		lim     *frame.Limits
		payload string
		size    int
		need    int   // a *NeedError with this Need
		kind    error // an *Error of this Kind
		offset  int
	}{
		{name: "empty input", in: nil, need: 4},
		{name: "part of the length", in: []byte{0, 0}, need: 4},
		{name: "empty payload", in: framedBytes(""), payload: "", size: 4},
		{name: "payload", in: framedBytes("hello"), payload: "hello", size: 9},
		{name: "bytes after the frame", in: append(framedBytes("hi"), 9, 9, 9), payload: "hi", size: 6},
		{name: "part of the payload", in: framedBytes("hello")[:7], need: 9},
		{name: "above the default limit", in: huge, kind: frame.ErrTooLarge},
		{name: "above a set limit", in: framedBytes("hello"), lim: &frame.Limits{MaxFrame: 4}, kind: frame.ErrTooLarge},
		{name: "at a set limit", in: framedBytes("hello"), lim: &frame.Limits{MaxFrame: 5}, payload: "hello", size: 9},
		{name: "length 0xFFFFFFFF", in: []byte{0xff, 0xff, 0xff, 0xff}, kind: frame.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, size, err := frame.DecodeFramed(tt.in, tt.lim)
			var need *frame.NeedError
			var fe *frame.Error
			switch {
			case tt.need > 0:
				if !errors.As(err, &need) || need.Need != tt.need || !errors.Is(err, buffer.ErrShort) {
					t.Fatalf("err %v, want need %d", err, tt.need)
				}
			case tt.kind != nil:
				if !errors.As(err, &fe) || !errors.Is(err, tt.kind) || fe.Offset != tt.offset || fe.Format != "Framed" {
					t.Fatalf("err %v, want %v at offset %d", err, tt.kind, tt.offset)
				}
			case err != nil:
				t.Fatal(err)
			case string(payload) != tt.payload || size != tt.size:
				t.Fatalf("payload %q size %d, want %q %d", payload, size, tt.payload, tt.size)
			case cap(payload) != len(payload):
				t.Fatalf("payload's capacity reaches past the frame: %d > %d", cap(payload), len(payload))
			}
		})
	}
}

// Every prefix of a frame asks for more; none is an error or a panic.
func TestDecodeFramedTruncated(t *testing.T) {
	whole := framedBytes("a payload of some length")
	for i := range len(whole) {
		_, _, err := frame.DecodeFramed(whole[:i], nil)
		var need *frame.NeedError
		if !errors.As(err, &need) || need.Need <= i || need.Need > len(whole) {
			t.Fatalf("%d of %d bytes: %v", i, len(whole), err)
		}
	}
}

func TestStartFinishFramed(t *testing.T) {
	dst := []byte("before")
	dst, start := frame.StartFramed(dst)
	dst = append(dst, "payload"...)
	if err := frame.FinishFramed(dst, start); err != nil {
		t.Fatal(err)
	}
	if want := frame.AppendFramed([]byte("before"), []byte("payload")); !bytes.Equal(dst, want) {
		t.Fatalf("got %x, want %x", dst, want)
	}
	if err := frame.FinishFramed([]byte{1, 2}, 0); !errors.Is(err, frame.ErrMalformed) {
		t.Errorf("no room for a length field: %v", err)
	}
}

func TestReadFramedFromBuffer(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	b.Write(framedBytes("first"))
	b.Write(framedBytes("second")[:5]) // the length and one byte
	b.Flush()

	p, err := frame.NextFramed(&b, nil)
	if err != nil || string(p) != "first" {
		t.Fatalf("NextFramed = %q, %v", p, err)
	}
	// The second frame is not all there: nothing is consumed.
	if _, err := frame.NextFramed(&b, nil); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("short frame: %v", err)
	}
	if _, err := frame.ReadFramed(&b, nil); !errors.Is(err, buffer.ErrShort) || b.Len() != 5 {
		t.Fatalf("short frame: %v, %d bytes left", err, b.Len())
	}
	b.Write([]byte("econd"))
	b.Flush()
	r, err := frame.ReadFramed(&b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.(*buffer.Linked).Close()
	b.Release() // the payload outlives it
	if s, err := buffer.ReadString(r, r.Len()); err != nil || s != "second" {
		t.Fatalf("ReadFramed payload %q, %v", s, err)
	}

	b.Write(binary.BigEndian.AppendUint32(nil, 100))
	b.Flush()
	if _, err := frame.NextFramed(&b, &frame.Limits{MaxFrame: 99}); !errors.Is(err, frame.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestFramedWriter(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	var f frame.FramedWriter
	if err := f.Begin(&b); err != nil {
		t.Fatal(err)
	}
	b.Write([]byte("pay"))
	p, _ := b.Malloc(4)
	copy(p, "load")
	if err := f.End(); err != nil {
		t.Fatal(err)
	}
	b.Flush()
	got, _ := b.Next(b.Len())
	if want := framedBytes("payload"); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}

	if err := f.End(); !errors.Is(err, frame.ErrMalformed) {
		t.Errorf("End without Begin: %v", err)
	}
	f.Begin(&b)
	b.Write([]byte("0123456789"))
	b.Flush()
	b.Write([]byte("x"))
	if err := f.End(); !errors.Is(err, frame.ErrHeaderFlushed) {
		t.Errorf("a Flush between Begin and End: %v", err)
	}
}

// Decoding and encoding a frame allocate nothing.
func TestFramedAllocations(t *testing.T) {
	in := framedBytes("a payload")
	dst := make([]byte, 0, 64)
	var b buffer.Linked
	defer b.Close()
	var f frame.FramedWriter
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := frame.DecodeFramed(in, nil); err != nil {
			t.Fatal(err)
		}
		dst = frame.AppendFramed(dst[:0], in[4:])
		f.Begin(&b)
		b.Write(in[4:])
		f.End()
		b.Flush()
		if _, err := frame.NextFramed(&b, nil); err != nil {
			t.Fatal(err)
		}
		b.Release()
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per decode and encode, want 0", allocs)
	}
}

// FuzzDecodeFramed: no input panics; what decodes re-encodes to the same
// bytes, and a buffer gives the same answer as a byte slice.
func FuzzDecodeFramed(f *testing.F) {
	f.Add(framedBytes("hello"), 0)
	f.Add([]byte{0, 0, 0}, 0)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1}, 0)
	f.Add(append(framedBytes("abc"), 1, 2), 2)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		lim := &frame.Limits{MaxFrame: max % 1024}
		payload, size, err := frame.DecodeFramed(in, lim)
		var b buffer.Linked
		defer b.Close()
		b.Write(in)
		b.Flush()
		bp, berr := frame.NextFramed(&b, lim)
		if (err == nil) != (berr == nil) {
			t.Fatalf("[]byte: %v; buffer: %v", err, berr)
		}
		if err != nil {
			requireTyped(t, err)
			return
		}
		if !bytes.Equal(frame.AppendFramed(nil, payload), in[:size]) || !bytes.Equal(bp, payload) {
			t.Fatalf("%x: payload %x size %d, buffer %x", in, payload, size, bp)
		}
	})
}
