package buffer_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ringwire/ringwire/buffer"
)

// FuzzLinked applies a random sequence of operations to a Linked and to a
// model made of a bytes.Buffer (the flushed bytes) and a slice (the unflushed
// ones), and checks after every step that both hold the same bytes. Slices
// taken along the way are checked at the end, after their parent was released
// and its pooled memory reused: a wrong reference count shows up there.
//
// Every appended slice has a release hook; by the end each must have run
// exactly once, whatever state Close found the buffer in.
//
// Each operation is three input bytes: an opcode and a little-endian length
// of up to 14 bits (16 KiB: node boundaries lie at 1, 2, 4 and 8 KiB). At most
// maxFuzzOps operations run, so that one input stays fast: the fuzzer stalls
// on minimizing slow ones.
func FuzzLinked(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzLinked.
	f.Fuzz(checkOps)
}

const maxFuzzOps = 256

func checkOps(t *testing.T, ops []byte) {
	var (
		b       = new(buffer.Linked)
		flushed bytes.Buffer // the model of what is readable
		pending []byte       // the model of what is unflushed
		written int          // stream offset of the next write
		slices  []*buffer.Linked
		want    [][]byte // the bytes each slice must read
		views   = make([][]byte, 0, 4)

		appended, released int // Append calls and release hook runs
	)
	hook := func([]byte) { released++ }
	defer func() {
		for _, s := range slices {
			s.Close()
		}
		if released != appended {
			t.Fatalf("%d release hooks ran for %d appended slices", released, appended)
		}
	}()
	if len(ops) > 3*maxFuzzOps {
		ops = ops[:3*maxFuzzOps]
	}
	for len(ops) >= 3 {
		op, n := ops[0]%12, int(ops[1])|int(ops[2]&0x3f)<<8
		ops = ops[3:]
		switch op {
		case 0: // Write
			p := pattern(written, n)
			written += n
			b.Write(p)
			pending = append(pending, p...)
		case 1: // Malloc
			p := pattern(written, n)
			written += n
			q, err := b.Malloc(n)
			if err != nil {
				t.Fatal(err)
			}
			copy(q, p)
			pending = append(pending, p...)
		case 2: // Append
			p := pattern(written, n)
			written += n
			appended++
			b.Append(p, hook)
			pending = append(pending, p...)
		case 3: // Flush
			b.Flush()
			flushed.Write(pending)
			pending = pending[:0]
		case 4, 5: // Next, Peek
			var (
				got []byte
				err error
			)
			if op == 4 {
				got, err = b.Next(n)
			} else {
				got, err = b.Peek(n)
			}
			if n > flushed.Len() {
				if !errors.Is(err, buffer.ErrShort) {
					t.Fatalf("read %d of %d: %v", n, flushed.Len(), err)
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			exp := flushed.Bytes()[:n]
			if !bytes.Equal(got, exp) {
				t.Fatalf("op %d(%d): got different bytes", op, n)
			}
			if op == 4 {
				flushed.Next(n)
			}
		case 6: // Skip
			err := b.Skip(n)
			if n > flushed.Len() {
				if !errors.Is(err, buffer.ErrShort) {
					t.Fatalf("skip %d of %d: %v", n, flushed.Len(), err)
				}
				break
			}
			flushed.Next(n)
		case 7: // Release
			b.Release()
		case 8: // Slice
			r, err := b.Slice(n)
			if n > flushed.Len() {
				if !errors.Is(err, buffer.ErrShort) {
					t.Fatalf("slice %d of %d: %v", n, flushed.Len(), err)
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			slices = append(slices, r.(*buffer.Linked))
			want = append(want, bytes.Clone(flushed.Next(n)))
		case 9: // Views, then Advance by n
			views = b.Views(views)
			got := bytes.Join(views, nil)
			if !bytes.HasPrefix(flushed.Bytes(), got) || len(views) < cap(views) && len(got) != flushed.Len() {
				t.Fatal("views differ from the model")
			}
			n = min(n, len(got))
			if err := b.Advance(n); err != nil {
				t.Fatal(err)
			}
			flushed.Next(n)
		case 10: // Slice.Next on the newest slice
			if len(slices) == 0 {
				break
			}
			s, w := slices[len(slices)-1], want[len(want)-1]
			n = min(n, s.Len())
			got, err := s.Next(n)
			if err != nil || !bytes.Equal(got, w[:n]) {
				t.Fatalf("slice Next(%d): %v", n, err)
			}
			want[len(want)-1] = w[n:]
		case 11: // Close in whatever state, and start over
			b.Close()
			b = new(buffer.Linked)
			flushed.Reset()
			pending = pending[:0]
		}
		if b.Len() != flushed.Len() || b.Unflushed() != len(pending) {
			t.Fatalf("Len %d Unflushed %d, model %d and %d", b.Len(), b.Unflushed(), flushed.Len(), len(pending))
		}
	}
	// Drain, release and close the parent, then write through the pools so
	// that freed memory is reused before the slices are read.
	b.Flush()
	flushed.Write(pending)
	rest, err := b.Next(b.Len())
	if err != nil || !bytes.Equal(rest, flushed.Bytes()) {
		t.Fatalf("final read: %v", err)
	}
	b.Release()
	if b.HeldNodes() != 0 {
		t.Fatalf("%d nodes held after reading everything", b.HeldNodes())
	}
	b.Close()
	var other buffer.Linked
	for range 4 {
		other.Write(bytes.Repeat([]byte{0xAA}, 3000))
	}
	other.Close()
	for i, s := range slices {
		got, err := s.Next(s.Len())
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Fatalf("slice %d reads wrong bytes after its parent closed (%v)", i, err)
		}
	}
}
