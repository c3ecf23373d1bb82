//go:build !race && !ringwire_debug

package buffer_test

import (
	"testing"

	"github.com/ringwire/ringwire/buffer"
)

// Steady-state cycles allocate nothing: nodes, copies, slices and their
// structs all come back from pools. (The race detector allocates on its own,
// and ringwire_debug never reuses a node, hence the build tags.)
func TestZeroAllocs(t *testing.T) {
	payload := pattern(0, 3*ns)
	release := func([]byte) {}
	var b, sub buffer.Linked
	defer b.Close()
	defer sub.Close()
	views := make([][]byte, 0, 8)

	cycles := []struct {
		name string
		f    func()
	}{
		{"malloc flush next release", func() {
			p, _ := b.Malloc(4 + 64)
			copy(p[4:], payload)
			b.Flush()
			b.Next(4)
			b.Next(64)
			b.Release()
		}},
		{"write across nodes, next copies", func() {
			b.Write(payload[:ns-2])
			b.Write(payload[:ns])
			b.Flush()
			b.Next(ns + 10) // spans two nodes: one pooled copy
			b.Peek(b.Len())
			b.Skip(b.Len())
			b.Release()
		}},
		{"append with hook", func() {
			b.Append(payload, release)
			b.Flush()
			b.Next(len(payload))
			b.Release()
		}},
		{"slice into a reused buffer", func() {
			b.Write(payload[:200])
			b.Flush()
			b.SliceTo(&sub, 100)
			sub.Next(50)
			sub.Reset()
			b.Skip(100)
			b.Release()
		}},
		{"views and advance", func() {
			b.Write(payload[:ns])
			b.Append(payload, release)
			b.Flush()
			views = b.Views(views)
			b.Advance(100)
			views = b.Views(views)
			b.Advance(b.Len())
		}},
	}
	for _, c := range cycles {
		if n := testing.AllocsPerRun(1000, c.f); n != 0 {
			t.Errorf("%s: %.1f allocations per cycle, want 0", c.name, n)
		}
		if b.Len() != 0 || b.HeldNodes() != 0 {
			t.Fatalf("%s left %d bytes in %d nodes", c.name, b.Len(), b.HeldNodes())
		}
	}
}
