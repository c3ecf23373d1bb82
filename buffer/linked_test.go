package buffer_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/ringwire/ringwire/buffer"
)

const ns = buffer.MinNodeSize // the first node's size; the second is 2*ns

// pattern returns n bytes that differ from their neighbours, starting at
// stream offset off, so that a misplaced byte is visible.
func pattern(off, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		x := off + i
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	return p
}

// writeChunks writes the chunks in order with the given method and flushes,
// returning everything written.
func writeChunks(t *testing.T, b *buffer.Linked, how string, chunks ...int) []byte {
	t.Helper()
	var all []byte
	for _, n := range chunks {
		p := pattern(len(all), n)
		all = append(all, p...)
		switch how {
		case "write":
			if _, err := b.Write(p); err != nil {
				t.Fatal(err)
			}
		case "malloc":
			q, err := b.Malloc(n)
			if err != nil {
				t.Fatal(err)
			}
			copy(q, p)
		case "append":
			if err := b.Append(p, nil); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unknown write method %q", how)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	return all
}

// The layouts every read is tried on: one node, exactly full nodes, and
// reads that span two and three nodes.
var layouts = []struct {
	name   string
	how    string
	chunks []int
}{
	{"empty", "write", nil},
	{"one byte", "write", []int{1}},
	{"node-1", "write", []int{ns - 1}},
	{"node", "write", []int{ns}},
	{"node+1", "write", []int{ns + 1}},
	{"three nodes by write", "write", []int{ns, 2 * ns, 10}},
	{"malloc leaves a gap", "malloc", []int{ns - 10, 20, 5}},
	{"malloc three nodes", "malloc", []int{ns, 2 * ns, 4 * ns}},
	{"appended slices", "append", []int{3, ns, 1, 7}},
}

var readSizes = []int{0, 1, ns - 1, ns, ns + 1, 3*ns + 10, 7 * ns}

func TestReadAtBoundaries(t *testing.T) {
	for _, l := range layouts {
		for _, n := range readSizes {
			for _, op := range []string{"next", "peek", "skip", "slice"} {
				t.Run(fmt.Sprintf("%s/%s/%d", l.name, op, n), func(t *testing.T) {
					var b buffer.Linked
					defer b.Close()
					all := writeChunks(t, &b, l.how, l.chunks...)
					if b.Len() != len(all) {
						t.Fatalf("Len() = %d after writing %d", b.Len(), len(all))
					}
					got, err := readOp(&b, op, n)
					if n > len(all) {
						if !errors.Is(err, buffer.ErrShort) {
							t.Fatalf("%s(%d) of %d bytes: err = %v, want ErrShort", op, n, len(all), err)
						}
						if b.Len() != len(all) {
							t.Fatalf("failed %s consumed: Len() = %d, want %d", op, b.Len(), len(all))
						}
						return
					}
					if err != nil {
						t.Fatalf("%s(%d): %v", op, n, err)
					}
					if op != "skip" && !bytes.Equal(got, all[:n]) {
						t.Fatalf("%s(%d) returned the wrong bytes", op, n)
					}
					wantLen := len(all) - n
					if op == "peek" {
						wantLen = len(all)
					}
					if b.Len() != wantLen {
						t.Fatalf("after %s(%d): Len() = %d, want %d", op, n, b.Len(), wantLen)
					}
					// The rest reads back intact after a Release.
					if err := b.Release(); err != nil {
						t.Fatal(err)
					}
					rest, err := b.Next(b.Len())
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(rest, all[len(all)-wantLen:]) {
						t.Fatalf("after %s(%d) and Release, the rest differs", op, n)
					}
				})
			}
		}
	}
}

// readOp runs one read and returns its bytes; slices are read out and closed.
func readOp(b *buffer.Linked, op string, n int) ([]byte, error) {
	switch op {
	case "next":
		p, err := b.Next(n)
		return bytes.Clone(p), err
	case "peek":
		p, err := b.Peek(n)
		return bytes.Clone(p), err
	case "skip":
		return nil, b.Skip(n)
	case "slice":
		r, err := b.Slice(n)
		if err != nil {
			return nil, err
		}
		defer r.(*buffer.Linked).Close()
		if r.Len() != n {
			return nil, fmt.Errorf("slice Len() = %d, want %d", r.Len(), n)
		}
		p, err := r.Next(n)
		return bytes.Clone(p), err
	}
	panic(op)
}

func TestBadSizes(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	writeChunks(t, &b, "write", 10)
	for _, n := range []int{-1, math.MinInt} {
		if _, err := b.Next(n); !errors.Is(err, buffer.ErrInvalidSize) {
			t.Errorf("Next(%d): %v, want ErrInvalidSize", n, err)
		}
		if _, err := b.Peek(n); !errors.Is(err, buffer.ErrInvalidSize) {
			t.Errorf("Peek(%d): %v, want ErrInvalidSize", n, err)
		}
		if err := b.Skip(n); !errors.Is(err, buffer.ErrInvalidSize) {
			t.Errorf("Skip(%d): %v, want ErrInvalidSize", n, err)
		}
		if _, err := b.Slice(n); !errors.Is(err, buffer.ErrInvalidSize) {
			t.Errorf("Slice(%d): %v, want ErrInvalidSize", n, err)
		}
		if _, err := b.Malloc(n); !errors.Is(err, buffer.ErrInvalidSize) {
			t.Errorf("Malloc(%d): %v, want ErrInvalidSize", n, err)
		}
	}
	for _, n := range []int{11, math.MaxInt} {
		if _, err := b.Next(n); !errors.Is(err, buffer.ErrShort) {
			t.Errorf("Next(%d): %v, want ErrShort", n, err)
		}
	}
	if _, err := b.Malloc(buffer.MaxMalloc + 1); !errors.Is(err, buffer.ErrInvalidSize) {
		t.Errorf("Malloc(MaxMalloc+1): %v, want ErrInvalidSize", err)
	}
	if b.Len() != 10 || b.Unflushed() != 0 {
		t.Fatalf("failed calls changed the buffer: Len %d, Unflushed %d", b.Len(), b.Unflushed())
	}
}

func TestClosed(t *testing.T) {
	if buffer.DebugEnabled {
		t.Skip("under ringwire_debug a closed buffer panics instead: TestDebugUseAfterClosePanics")
	}
	var b buffer.Linked
	writeChunks(t, &b, "write", 10)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("Len() after Close = %d", b.Len())
	}
	calls := map[string]error{}
	_, calls["Next"] = b.Next(1)
	_, calls["Peek"] = b.Peek(1)
	calls["Skip"] = b.Skip(1)
	_, calls["Slice"] = b.Slice(1)
	calls["Release"] = b.Release()
	_, calls["Malloc"] = b.Malloc(1)
	_, calls["Write"] = b.Write([]byte{1})
	calls["Append"] = b.Append([]byte{1}, nil)
	calls["Flush"] = b.Flush()
	calls["Reset"] = b.Reset()
	calls["SliceTo"] = new(buffer.Linked).SliceTo(&b, 0)
	calls["Close"] = b.Close()
	for name, err := range calls {
		if !errors.Is(err, buffer.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if v := b.Views(make([][]byte, 0, 4)); len(v) != 0 {
		t.Errorf("Views after Close returned %d slices", len(v))
	}
}

// A closed Slice stays closed: its struct is never handed to another Slice,
// and closing it twice frees nothing twice.
func TestClosedSliceStaysClosed(t *testing.T) {
	if buffer.DebugEnabled {
		t.Skip("under ringwire_debug a closed buffer panics instead: TestDebugUseAfterClosePanics")
	}
	var b buffer.Linked
	calls := 0
	b.Append([]byte("hello world"), func([]byte) { calls++ })
	b.Flush()
	r, _ := b.Slice(1)
	s := r.(*buffer.Linked)
	s.Close()
	if err := s.Close(); !errors.Is(err, buffer.ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
	r2, _ := b.Slice(5)
	if _, err := s.Next(1); !errors.Is(err, buffer.ErrClosed) {
		t.Fatalf("Next on a closed Slice: %v, want ErrClosed", err)
	}
	if _, err := s.Write([]byte("junk")); !errors.Is(err, buffer.ErrClosed) {
		t.Fatalf("Write to a closed Slice: %v, want ErrClosed", err)
	}
	if p, err := r2.Next(5); err != nil || string(p) != "ello " {
		t.Fatalf("a later Slice reads %q, %v", p, err)
	}
	r2.(*buffer.Linked).Close()
	b.Close()
	if calls != 1 {
		t.Fatalf("release hook ran %d times, want 1", calls)
	}
}

func TestSliceToAndReset(t *testing.T) {
	var b, dst buffer.Linked
	defer b.Close()
	defer dst.Close()
	all := writeChunks(t, &b, "write", 3*ns)
	if err := b.SliceTo(&b, 1); !errors.Is(err, buffer.ErrSliceToSelf) {
		t.Fatalf("SliceTo itself: %v", err)
	}
	for off := 0; off < len(all); off += ns {
		dst.Write([]byte("stale")) // SliceTo resets dst first
		if err := b.SliceTo(&dst, ns); err != nil {
			t.Fatal(err)
		}
		p, err := dst.Next(dst.Len())
		if err != nil || !bytes.Equal(p, all[off:off+ns]) {
			t.Fatalf("SliceTo at %d: %d bytes, %v", off, len(p), err)
		}
	}
	if err := b.SliceTo(&dst, 1); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("SliceTo past the end: %v", err)
	}
	// Reset frees unread and unflushed bytes and leaves the buffer usable.
	writeChunks(t, &b, "write", 10)
	b.Write([]byte("unflushed"))
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 || b.Unflushed() != 0 || b.HeldNodes() != 0 {
		t.Fatalf("after Reset: Len %d, Unflushed %d, %d nodes", b.Len(), b.Unflushed(), b.HeldNodes())
	}
	writeChunks(t, &b, "write", 3)
	if p, _ := b.Next(3); !bytes.Equal(p, pattern(0, 3)) {
		t.Fatal("a reset buffer reads the wrong bytes")
	}
}

func TestUnflushedIsInvisible(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	writeChunks(t, &b, "write", 5)
	b.Write(pattern(5, 3))
	if b.Len() != 5 || b.Unflushed() != 3 {
		t.Fatalf("Len %d Unflushed %d, want 5 and 3", b.Len(), b.Unflushed())
	}
	if _, err := b.Next(6); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("Next reached unflushed bytes: %v", err)
	}
	b.Flush()
	if p, _ := b.Next(8); !bytes.Equal(p, pattern(0, 8)) {
		t.Fatal("wrong bytes after Flush")
	}
}

func TestNodesGrowAndEmptyHoldsNone(t *testing.T) {
	var b buffer.Linked
	if b.HeldNodes() != 0 {
		t.Fatal("a zero Linked holds a node")
	}
	chunks := make([]int, 15) // one node of each size: ns + 2ns + 4ns + 8ns
	for i := range chunks {
		chunks[i] = ns
	}
	all := writeChunks(t, &b, "write", chunks...)
	if got, want := b.NodeSizes(), []int{ns, 2 * ns, 4 * ns, 8 * ns}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("node sizes %v, want %v", got, want)
	}
	// A partial read keeps the node being read; whole nodes go.
	b.Next(ns + 5) // spans two nodes: a copy, freed by Release
	b.Release()
	if got := b.HeldNodes(); got != 3 {
		t.Fatalf("after a partial read: %d nodes held, want 3", got)
	}
	rest, _ := b.Next(b.Len())
	if !bytes.Equal(rest, all[ns+5:]) {
		t.Fatal("wrong bytes")
	}
	b.Release()
	if got := b.HeldNodes(); got != 0 {
		t.Fatalf("a buffer read to its end holds %d nodes", got)
	}
	// A new chain starts small again.
	writeChunks(t, &b, "write", 10)
	if got := b.NodeSizes(); fmt.Sprint(got) != fmt.Sprint([]int{ns}) {
		t.Fatalf("after emptying, node sizes %v, want [%d]", got, ns)
	}
	b.Next(10)
	b.Release()
	if b.HeldNodes() != 0 {
		t.Fatal("second chain not freed")
	}
	b.Close()
}

func TestUnflushedTailIsKept(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	writeChunks(t, &b, "write", 10)
	p, _ := b.Malloc(4) // not flushed: the node must stay
	b.Next(10)
	b.Release()
	if b.HeldNodes() != 1 {
		t.Fatalf("Release freed the node a write is in flight in (%d held)", b.HeldNodes())
	}
	copy(p, "abcd")
	b.Flush()
	if q, err := b.Next(4); err != nil || string(q) != "abcd" {
		t.Fatalf("Next(4) = %q, %v", q, err)
	}
}

func TestLargeMallocGetsItsOwnNode(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	// 100 KiB comes from a size class; 5 MiB is past the largest class and
	// is allocated outright.
	all := writeChunks(t, &b, "malloc", 10, 100*ns, 5<<20)
	sizes := b.NodeSizes()
	if len(sizes) != 3 || sizes[1] < 100*ns || sizes[2] != 5<<20 {
		t.Fatalf("node sizes %v", sizes)
	}
	p, err := b.Next(len(all))
	if err != nil || !bytes.Equal(p, all) {
		t.Fatalf("reading it back: %v", err)
	}
	b.Release()
	if b.HeldNodes() != 0 {
		t.Fatalf("%d nodes held after reading everything", b.HeldNodes())
	}
}

func TestSliceSharesAndOutlives(t *testing.T) {
	var b buffer.Linked
	all := writeChunks(t, &b, "write", 3*ns+10)
	b.Skip(5)
	r, err := b.Slice(2*ns + 100) // spans the first three nodes
	if err != nil {
		t.Fatal(err)
	}
	s := r.(*buffer.Linked)
	// Slice of a Slice.
	s.Skip(7)
	r2, err := s.Slice(ns)
	if err != nil {
		t.Fatal(err)
	}
	s2 := r2.(*buffer.Linked)
	// Release and close the parent and the first slice: the innermost slice
	// still reads its bytes, which share the parent's memory.
	b.Release()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	s.Release()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := s2.Next(ns)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p, all[12:12+ns]) {
		t.Fatal("slice of a slice reads the wrong bytes")
	}
	if s2.Len() != 0 {
		t.Fatalf("slice Len %d after reading it all", s2.Len())
	}
	s2.Close()
}

func TestReleaseHookRunsOnceAfterLastReference(t *testing.T) {
	var b buffer.Linked
	ext := pattern(0, 100)
	calls := 0
	b.Append(ext, func(p []byte) {
		calls++
		if &p[0] != &ext[0] || len(p) != len(ext) {
			t.Error("release hook got another slice")
		}
	})
	b.Write(pattern(100, 10))
	b.Flush()
	b.Skip(10)
	r, _ := b.Slice(50)
	s := r.(*buffer.Linked)
	b.Skip(50)
	b.Release()
	if calls != 0 {
		t.Fatal("hook ran while a Slice still reads the memory")
	}
	b.Close()
	if calls != 0 {
		t.Fatal("hook ran at the parent's Close while a Slice still reads the memory")
	}
	if p, _ := s.Next(50); !bytes.Equal(p, ext[10:60]) {
		t.Fatal("slice reads the wrong bytes")
	}
	s.Release()
	s.Close()
	if calls != 1 {
		t.Fatalf("hook ran %d times, want 1", calls)
	}
}

func TestAppendEmptyReleasesAtOnce(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	calls := 0
	b.Append(nil, func([]byte) { calls++ })
	if calls != 1 || b.Unflushed() != 0 {
		t.Fatalf("calls %d, Unflushed %d", calls, b.Unflushed())
	}
}

func TestCloseFreesUnreadAndUnflushed(t *testing.T) {
	var b buffer.Linked
	calls := 0
	hook := func([]byte) { calls++ }
	b.Append(pattern(0, 10), hook)
	b.Flush()
	b.Append(pattern(0, 10), hook) // never flushed
	b.Close()
	if calls != 2 {
		t.Fatalf("Close ran %d of 2 hooks", calls)
	}
}

// After the reading side freed the chain, an unflushed new chain is still
// the buffer's to free.
func TestCloseFreesChainStartedAfterEmptying(t *testing.T) {
	var b buffer.Linked
	writeChunks(t, &b, "write", 10)
	b.Next(10)
	b.Release() // frees the last node
	calls := 0
	b.Append(pattern(0, 10), func([]byte) { calls++ }) // a new chain, unflushed
	if b.HeldNodes() != 1 {
		t.Fatalf("%d nodes held, want the new chain's 1", b.HeldNodes())
	}
	b.Close()
	if calls != 1 {
		t.Fatalf("Close ran %d of 1 hooks", calls)
	}
}

func TestViewsAndAdvance(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	all := writeChunks(t, &b, "write", ns-3)
	b.Append(pattern(ns-3, 50), nil)
	b.Write(pattern(ns+47, 2*ns))
	b.Flush()
	all = append(all, pattern(ns-3, 50+2*ns)...)

	views := make([][]byte, 0, 8)
	views = b.Views(views)
	if len(views) != 3 {
		t.Fatalf("%d views, want 3", len(views))
	}
	if got := bytes.Join(views, nil); !bytes.Equal(got, all) {
		t.Fatal("views hold the wrong bytes")
	}
	// A short capacity gives a prefix.
	if v := b.Views(make([][]byte, 0, 2)); len(v) != 2 || len(v[0])+len(v[1]) != ns+47 {
		t.Fatalf("capped views: %d slices", len(v))
	}
	// A short write: advance part-way into the second node.
	if err := b.Advance(ns + 10); err != nil {
		t.Fatal(err)
	}
	views = b.Views(views)
	if got := bytes.Join(views, nil); !bytes.Equal(got, all[ns+10:]) {
		t.Fatal("views after Advance hold the wrong bytes")
	}
	if err := b.Advance(b.Len() + 1); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("Advance past the end: %v, want ErrShort", err)
	}
	if err := b.Advance(b.Len()); err != nil {
		t.Fatal(err)
	}
	if b.HeldNodes() != 0 || len(b.Views(views)) != 0 {
		t.Fatal("buffer not empty after advancing past everything")
	}
}

func TestHelpers(t *testing.T) {
	var b buffer.Linked
	defer b.Close()
	if err := buffer.WriteString(&b, "hello, world"); err != nil {
		t.Fatal(err)
	}
	b.Flush()
	s, err := buffer.ReadString(&b, 5)
	if err != nil || s != "hello" {
		t.Fatalf("ReadString = %q, %v", s, err)
	}
	p := make([]byte, 7)
	if err := buffer.ReadFull(&b, p); err != nil || string(p) != ", world" {
		t.Fatalf("ReadFull = %q, %v", p, err)
	}
	if err := buffer.ReadFull(&b, p); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("ReadFull past the end: %v", err)
	}
	if _, err := buffer.ReadString(&b, 1); !errors.Is(err, buffer.ErrShort) {
		t.Fatalf("ReadString past the end: %v", err)
	}
	b.Release()
	if s != "hello" {
		t.Fatal("ReadString's result changed after Release")
	}
}
