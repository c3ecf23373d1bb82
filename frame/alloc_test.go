//go:build !race

package frame_test

import (
	"testing"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/frame"
)

// These paths take their state from sync.Pools, which the race detector
// empties at random: they run without it (make test's allocs step).

// Encoding a THeader without transforms allocates nothing; with zstd, in
// steady state, nothing either.
func TestEncodeTHeaderAllocations(t *testing.T) {
	payload := payloadOf(1024)
	for _, ids := range [][]frame.TransformID{nil, {frame.TransformZstd}, {frame.TransformSnappy}} {
		h := &frame.Header{SeqID: 1, Transforms: ids, Strings: []frame.StringPair{{"k", "v"}}}
		dst := make([]byte, 0, 4096)
		var b buffer.Linked
		var w frame.THeaderWriter
		var failed error
		check := func(err error) {
			if err != nil && failed == nil {
				failed = err
			}
		}
		n := testing.AllocsPerRun(100, func() {
			d, err := frame.AppendTHeader(dst[:0], h, payload)
			check(err)
			d, start, err := frame.StartTHeader(d[:0], h)
			check(err)
			_, err = frame.FinishTHeader(append(d, payload...), start)
			check(err)
			pw, err := w.Begin(&b, h)
			check(err)
			_, err = pw.Write(payload)
			check(err)
			check(w.End())
			check(b.Flush())
			check(b.Skip(b.Len()))
			check(b.Release())
		})
		b.Close()
		if n != 0 || failed != nil {
			t.Errorf("%v: %.1f allocations per encode, want 0; %v", ids, n, failed)
		}
	}
}

// In steady state a transform allocates nothing beyond its output's growth:
// with the output's memory reused, nothing.
func TestTransformAllocations(t *testing.T) {
	in := payloadOf(16 << 10)
	for _, id := range compressors {
		ids := []frame.TransformID{id}
		packed, _ := frame.Transform(nil, in, ids)
		out := make([]byte, 0, 64<<10)
		plain := make([]byte, 0, 64<<10)
		frame.Untransform(plain, packed, ids, nil) // make the pooled state
		var got []byte
		var err1, err2 error
		n := testing.AllocsPerRun(50, func() {
			_, err1 = frame.Transform(out[:0], in, ids)
			got, err2 = frame.Untransform(plain[:0], packed, ids, nil)
		})
		if n != 0 || err1 != nil || err2 != nil || len(got) != len(in) {
			t.Errorf("%v: %.1f allocations per round trip, want 0; %v, %v, %d bytes", id, n, err1, err2, len(got))
		}
	}
}
