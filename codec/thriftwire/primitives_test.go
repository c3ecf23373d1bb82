package thriftwire_test

import (
	"math"
	"testing"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
)

// Integers at every varint boundary round-trip, and Size says what Append
// writes.
func TestIntegers(t *testing.T) {
	var i64s []int64
	for s := 0; s < 64; s += 7 {
		i64s = append(i64s, 1<<s, 1<<s-1, -(1 << s), -(1<<s)+1)
	}
	i64s = append(i64s, 0, math.MaxInt64, math.MinInt64)
	c, b := tw.Compact, tw.Binary
	for _, v := range i64s {
		if got, n := c.ConsumeI64(c.AppendI64(nil, v)); got != v || n != c.SizeI64(v) || n != len(c.AppendI64(nil, v)) {
			t.Errorf("compact i64 %d: got %d, %d bytes, size %d", v, got, n, c.SizeI64(v))
		}
		if got, n := b.ConsumeI64(b.AppendI64(nil, v)); got != v || n != 8 {
			t.Errorf("binary i64 %d: got %d", v, got)
		}
		if v32 := int32(v); true {
			if got, n := c.ConsumeI32(c.AppendI32(nil, v32)); got != v32 || n != c.SizeI32(v32) {
				t.Errorf("compact i32 %d: got %d", v32, got)
			}
			if got, _ := b.ConsumeI32(b.AppendI32(nil, v32)); got != v32 {
				t.Errorf("binary i32 %d: got %d", v32, got)
			}
		}
		if v16 := int16(v); true {
			if got, n := c.ConsumeI16(c.AppendI16(nil, v16)); got != v16 || n != c.SizeI16(v16) {
				t.Errorf("compact i16 %d: got %d", v16, got)
			}
			if got, _ := b.ConsumeI16(b.AppendI16(nil, v16)); got != v16 {
				t.Errorf("binary i16 %d: got %d", v16, got)
			}
		}
	}
	for _, f := range []float64{0, -0.5, math.Inf(1), math.MaxFloat64, math.SmallestNonzeroFloat64} {
		if got, _ := c.ConsumeDouble(c.AppendDouble(nil, f)); got != f {
			t.Errorf("compact double %v: %v", f, got)
		}
		if got, _ := b.ConsumeDouble(b.AppendDouble(nil, f)); got != f {
			t.Errorf("binary double %v: %v", f, got)
		}
	}
	for _, s := range []string{"", "x", string(make([]byte, 127)), string(make([]byte, 128)), string(make([]byte, 70000))} {
		if got, n := c.ConsumeString(c.AppendString(nil, s)); got != s || n != c.SizeString(s) {
			t.Errorf("compact string of %d: %d bytes", len(s), n)
		}
		if got, n := b.ConsumeString(b.AppendString(nil, s)); got != s || n != b.SizeString(s) {
			t.Errorf("binary string of %d: %d bytes", len(s), n)
		}
	}
	for _, id := range []int16{1, 15, 16, -1, math.MaxInt16, math.MinInt16} {
		for _, last := range []int16{0, 5, 15} {
			h := c.AppendFieldBegin(nil, tw.I32, id, last)
			if ft, got, _, n := c.ConsumeFieldBegin(h, last); ft != tw.I32 || got != id || n != len(h) || n != c.SizeFieldBegin(id, last) {
				t.Errorf("compact field %d after %d: %v %d, %d bytes", id, last, ft, got, n)
			}
		}
	}
	for _, n := range []int{0, 1, 14, 15, 1000} {
		h := c.AppendListBegin(nil, tw.Byte, n)
		h = append(h, make([]byte, n)...)
		if e, got, m := c.ConsumeListBegin(h); got != n || (n > 0 && e != tw.Byte) || m != c.SizeListBegin(n) {
			t.Errorf("compact list of %d: %v %d, %d", n, e, got, m)
		}
		h = c.AppendMapBegin(nil, tw.Byte, tw.Bool, n)
		h = append(h, make([]byte, 2*n)...)
		if k, v, got, m := c.ConsumeMapBegin(h); got != n || (n > 0 && (k != tw.Byte || v != tw.Bool)) || m != c.SizeMapBegin(n) {
			t.Errorf("compact map of %d: %v %v %d, %d", n, k, v, got, m)
		}
	}
}

// Bad input: each a code, never a panic.
func TestConsumeBad(t *testing.T) {
	b, c := tw.Binary, tw.Compact
	tests := []struct {
		name string
		n    int
		want error
	}{
		{"binary negative string", second(b.ConsumeBinary([]byte{0xff, 0xff, 0xff, 0xff})), tw.ErrNegative},
		{"binary string past the end", second(b.ConsumeBinary([]byte{0, 0, 0, 9, 'x'})), tw.ErrTruncated},
		{"binary list count past the bytes", third(b.ConsumeListBegin([]byte{byte(tw.I64), 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8})), tw.ErrTruncated},
		{"binary list of type 99", third(b.ConsumeListBegin([]byte{99, 0, 0, 0, 1, 0})), tw.ErrType},
		{"binary negative list", third(b.ConsumeListBegin([]byte{byte(tw.I32), 0x80, 0, 0, 0})), tw.ErrNegative},
		{"binary map count past the bytes", fourth(b.ConsumeMapBegin([]byte{byte(tw.I32), byte(tw.I32), 0x7f, 0xff, 0xff, 0xff})), tw.ErrTruncated},
		{"binary field of type 1", third(b.ConsumeFieldBegin([]byte{1, 0, 1})), tw.ErrType},
		{"binary message version 2", fourthM(b.ConsumeMessageBegin([]byte{0x80, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, false)), tw.ErrVersion},
		{"binary message type 5", fourthM(b.ConsumeMessageBegin([]byte{0x80, 0x01, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0}, false)), tw.ErrVersion},
		{"binary non-strict, not asked for", fourthM(b.ConsumeMessageBegin([]byte{0, 0, 0, 1, 'x', 1, 0, 0, 0, 0}, false)), tw.ErrVersion},
		{"binary depth", b.SkipValue(nest(b, 70), tw.Struct, 0), tw.ErrDepth},
		{"compact varint of 11 bytes", second(c.ConsumeUvarint([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0})), tw.ErrOverflow},
		{"compact varint past 64 bits", second(c.ConsumeUvarint([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})), tw.ErrOverflow},
		{"compact i32 of 6 bytes", second(c.ConsumeI32([]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0})), tw.ErrOverflow},
		{"compact i16 past 16 bits", second(c.ConsumeI16([]byte{0x80, 0x80, 0x04})), tw.ErrOverflow},
		{"compact truncated varint", second(c.ConsumeI64([]byte{0x80, 0x80})), tw.ErrTruncated},
		{"compact negative string", second(c.ConsumeBinary([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})), tw.ErrNegative},
		{"compact list count past the bytes", third(c.ConsumeListBegin([]byte{0xf5, 0x80, 0x80, 0x01})), tw.ErrTruncated},
		{"compact list of type 14", third(c.ConsumeListBegin([]byte{0x1e, 0})), tw.ErrType},
		{"compact empty list of type 15", third(c.ConsumeListBegin([]byte{0x0f})), tw.ErrType},
		{"compact map of type 0 keys", fourth(c.ConsumeMapBegin([]byte{1, 0x05, 0, 0})), tw.ErrType},
		{"compact field of type 15", fourthF(c.ConsumeFieldBegin([]byte{0x1f}, 0)), tw.ErrType},
		{"compact message protocol id", fourthM(c.ConsumeMessageBegin([]byte{0x81, 0x21, 0, 0})), tw.ErrVersion},
		{"compact message version 2", fourthM(c.ConsumeMessageBegin([]byte{0x82, 0x22, 0, 0})), tw.ErrVersion},
		{"compact depth", c.SkipValue(nest(c, 70), tw.Struct, 0), tw.ErrDepth},
		{"skip type 1", b.SkipValue([]byte{0}, 1, 0), tw.ErrType},
	}
	for _, tt := range tests {
		if got := tw.ParseError(tt.n); got != tt.want {
			t.Errorf("%s: %v (code %d), want %v", tt.name, got, tt.n, tt.want)
		}
	}
	// Within the depth limit, the same nesting skips.
	if n := b.SkipValue(nest(b, 60), tw.Struct, 0); n < 0 {
		t.Errorf("60 levels, binary: %v", tw.ParseError(n))
	}
	if n := c.SkipValue(nest(c, 60), tw.Struct, 0); n < 0 {
		t.Errorf("60 levels, compact: %v", tw.ParseError(n))
	}
}

// An empty compact list of type 0 is read, as Apache reads it.
func TestCompactEmptyListOfStop(t *testing.T) {
	if et, n, m := tw.Compact.ConsumeListBegin([]byte{0x00}); et != tw.Stop || n != 0 || m != 1 {
		t.Fatalf("got %v, %d, %d; want an empty list of 1 byte", et, n, m)
	}
}

// A compact field header of type 0 is a stop whatever its delta, as
// Apache's readers take it; the codec's and Skip's struct loops agree.
func TestCompactStopWithDelta(t *testing.T) {
	c := tw.Compact
	for _, h := range []byte{0x00, 0x10, 0x30, 0xf0} {
		if ft, _, _, n := c.ConsumeFieldBegin([]byte{h, 0xff}, 0); ft != tw.Stop || n != 1 {
			t.Errorf("%#02x: type %v, %d bytes; want a stop of 1 byte", h, ft, n)
		}
		in := []byte{0x15, 0x02, h, 0xff} // field 1, i32 1, then the stop
		if n := c.SkipValue(in, tw.Struct, 8); n != 3 {
			t.Errorf("%#02x: skipped %d bytes, want 3", h, n)
		}
	}
}

// nest returns structs nested depth deep, each the field 1 of its parent.
func nest(p interface {
	AppendFieldStop([]byte) []byte
}, depth int) []byte {
	var b []byte
	for range depth - 1 {
		switch q := p.(type) {
		case tw.BinaryProtocol:
			b = q.AppendFieldBegin(b, tw.Struct, 1)
		case tw.CompactProtocol:
			b = q.AppendFieldBegin(b, tw.Struct, 1, 0)
		}
	}
	for range depth {
		b = p.AppendFieldStop(b)
	}
	return b
}

func second[A any](_ A, n int) int                           { return n }
func third[A, B any](_ A, _ B, n int) int                    { return n }
func fourth[A, B, C any](_ A, _ B, _ C, n int) int           { return n }
func fourthM(_ string, _ tw.MessageType, _ int32, n int) int { return n }
func fourthF(_ tw.Type, _ int16, _ bool, n int) int          { return n }

func TestNonStrictMessage(t *testing.T) {
	in := []byte{0, 0, 0, 4, 'E', 'c', 'h', 'o', byte(tw.Reply), 0, 0, 0, 9}
	name, mt, seq, n := tw.Binary.ConsumeMessageBegin(in, true)
	if name != "Echo" || mt != tw.Reply || seq != 9 || n != len(in) {
		t.Fatalf("%q %v %d %d", name, mt, seq, n)
	}
}

func TestApplicationExceptionString(t *testing.T) {
	e := &tw.ApplicationException{Type: tw.UnknownService, Message: "no Foo"}
	if e.Error() != "thrift: application exception: unknown service: no Foo" || tw.ExceptionType(99).String() != "exception type 99" {
		t.Errorf("%q, %q", e.Error(), tw.ExceptionType(99))
	}
}

// Consume allocates nothing.
func TestConsumeAllocations(t *testing.T) {
	var sb, sc int
	n := testing.AllocsPerRun(100, func() {
		_, _, _, hb := tw.Binary.ConsumeMessageBegin(apacheBinary, false)
		_, _, _, hc := tw.Compact.ConsumeMessageBegin(apacheCompact)
		sb = tw.Binary.SkipValue(apacheBinary[hb:], tw.Struct, 0)
		sc = tw.Compact.SkipValue(apacheCompact[hc:], tw.Struct, 0)
	})
	if n != 0 || sb < 100 || sc < 100 {
		t.Errorf("%.0f allocations; skipped %d and %d bytes", n, sb, sc)
	}
}
