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
		n := testing.AllocsPerRun(100, func() {
			d, _ := frame.AppendTHeader(dst[:0], h, payload)
			d, start, _ := frame.StartTHeader(d[:0], h)
			frame.FinishTHeader(append(d, payload...), start)
			pw, _ := w.Begin(&b, h)
			pw.Write(payload)
			w.End()
			b.Flush()
			b.Skip(b.Len())
			b.Release()
		})
		b.Close()
		if n != 0 {
			t.Errorf("%v: %.1f allocations per encode, want 0", ids, n)
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
		n := testing.AllocsPerRun(50, func() {
			frame.Transform(out[:0], in, ids)
			frame.Untransform(plain[:0], packed, ids, nil)
		})
		if n != 0 {
			t.Errorf("%v: %.1f allocations per round trip, want 0", id, n)
		}
	}
}
