package buffer_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ringwire/ringwire/buffer"
)

// TestConcurrentProducerConsumer runs the documented contract on the real
// type: one goroutine writes a known stream with every write method and
// random flush points, another reads it with every read method, at the same
// time and without a lock. Under -race this is the check that the atomic
// state word orders every access; the byte comparison is the check that it
// orders them right.
func TestConcurrentProducerConsumer(t *testing.T) {
	total := 4 << 20
	if testing.Short() {
		total = 1 << 20
	}
	for _, seed := range []uint64{1, 2, 3} {
		var (
			b        buffer.Linked
			wg       sync.WaitGroup
			appended atomic.Int64 // external slices linked
			released atomic.Int64 // their release hooks run
			stream   = pattern(0, total)
		)
		hook := func([]byte) { released.Add(1) }

		wg.Add(1)
		go func() { // producer
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 1))
			for off := 0; off < total; {
				n := min(total-off, 1+rng.IntN(3000))
				p := stream[off : off+n]
				switch rng.IntN(3) {
				case 0:
					b.Write(p)
				case 1:
					q, err := b.Malloc(n)
					if err != nil {
						t.Error(err)
						return
					}
					copy(q, p)
				case 2:
					appended.Add(1)
					b.Append(bytes.Clone(p), hook)
				}
				off += n
				if rng.IntN(4) == 0 || off == total {
					b.Flush()
				}
			}
		}()

		rng := rand.New(rand.NewPCG(seed, 2))
		type slice struct {
			r   *buffer.Linked
			off int
		}
		var slices []slice
		views := make([][]byte, 0, 16)
		for off := 0; off < total; {
			want := min(total-off, 1+rng.IntN(5000))
			for b.Len() < want {
				runtime.Gosched()
			}
			op := rng.IntN(6)
			switch op {
			case 0, 1:
				var (
					p   []byte
					err error
				)
				if op == 0 {
					p, err = b.Next(want)
				} else {
					p, err = b.Peek(want)
					if err == nil {
						err = b.Skip(want)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p, stream[off:off+want]) {
					t.Fatalf("seed %d: bytes at %d differ", seed, off)
				}
			case 2:
				r, err := b.Slice(want)
				if err != nil {
					t.Fatal(err)
				}
				slices = append(slices, slice{r.(*buffer.Linked), off})
			case 3:
				views = b.Views(views)
				got := bytes.Join(views, nil)
				if len(got) < want {
					want = len(got)
				}
				if !bytes.Equal(got[:want], stream[off:off+want]) {
					t.Fatalf("seed %d: views at %d differ", seed, off)
				}
				if err := b.Advance(want); err != nil {
					t.Fatal(err)
				}
			default:
				if err := b.Skip(want); err != nil {
					t.Fatal(err)
				}
			}
			off += want
			if rng.IntN(3) == 0 {
				b.Release()
			}
		}
		wg.Wait()
		b.Release()
		if b.HeldNodes() != 0 {
			t.Fatalf("seed %d: %d nodes held after everything was read", seed, b.HeldNodes())
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}

		// The slices outlive the parent and read from other goroutines.
		var sg sync.WaitGroup
		for _, s := range slices {
			sg.Add(1)
			go func() {
				defer sg.Done()
				n := s.r.Len()
				p, err := s.r.Next(n)
				if err != nil || !bytes.Equal(p, stream[s.off:s.off+n]) {
					t.Errorf("seed %d: slice at %d reads wrong bytes (%v)", seed, s.off, err)
				}
				s.r.Close()
			}()
		}
		sg.Wait()
		if got, want := released.Load(), appended.Load(); got != want {
			t.Fatalf("seed %d: %d of %d release hooks ran", seed, got, want)
		}
		if !buffer.DebugEnabled { // where it panics instead
			if _, err := b.Next(1); !errors.Is(err, buffer.ErrClosed) {
				t.Fatal("closed buffer still reads")
			}
		}
	}
}
